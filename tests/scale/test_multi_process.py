"""Scale-out, for real: two gunicorn processes and two `run_worker` processes sharing only
PostgreSQL, SeaweedFS (S3) and Redis on 127.0.0.1. Five users sign in through the login page
and request 50 clips, spread over both web processes; one worker is killed with SIGKILL while
a GPU server is working on its clip. Every clip is made exactly once or failed and refunded
once (by the reaper), and every balance matches the ledger.

Text to speech goes to a GPU server (the one outside system, tests.support.EngineServer, which
holds each request 0.4 s and writes to the bucket); sound effects run in the workers' own
engine and are stored by them. PostgreSQL only (CI's PostgreSQL run): the queue's claim is
SELECT … FOR UPDATE SKIP LOCKED there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
import requests
from django.db import connection
from django.db.models import Sum
from django_tasks_db.models import DBTaskResult

from accounts.models import User
from audio.engines import registry
from audio.models import GeneratedAudioClip
from audio.reaper import REAPED_ERROR
from credits.models import UsageLog
from tests.factories import UserFactory
from tests.support import API_KEY, PROJECT_ROOT, EngineServer, free_port, run_worker, sign_in, subprocess_env, wait_for

# Not marked `s3` although it uses SeaweedFS: CI's PostgreSQL run leaves `s3` tests out, and
# PostgreSQL is the run this test is for (it skips on the others).
pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REDIS_URL = "redis://127.0.0.1:6379/5"  # this test's own Redis database number
TTS, SFX = registry.TEXT_TO_SPEECH, registry.SOUND_EFFECTS
USERS, PER_USER, COST = 5, 10, 50
STARTING = 10000


@pytest.fixture
def redis_db():
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.ConnectionError:
        if os.environ.get("CI"):
            pytest.fail("Redis does not answer on 127.0.0.1:6379 (CI must run this test).")
        pytest.skip("Redis does not answer on 127.0.0.1:6379")
    client.flushdb()  # db 5 only
    yield client
    client.flushdb()


class Gunicorn:
    def __init__(self, name: str, log_dir: Path, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_dir / f"{name}.log"
        self.log = open(self.log_path, "wb")
        self.process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"], cwd=PROJECT_ROOT,
            env={**env, "GUNICORN_BIND": f"127.0.0.1:{self.port}", "GUNICORN_PROC_NAME": name},
            stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )

    def ready(self) -> bool:
        assert self.process.poll() is None, self.log_path.read_text()[-3000:]
        try:
            return requests.get(f"{self.url}/healthz", timeout=30).status_code == 200
        except (requests.ConnectionError, requests.Timeout):
            return False

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.log.close()


def sign_in_cookies(web: Gunicorn, user) -> dict:
    """The login page, as a browser uses it: its CSRF cookie, then the form."""
    session = sign_in(web.url, user)
    return {"sessionid": session.cookies["sessionid"], "csrftoken": session.cookies["csrftoken"]}


def task_of(clip_id: str) -> DBTaskResult:
    (task,) = [t for t in DBTaskResult.objects.all() if t.args_kwargs["args"] == [clip_id]]
    return task


class TestManyProcesses:
    def test_fifty_clips_over_two_web_and_two_worker_processes_survive_a_killed_worker(
        self, tmp_path, seaweedfs, s3_storage, redis_db
    ):
        if connection.vendor != "postgresql":
            pytest.skip("runs on PostgreSQL (SKIP LOCKED); CI's PostgreSQL run has it")
        gpu = EngineServer(TTS.id, delay=0.4)
        shared = {
            **seaweedfs["env"], "REDIS_URL": REDIS_URL, "DEBUG": "0", "EMAIL_HOST": "127.0.0.1",
            "STATIC_MANIFEST": "0", "CLIP_RATE_LIMIT_PER_MINUTE": "100", TTS.route_setting: gpu.url,
            "BACKEND_API_KEY": API_KEY, "WEB_CONCURRENCY": "1", "GUNICORN_THREADS": "4", "LOG_LEVEL": "INFO",
        }
        env = subprocess_env(**shared)
        users = [UserFactory(credits=STARTING) for _ in range(USERS)]
        webs = [Gunicorn(f"web-{n}", tmp_path, env) for n in range(2)]
        workers = {name: run_worker(tmp_path / f"{name}.log", args=("--worker-id", name), **shared)
                   for name in ("worker-a", "worker-b")}
        try:
            for web in webs:
                wait_for(web.ready, timeout=90, interval=0.3, what=f"{web.url} to answer")
            cookies = [sign_in_cookies(webs[n % 2], user) for n, user in enumerate(users)]
            cookies_of = {user.pk: cookies[n] for n, user in enumerate(users)}

            def submit(n: int) -> tuple[int, str]:
                user, web = n % USERS, webs[n % 2]
                spec = SFX if n % 5 == 4 else TTS
                data = {"prompt": "rain", "duration": "1"} if spec is SFX else {"text": f"Clip {n}.", "voice": "andreas"}
                response = requests.post(f"{web.url}/app/{spec.slug}/", data=data, cookies=cookies[user], timeout=60,
                                         headers={"Accept": "application/json", "X-CSRFToken": cookies[user]["csrftoken"]})
                return response.status_code, response.json().get("id", response.text[:200])

            with ThreadPoolExecutor(max_workers=10) as pool:
                answers = list(pool.map(submit, range(USERS * PER_USER)))
            ids = [clip_id for _status, clip_id in answers]

            def running_on_a():
                for task in DBTaskResult.objects.filter(status="RUNNING"):
                    clip = GeneratedAudioClip.objects.get(pk=task.args_kwargs["args"][0])
                    if task.worker_ids == ["worker-a"] and clip.service == TTS.id and gpu.active:
                        return clip.id
                return None

            wait_for(lambda: GeneratedAudioClip.objects.filter(pk__in=ids).done().count() >= 10, timeout=120,
                     what="ten clips done")
            killed_clip = wait_for(running_on_a, timeout=60, interval=0.02, what="worker-a on a GPU request")
            workers["worker-a"].kill()
            at_kill = GeneratedAudioClip.objects.get(pk=killed_clip)
            unfinished_at_kill = GeneratedAudioClip.objects.filter(pk__in=ids).pending().count()

            others = GeneratedAudioClip.objects.filter(pk__in=ids).exclude(pk=killed_clip)
            wait_for(lambda: not others.pending().exists(), timeout=240, interval=0.2, what="worker-b to finish the rest")
            reaped = subprocess.run([sys.executable, "manage.py", "reap_stuck_clips", "--older-than", "1"],
                                    cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=120)
            killed_status = requests.get(f"{webs[1].url}/app/clips/{killed_clip}/", cookies=cookies_of[at_kill.user_id],
                                         timeout=30).json()
            done_clip = others.done().first()
            audio = requests.get(f"{webs[0].url}/app/clips/{done_clip.pk}/audio/", cookies=cookies_of[done_clip.user_id],
                                 timeout=30)
        finally:
            for web in webs:
                web.stop()
            for worker in workers.values():
                worker.stop()
            gpu.close()

        # 50 requests accepted, over both web processes; the kill left work unfinished.
        assert [status for status, _ in answers] == [201] * 50
        assert at_kill.status == "pending" and at_kill.started_at is not None and unfinished_at_kill > 1
        # Every clip exactly once: done after one attempt, or the killed one failed by the reaper.
        clips = GeneratedAudioClip.objects.filter(pk__in=ids)
        assert clips.count() == 50
        assert clips.done().count() == 49 and not clips.done().exclude(attempts=1).exists()
        killed = clips.get(pk=killed_clip)
        assert killed.failed and killed.error == REAPED_ERROR
        assert reaped.returncode == 0 and "Reaped 1 stuck clip." in reaped.stdout
        assert killed_status["status"] == "failed" and killed_status["error"] == REAPED_ERROR
        assert gpu.posts == clips.filter(service=TTS.id).count() == 40  # each asked of the GPU server once
        assert task_of(killed_clip).status == "RUNNING" and task_of(killed_clip).worker_ids == ["worker-a"]
        assert all(task_of(c).status == "SUCCESSFUL" for c in clips.done().values_list("id", flat=True))
        ran_by = {task_of(c).worker_ids[0] for c in clips.done().values_list("id", flat=True)}
        assert ran_by == {"worker-a", "worker-b"}
        # Every file in the shared bucket: the GPU server's and the workers' own.
        for clip in clips.done():
            seaweedfs["client"].head_object(Bucket=seaweedfs["bucket"], Key=clip.s3_key)
        assert audio.status_code == 200 and audio.content[:4] == b"RIFF"
        # Charged once each, refunded once for the killed clip; balances match the ledger.
        for user in users:
            mine = clips.filter(user=user)
            ledger = UsageLog.objects.filter(user=user)
            balance = User.objects.get(pk=user.pk).credits
            assert ledger.filter(reason="debit").count() == PER_USER == mine.count()
            assert ledger.filter(reason="refund").count() == mine.failed().count()
            assert balance == STARTING + ledger.aggregate(total=Sum("credits"))["total"]
            assert balance == STARTING - COST * mine.done().count()
        assert UsageLog.objects.filter(clip_id=killed_clip, reason="refund").count() == 1
