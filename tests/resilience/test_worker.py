"""run_worker as a supervisor sees it: no autoreloader unless asked, a loop that dies ends the
process with status 1 (never a live process doing nothing), and a heartbeat in /healthz."""

import subprocess
from datetime import timedelta

import pytest
from django.utils import timezone

from ops import heartbeats
from ops.models import WorkerHeartbeat
from tests.resilience.outages import run_worker
from tests.support import wait_for

RELOADER = "Watching for file changes"


@pytest.mark.slow
@pytest.mark.parametrize("reload", [False, True], ids=["plain", "reloader"])
def test_a_worker_whose_loop_dies_exits_1_even_under_debug(tmp_path, reload):
    # A database with no tables: every query fails on a working connection. Not an outage, a bug.
    worker = run_worker(tmp_path / "worker.log", extra_args=("--reload",) if reload else (),
                        DATABASE_URL=f"file:{tmp_path / 'empty.db'}", DEBUG="1", WORKER_BACKOFF_MAX_SECONDS="0.2")
    try:
        status = worker.process.wait(timeout=120)  # generous: two processes start under --reload
    except subprocess.TimeoutExpired:
        status = None
    finally:
        worker.stop()

    output = worker.output()
    assert status == 1, output[-3000:]
    assert "The worker loop died; exiting with status 1" in output
    assert (RELOADER in output) is reload


@pytest.mark.django_db(transaction=True)
def test_a_worker_runs_without_the_autoreloader_under_debug_and_beats(tmp_path, client):
    worker = run_worker(tmp_path / "worker.log", DEBUG="1")
    try:
        row = wait_for(lambda: WorkerHeartbeat.objects.first(), timeout=60, what="a heartbeat")
        workers = client.get("/healthz").json()["checks"]["tasks"]["workers"]
        alive = worker.process.poll() is None
    finally:
        worker.stop()

    assert alive and RELOADER not in worker.output()
    assert [w["worker_id"] for w in workers] == [row.worker_id]
    assert workers[0]["stale"] is False and workers[0]["busy_for_s"] is None
    assert "pid" not in workers[0] and "host" not in workers[0]  # /healthz is public
    # A clean stop removes its row.
    assert not WorkerHeartbeat.objects.exists()


@pytest.mark.django_db
def test_healthz_says_which_heartbeats_are_stale(client, settings):
    settings.HEALTHZ_WORKER_STALE_SECONDS = 60
    now = timezone.now()
    heartbeats.beat(worker_id="fresh", queues="*", started_at=now, busy_since=now - timedelta(seconds=30))
    heartbeats.beat(worker_id="gone", queues="*", started_at=now, busy_since=None)
    WorkerHeartbeat.objects.filter(worker_id="gone").update(last_seen_at=now - timedelta(minutes=5))

    workers = client.get("/healthz").json()["checks"]["tasks"]["workers"]

    assert [(w["worker_id"], w["stale"]) for w in workers] == [("fresh", False), ("gone", True)]
    assert workers[0]["busy_for_s"] >= 30
