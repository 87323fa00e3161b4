"""What the operations side stores: each task worker's heartbeat."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import models


class WorkerHeartbeatQuerySet(models.QuerySet):
    def newest(self):
        return self.order_by("-last_seen_at", "worker_id")

    def seen_before(self, moment: datetime):
        return self.filter(last_seen_at__lt=moment)


class WorkerHeartbeat(models.Model):
    """One row per running ``run_worker`` process, rewritten every ``WORKER_HEARTBEAT_SECONDS``
    by a thread of that process (ops/heartbeats.py). A row whose ``last_seen_at`` stops moving
    is a worker that died or cannot reach the database; it is deleted when its worker stops
    cleanly, and a day after its last beat otherwise."""

    worker_id = models.CharField(max_length=64, primary_key=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    queues = models.CharField(max_length=255)
    started_at = models.DateTimeField()
    last_seen_at = models.DateTimeField(db_index=True)
    # When the task it is running now started (None while idle): a worker that beats but has
    # been busy for an hour is alive and stuck.
    busy_since = models.DateTimeField(null=True, blank=True)

    objects = WorkerHeartbeatQuerySet.as_manager()

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname} (pid {self.pid})"

    def age(self, now: datetime) -> timedelta:
        return now - self.last_seen_at
