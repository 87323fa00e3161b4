"""The races the clip lifecycle must win, with real threads on the real database: a result
against a failure, two refunds, two reapers, one user's requests against the per-minute rate."""

import threading
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage
from django.db import close_old_connections, connection
from django.utils import timezone

from accounts.models import User
from audio import generation, reaper, services, storage
from audio.engines import registry
from audio.models import GeneratedAudioClip
from credits.models import UsageLog
from tests.factories import UserFactory, request_clip, wav_bytes

pytestmark = pytest.mark.django_db(transaction=True)


def run_together(*calls):
    """Run the calls in threads released at the same moment; their results (or exceptions)."""
    start = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(index, call):
        try:
            start.wait()
            results[index] = call()
        except BaseException as exc:  # noqa: BLE001 - returned to the test
            results[index] = exc
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


def _balance(user) -> int:
    return User.objects.get(pk=user.pk).credits


def _ledger(user) -> int:
    return sum(UsageLog.objects.filter(user=user).values_list("credits", flat=True))


class TestAResultAgainstAFailure:
    @pytest.mark.parametrize("round_", range(6))
    def test_exactly_one_wins_and_the_loser_leaves_nothing_behind(self, round_):
        user = UserFactory(credits=1000)
        clip = request_clip(user, "styletts2", text="Hello.", voice="joe")
        key = storage.save_output(registry.TEXT_TO_SPEECH, wav_bytes(0.5))

        completed, failed = run_together(
            lambda: generation.clip_complete(clip_id=clip.id, key=key, duration=0.5),
            lambda: generation.clip_fail(clip_id=clip.id, error="The engine failed."),
        )

        clip.refresh_from_db()
        assert [completed, failed].count(True) == 1
        refunds = UsageLog.objects.filter(refund_of=clip).count()
        if completed:
            assert clip.status == "done" and clip.s3_key == key and default_storage.exists(key)
            assert refunds == 0 and _balance(user) == 950
        else:
            assert clip.status == "failed" and not default_storage.exists(key)  # the late result is removed
            assert refunds == 1 and _balance(user) == 1000
        assert _balance(user) == 1000 + _ledger(user)

    def test_a_result_that_arrives_after_the_failure_is_discarded(self):
        user = UserFactory(credits=1000)
        clip = request_clip(user, "styletts2", text="Hello.", voice="joe")
        generation.clip_fail(clip_id=clip.id, error="The engine failed.")
        key = storage.save_output(registry.TEXT_TO_SPEECH, wav_bytes(0.5))

        assert generation.clip_complete(clip_id=clip.id, key=key) is False

        clip.refresh_from_db()
        assert clip.status == "failed" and clip.s3_key is None
        assert not default_storage.exists(key)
        assert _balance(user) == 1000 and UsageLog.objects.filter(refund_of=clip).count() == 1


class TestRefunds:
    def test_two_refunds_at_once_pay_back_once(self):
        user = UserFactory(credits=1000)
        clip = request_clip(user, "styletts2", text="Hello.", voice="joe")
        GeneratedAudioClip.objects.filter(pk=clip.pk).update(failed=True, error="x")

        results = run_together(*[lambda: services.clip_refund_by_operator(clip_id=clip.id)] * 4)

        assert sorted(results, key=str) == [False, False, False, True]
        assert UsageLog.objects.filter(refund_of=clip).count() == 1
        assert _balance(user) == 1000 == 1000 + _ledger(user)

    def test_a_failure_and_an_operators_refund_at_once_pay_back_once(self):
        user = UserFactory(credits=1000)
        clip = request_clip(user, "styletts2", text="Hello.", voice="joe")

        run_together(
            lambda: generation.clip_fail(clip_id=clip.id, error="The engine failed."),
            lambda: services.clip_refund_by_operator(clip_id=clip.id),
        )

        assert UsageLog.objects.filter(refund_of=clip).count() == 1
        assert _balance(user) == 1000 == 1000 + _ledger(user)


class TestRetry:
    def test_is_refused_when_the_user_can_no_longer_pay_and_changes_nothing(self):
        user = UserFactory(credits=50)
        clip = request_clip(user, "styletts2", text="Hello.", voice="joe")
        generation.clip_fail(clip_id=clip.id, error="The engine failed.")  # refunded: 50 again
        request_clip(user, "styletts2", text="Spend it.", voice="joe")  # balance 0

        with pytest.raises(services.ClipStateError, match="no longer has enough credits"):
            services.clip_retry(clip_id=clip.id)

        clip.refresh_from_db()
        assert clip.status == "failed" and _balance(user) == 0 == 50 + _ledger(user)
        assert UsageLog.objects.filter(refund_of=clip).count() == 1  # the refund is still attached


class TestTheReaper:
    def test_two_reapers_at_once_fail_and_refund_each_clip_once(self):
        user = UserFactory(credits=1000)
        clips = [request_clip(user, "styletts2", text=f"Clip {n}.", voice="joe") for n in range(5)]
        GeneratedAudioClip.objects.filter(user=user).update(started_at=timezone.now() - timedelta(hours=1))

        results = run_together(reaper.reap, reaper.reap, reaper.reap)

        assert sum(results) == 5
        assert UsageLog.objects.filter(refund_of__in=clips).count() == 5
        assert _balance(user) == 1000 == 1000 + _ledger(user)

    def test_rechecks_in_its_update_so_a_clip_that_started_meanwhile_is_left_alone(self):
        user = UserFactory(credits=1000)
        clip = request_clip(user, "styletts2", text="Hello.", voice="joe")
        long_ago = timezone.now() - timedelta(hours=1)
        GeneratedAudioClip.objects.filter(pk=clip.pk).update(started_at=long_ago)
        listed = list(GeneratedAudioClip.objects.stuck(now=timezone.now()).values_list("id", flat=True))
        GeneratedAudioClip.objects.filter(pk=clip.pk).update(started_at=timezone.now())  # a worker took it again

        failed = generation.clip_fail(clip_id=clip.id, error=reaper.REAPED_ERROR,
                                      only_if=reaper.stuck_condition(now=timezone.now()))

        assert listed == [clip.id]
        assert failed is False
        assert GeneratedAudioClip.objects.get(pk=clip.pk).status == "pending" and _balance(user) == 950


class TestThePerMinuteRate:
    def test_one_users_simultaneous_requests_start_at_most_three_a_minute(self):
        user = UserFactory(credits=10000)

        results = run_together(*[lambda n=n: request_clip(user, "styletts2", text=f"Request {n}.", voice="joe")
                                 for n in range(8)])

        assert all(isinstance(r, GeneratedAudioClip) for r in results), results
        starts = sorted(c.scheduled_for or c.created_at for c in GeneratedAudioClip.objects.filter(user=user))
        assert sum(1 for c in GeneratedAudioClip.objects.filter(user=user) if c.scheduled_for is None) == 3
        for i, start in enumerate(starts):  # no minute holds a fourth start
            assert len([s for s in starts[i:] if s < start + timedelta(minutes=1)]) <= 3
        assert _balance(user) == 10000 - 8 * 50 == 10000 + _ledger(user)
