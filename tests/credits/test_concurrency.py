"""Charges and refunds from many threads at once: no lost updates, no "database is locked",
no clip refunded twice."""

import threading

import pytest
from django.db import close_old_connections, connection

from accounts.models import User
from audio.models import GeneratedAudioClip
from credits import services as credits
from credits.models import UsageLog


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
                    try:
                        credits.charge_for(user_id=user.pk, amount=20, service="styletts2", create=lambda: (
                            GeneratedAudioClip.objects.create(user=user, service="styletts2", text="Hi", cost=20)))
                    except credits.InsufficientCredits:
                        results.append(False)
                    else:
                        results.append(True)
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
        assert GeneratedAudioClip.objects.filter(user=user).count() == 50  # a refused charge leaves no clip
