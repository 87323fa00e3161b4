"""`manage.py run_worker`: django-tasks-db's `db_worker`, made to survive its dependencies, plus
the stuck-clip reaper, a heartbeat and, at start-up, the missing voice previews.

Takes every `db_worker` option (`--queue-name` defaults to every queue, "*"; each service has
its own queue, named by its slug: text-to-speech, voice-changer, sound-effects), and
`--reap-every SECONDS` (default 60; 0 turns the reaper off, e.g. when cron runs
`manage.py reap_stuck_clips`). The reaper is safe to run in many
workers at once: a clip is failed and refunded at most once. Voice previews are made in a
background thread so the worker takes tasks at once (`--no-voice-previews` skips them).

Unlike `db_worker`, it runs without Django's autoreloader unless `--reload` asks for it (even
with DEBUG=1), outlives a database restart (ops/worker.py: back off, reconnect, run the
interrupted task again), writes a heartbeat every WORKER_HEARTBEAT_SECONDS for /healthz
(ops/heartbeats.py), and if its loop dies of anything else it exits with status 1, so a
supervisor restarts it, rather than staying alive and idle.
"""

import logging
import os
import sys
import threading

from django.db import close_old_connections, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from audio import previews, reaper
from ops import heartbeats
from ops.worker import ResilientWorker

logger = logging.getLogger(__name__)


def reap_periodically(every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        close_old_connections()
        try:
            reaped = reaper.reap()
            if reaped:
                logger.warning("Reaped %d stuck clip(s).", reaped)
        except Exception:  # noqa: BLE001 - keep reaping; the next round may succeed
            logger.exception("The stuck-clip reaper failed.")
        finally:
            connections.close_all()


def make_voice_previews() -> None:
    try:
        counts = previews.previews_make()
        if counts["made"] or counts["removed"] or counts["failed"]:
            logger.info("Voice previews: %s.", ", ".join(f"{n} {what}" for what, n in counts.items()))
    except Exception:  # noqa: BLE001 - previews are a nicety; the worker carries on
        logger.exception("Making the voice previews failed.")
    finally:
        connections.close_all()


def exit_now(status: int) -> None:
    """Leave at once, whatever threads are left (a reloader's main thread, a pool's workers)."""
    logging.shutdown()
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(status)


class Command(DbWorkerCommand):
    help = "Run the database task worker and, every --reap-every seconds, the stuck-clip reaper."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*", reload=False)
        parser.add_argument("--reap-every", type=float, default=60.0, metavar="SECONDS",
                            help="How often to fail and refund stuck clips; 0 turns it off (default: 60).")
        parser.add_argument("--no-voice-previews", dest="voice_previews", action="store_false",
                            help="Do not make missing voice previews at start-up.")

    def handle(self, *, verbosity, queue_name, interval, batch, backend_name, startup_delay, reload, max_tasks,
               worker_id, exclude_queues, reap_every, voice_previews, **options):
        self.configure_logging(verbosity)
        if reload and batch:
            logger.warning("--reload and --batch cannot be used together; running without the autoreloader.")
            reload = False
        worker = ResilientWorker(
            queue_names=queue_name.split(","), interval=interval, batch=batch, backend_name=backend_name,
            startup_delay=startup_delay, max_tasks=max_tasks, worker_id=worker_id,
            excluded_queue_names=exclude_queues.split(",") if exclude_queues else [],
        )
        if reload and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true":
            # This process only watches files and restarts the child that does the work (and
            # exits with its status when that is not a reload).
            run_with_reloader(self._run_or_exit, worker)
            return
        stop = threading.Event()
        if voice_previews:
            threading.Thread(target=make_voice_previews, name="voice-previews", daemon=True).start()
        if reap_every > 0:
            threading.Thread(target=reap_periodically, args=(reap_every, stop), name="clip-reaper", daemon=True).start()
        if not batch:
            threading.Thread(target=heartbeats.beat_periodically, name="heartbeat", daemon=True,
                             kwargs={"worker_id": worker_id, "queues": queue_name, "stop": stop,
                                     "busy_since": lambda: worker.busy_since}).start()
        worker.configure_signals()
        try:
            if reload:
                # The reloader runs this in a thread; if it died there, the process would stay
                # alive doing nothing (the main thread only watches files).
                run_with_reloader(self._run_or_exit, worker)
            else:
                self._run_or_exit(worker)
        finally:
            stop.set()
            if not batch:
                heartbeats.forget(worker_id)

    @staticmethod
    def _run_or_exit(worker: ResilientWorker) -> None:
        try:
            worker.run()
        except Exception:  # noqa: BLE001 - a bug: exit so a supervisor restarts a fresh process
            logger.critical("The worker loop died; exiting with status 1 so it is restarted.", exc_info=True)
            exit_now(1)
