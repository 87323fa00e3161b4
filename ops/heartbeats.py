"""Task workers' heartbeats: a thread of each ``run_worker`` process writes its row every
``WORKER_HEARTBEAT_SECONDS`` (default 15); ``/healthz`` lists the rows.

Reading a heartbeat: ``last_seen_at`` older than ``HEALTHZ_WORKER_STALE_SECONDS`` (default 60,
four missed beats) means that worker is gone (killed, host down) or cannot reach the database
(it carries on by itself when the database returns). ``busy_since`` says how long its current
task has run. A clean stop deletes the row; rows a day old are removed by any live worker.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import DatabaseError, connections
from django.utils import timezone

from core.unavailable import one_line
from ops.models import WorkerHeartbeat

logger = logging.getLogger(__name__)

FORGET_AFTER = timedelta(days=1)


def interval_seconds() -> float:
    return float(getattr(settings, "WORKER_HEARTBEAT_SECONDS", 15))


def stale_after_seconds() -> float:
    return float(getattr(settings, "HEALTHZ_WORKER_STALE_SECONDS", 60))


def beat(*, worker_id: str, queues: str, started_at: datetime, busy_since: datetime | None) -> None:
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(
        worker_id=worker_id,
        defaults={"hostname": socket.gethostname()[:255], "pid": os.getpid(), "queues": queues[:255],
                  "started_at": started_at, "last_seen_at": now, "busy_since": busy_since},
    )
    WorkerHeartbeat.objects.seen_before(now - FORGET_AFTER).delete()


def forget(worker_id: str) -> None:
    """A clean stop: the row goes (best effort; a database that is down keeps it until it is stale)."""
    try:
        WorkerHeartbeat.objects.filter(worker_id=worker_id).delete()
    except DatabaseError:
        pass
    finally:
        connections.close_all()


def beat_periodically(*, worker_id: str, queues: str, busy_since: Callable[[], datetime | None],
                      stop: threading.Event, every: float | None = None) -> None:
    """The heartbeat thread's body: beat now and every ``every`` seconds until ``stop``; a
    database that does not answer is logged once when it goes and once when it is back."""
    started_at = timezone.now()
    every = interval_seconds() if every is None else every
    failing = False
    while True:
        try:
            beat(worker_id=worker_id, queues=queues, started_at=started_at, busy_since=busy_since())
            if failing:
                logger.info("Worker %s: heartbeats are written again.", worker_id)
            failing = False
        except DatabaseError as exc:
            if not failing:
                logger.warning("Worker %s: cannot write its heartbeat (%s); retrying every %g s.",
                               worker_id, one_line(exc), every)
            failing = True
        finally:
            connections.close_all()  # this thread's connection: back to the pool, or closed
        if stop.wait(every):
            return


def workers(now: datetime) -> list[dict]:
    """Every worker's last heartbeat, newest first, for /healthz."""
    stale_after = stale_after_seconds()
    rows = []
    for row in WorkerHeartbeat.objects.newest()[:100]:
        age = row.age(now).total_seconds()
        rows.append({
            # No host name or pid: /healthz is public. The admin (Operations > Worker heartbeats) has them.
            "worker_id": row.worker_id, "queues": row.queues,
            "last_seen_at": row.last_seen_at.isoformat(), "seconds_since_seen": round(age, 1),
            "stale": age > stale_after,
            "busy_for_s": round((now - row.busy_since).total_seconds(), 1) if row.busy_since else None,
        })
    return rows
