"""The task worker's loop, made to outlive the database it works from.

django-tasks-db's ``Worker`` runs until an exception escapes its loop: a dropped connection
(a restart, a failover, ``pg_terminate_backend``, MySQL's "server has gone away") ended the
process, and under the autoreloader it left a live process that did nothing. ``ResilientWorker``
wraps that loop:

* a connection error (``OperationalError``, ``InterfaceError``: every way a lost, refused or
  timed-out connection surfaces) closes this thread's connections, waits (exponential backoff
  from ``BACKOFF_FIRST_SECONDS`` up to ``WORKER_BACKOFF_MAX_SECONDS``, with jitter so a fleet of
  workers does not reconnect in step) and resumes. One log line when the database goes, one
  when it is back.
* the task that was running when the connection went is put back in the queue (a conditional
  UPDATE from RUNNING to READY) as soon as the database answers, so another attempt runs it.
  Tasks are idempotent (a clip is claimed with a conditional UPDATE and charged once), so an
  attempt that had in fact finished is a no-op the second time.
* an OperationalError on a connection that still works (a missing table, say) is not an
  outage: it is retried with the same backoff, but the third in a row escapes. That, and
  anything else that escapes the loop, is a bug: ``run_worker`` logs it and exits non-zero so a
  supervisor restarts the process, rather than a live process that does nothing.
"""

from __future__ import annotations

import logging
import random
import time

from django.conf import settings
from django.db import InterfaceError, OperationalError, connections
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from core.unavailable import database_unavailable, one_line

logger = logging.getLogger(__name__)

CONNECTION_ERRORS = (OperationalError, InterfaceError)
BACKOFF_FIRST_SECONDS = 0.5
ERRORS_BEFORE_GIVING_UP = 3  # in a row, on a connection that works


def backoff_max_seconds() -> float:
    return float(getattr(settings, "WORKER_BACKOFF_MAX_SECONDS", 10))


def backoff_delay(failures: int, *, cap: float) -> float:
    """A random wait between half and all of min(cap, first * 2^(failures-1)): growing, and never
    the same for two workers."""
    ceiling = min(cap, BACKOFF_FIRST_SECONDS * 2 ** min(failures - 1, 16))
    return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - spreading retries, not a secret


class ResilientWorker(Worker):
    """``db_worker``'s worker, resuming after connection loss (see the module's docstring)."""

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.current_task_id: str | None = None
        self.busy_since = None  # read by the heartbeat thread
        self.down_since: float | None = None  # monotonic time the database went, while it is away

    def run_task(self, db_task_result: DBTaskResult) -> None:
        self.current_task_id, self.busy_since = str(db_task_result.id), timezone.now()
        super().run_task(db_task_result)  # records success or failure itself; raises only if it cannot
        self.current_task_id, self.busy_since = None, None

    def run(self) -> None:
        failures, errors, resumed_at = 0, 0, time.monotonic()
        while self.running:
            try:
                if failures:
                    self._resume()
                    resumed_at = time.monotonic()
                super().run()
                return  # --batch or --max-tasks finished, or a signal stopped it
            except CONNECTION_ERRORS as exc:
                # The backoff grows while failures come close together (a database still away, or
                # an error that repeats at once), and starts again after a good spell.
                if time.monotonic() - resumed_at > backoff_max_seconds() * 2:
                    failures, errors = 0, 0
                failures += 1
                if database_unavailable(exc):
                    self._lost_the_database(exc)
                else:
                    errors += 1
                    if errors >= ERRORS_BEFORE_GIVING_UP:
                        raise
                    logger.warning("Worker %s: database error on a working connection (%s); retrying.",
                                   self.worker_id, one_line(exc))
                    self._forget_current_task()
                time.sleep(backoff_delay(failures, cap=backoff_max_seconds()))

    def _forget_current_task(self) -> str | None:
        """Close this thread's connections and forget the running task (it stays RUNNING in the
        table until ``_resume`` queues it again); its id."""
        interrupted = self.current_task_id
        self.current_task_id, self.busy_since = None, None
        self.startup_delay = False
        for connection in connections.all(initialized_only=True):
            try:
                connection.close()
            except Exception:  # noqa: BLE001 - a dead connection may fail to close; it is gone either way
                pass
        return interrupted

    def _lost_the_database(self, exc: BaseException) -> None:
        interrupted = self._forget_current_task()
        if self.down_since is None:
            self.down_since = time.monotonic()
            logger.warning("Worker %s lost the database (%s); retrying with backoff up to %g s%s.",
                           self.worker_id, one_line(exc), backoff_max_seconds(),
                           f"; task {interrupted} will run again" if interrupted else "")

    def _resume(self) -> None:
        """Put back in the queue what this worker was running when its loop failed, and say that
        the database is back if it was away; raises a connection error while it is still away."""
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).values_list("id", "worker_ids")
        # This process runs one task at a time under its own id: a RUNNING row it claimed last is
        # one whose run was cut short (or whose claim committed as the connection dropped).
        mine = [task_id for task_id, worker_ids in running if worker_ids and worker_ids[-1] == self.worker_id]
        requeued = DBTaskResult.objects.filter(pk__in=mine, status=TaskResultStatus.RUNNING).update(
            status=TaskResultStatus.READY
        ) if mine else 0
        if self.down_since is not None:
            logger.warning("Worker %s is back on the database after %.1f s; %d interrupted task(s) queued again.",
                           self.worker_id, time.monotonic() - self.down_since, requeued)
            self.down_since = None
        elif requeued:
            logger.warning("Worker %s queued %d interrupted task(s) again.", self.worker_id, requeued)
