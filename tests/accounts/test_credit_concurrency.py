"""Conditional debits from many threads at once: no lost updates, no "database is locked"."""

import threading

import pytest
from django.db import close_old_connections, connection, transaction

from accounts.models import User
from audio.models import LedgerReason, UsageLog


@pytest.mark.django_db(transaction=True)
class TestConcurrentDebits:
    def test_twenty_threads_debit_exactly(self):
        user = User.objects.create_user(email="race@example.com", password="x" * 12, credits=1000)
        errors: list[BaseException] = []
        results: list[bool] = []
        start = threading.Barrier(20)

        def debit():
            try:
                start.wait()
                for _ in range(3):
                    with transaction.atomic():
                        taken = User.objects.debit(user_id=user.pk, amount=20)
                        if taken:
                            UsageLog.objects.create(user_id=user.pk, credits=-20, reason=LedgerReason.DEBIT)
                    results.append(taken)
            except BaseException as exc:  # noqa: BLE001 - collected and asserted below
                errors.append(exc)
            finally:
                close_old_connections()
                connection.close()

        threads = [threading.Thread(target=debit) for _ in range(20)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

        assert errors == []
        assert results.count(True) == 50  # 1000 credits / 20 each
        user.refresh_from_db()
        assert user.credits == 0
        assert 1000 + sum(UsageLog.objects.filter(user=user).values_list("credits", flat=True)) == user.credits
