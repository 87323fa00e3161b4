"""The worker: retries, failures with refunds, and a worker killed mid-job."""

import pytest
from django.core.management import call_command
from django.db.models import Sum

from accounts.models import User
from audio import generation, reaper, services, tasks
from audio.models import GeneratedAudioClip
from credits.models import UsageLog
from tests.support import Worker, run_tasks, wait_for
from tests.factories import UserFactory, request_clip


def _ledger_total(user) -> int:
    return UsageLog.objects.filter(user=user).aggregate(total=Sum("credits"))["total"] or 0


@pytest.mark.django_db(transaction=True)
class TestGenerationAgainstAnHttpEngine:
    def test_two_server_errors_then_success_make_one_clip_charged_once(self, engine_server, no_backoff):
        server = engine_server("styletts2", fail_times=2)
        user = UserFactory(credits=1000)

        clip = request_clip(user, "styletts2", text="Hello there.", voice="andreas")
        run_tasks()

        clip.refresh_from_db()
        assert server.posts == 3
        assert clip.status == "done" and clip.attempts == 3 and clip.engine == "http"
        assert clip.s3_key.startswith("styletts2-output/")
        assert User.objects.get(pk=user.pk).credits == 950
        assert list(UsageLog.objects.filter(user=user).values_list("credits", flat=True)) == [-50]

    def test_an_engine_that_always_fails_fails_the_clip_and_refunds_once(self, engine_server, no_backoff, client, caplog):
        server = engine_server("styletts2", fail_always=True)
        user = UserFactory(credits=1000)

        clip = request_clip(user, "styletts2", text="Hello there.", voice="andreas")
        run_tasks()
        generation.clip_fail(clip_id=clip.id, error="again")  # a second failure path must not refund again

        clip.refresh_from_db()
        assert server.posts == generation.MAX_ATTEMPTS
        assert clip.status == "failed"
        assert clip.error == "The text to speech engine was unavailable after 4 attempts. Try again later."
        assert User.objects.get(pk=user.pk).credits == 1000 == 1000 + _ledger_total(user)
        assert UsageLog.objects.filter(refund_of=clip).count() == 1
        client.force_login(user)
        status = client.get(f"/app/clips/{clip.id}/").json()
        assert status["status"] == "failed" and status["error"] == clip.error
        html = client.get("/app/text-to-speech/").content.decode()
        assert clip.error in html and "Your 50 credits were returned." in html
        # The server's own words reach the operators' log, with the clip id, and nobody else.
        assert "GPU out of memory" not in status["error"] + html
        assert any("GPU out of memory" in r.getMessage() for r in caplog.records)
        assert any(clip.id in r.getMessage() and r.name == "audio.generation" for r in caplog.records)


@pytest.mark.django_db(transaction=True)
@pytest.mark.slow
def test_a_worker_killed_mid_job_is_reaped_and_refunded_once(engine_server, tmp_path):
    server = engine_server("styletts2", stall=True)
    user = UserFactory(credits=1000)
    clip = request_clip(user, "styletts2", text="Hello there.", voice="andreas")
    worker = Worker(tmp_path / "worker.log", STYLETTS2_API_ROUTE=server.url, BACKEND_API_KEY="test-engine-key")
    try:
        assert server.received.wait(60), (tmp_path / "worker.log").read_text()
        assert GeneratedAudioClip.objects.get(pk=clip.pk).status == "pending"

        worker.kill()
    finally:
        worker.stop()

    call_command("reap_stuck_clips", "--older-than", "0")
    call_command("reap_stuck_clips", "--older-than", "0")

    clip.refresh_from_db()
    assert worker.process.returncode == -9
    assert clip.status == "failed" and "worker stopped" in clip.error
    assert UsageLog.objects.filter(refund_of=clip).count() == 1
    assert User.objects.get(pk=user.pk).credits == 1000 == 1000 + _ledger_total(user)


@pytest.mark.django_db(transaction=True)
def test_the_reaper_leaves_deferred_and_fresh_clips_alone():
    user = UserFactory(credits=1000)
    clip = request_clip(user, "make-an-audio", prompt="wind")

    reaped = reaper.reap()

    assert reaped == 0
    assert GeneratedAudioClip.objects.get(pk=clip.pk).status == "pending"


@pytest.mark.django_db(transaction=True)
def test_run_worker_reaps_stuck_clips_periodically():
    import threading
    from datetime import timedelta

    from django.utils import timezone

    from audio.management.commands.run_worker import reap_periodically

    user = UserFactory(credits=1000)
    clip = request_clip(user, "make-an-audio", prompt="wind")
    GeneratedAudioClip.objects.filter(pk=clip.pk).update(created_at=timezone.now() - timedelta(hours=2))
    stop = threading.Event()
    thread = threading.Thread(target=reap_periodically, args=(0.05, stop), daemon=True)

    thread.start()
    try:
        wait_for(lambda: GeneratedAudioClip.objects.get(pk=clip.pk).failed, what="the reaper")
    finally:
        stop.set()
        thread.join(5)

    assert User.objects.get(pk=user.pk).credits == 1000


@pytest.mark.django_db
class TestTheReaperJudgesAgeByWhatTheClipIsDoing:
    def _clip(self, user, **times):
        from django.utils import timezone

        clip = request_clip(user, "make-an-audio", prompt="wind")
        now = timezone.now()
        GeneratedAudioClip.objects.filter(pk=clip.pk).update(**{k: now - v for k, v in times.items()})
        return clip

    def test_only_lost_attempts_and_clips_no_worker_took_are_reaped(self, django_capture_on_commit_callbacks):
        from datetime import timedelta

        user = UserFactory(credits=1000)
        with django_capture_on_commit_callbacks(execute=False):
            waiting_in_a_long_queue = self._clip(user, created_at=timedelta(minutes=40))
            lost_mid_job = self._clip(user, created_at=timedelta(minutes=40), started_at=timedelta(minutes=20))
            running_now = self._clip(user, created_at=timedelta(minutes=40), started_at=timedelta(minutes=1))
            never_taken = self._clip(user, created_at=timedelta(hours=2))

        reaped = reaper.reap()

        status = {c.pk: c.status for c in GeneratedAudioClip.objects.all()}
        assert reaped == 2
        assert status[lost_mid_job.pk] == status[never_taken.pk] == "failed"
        assert status[waiting_in_a_long_queue.pk] == status[running_now.pk] == "pending"
        assert User.objects.get(pk=user.pk).credits == 1000 - 2 * 50


@pytest.mark.django_db
def test_a_queue_that_refuses_the_task_fails_and_refunds_the_clip_at_once(monkeypatch, django_capture_on_commit_callbacks):
    user = UserFactory(credits=1000)

    class RefusingQueue:
        def using(self, **options):
            return self

        def enqueue(self, *args):
            raise ConnectionError("queue down")

    monkeypatch.setattr(tasks, "generate_clip", RefusingQueue())

    with django_capture_on_commit_callbacks(execute=True):
        clip = request_clip(user, "make-an-audio", prompt="wind")

    clip.refresh_from_db()
    assert clip.status == "failed" and "queue is unavailable" in clip.error
    assert User.objects.get(pk=user.pk).credits == 1000
    assert _ledger_total(user) == 0
