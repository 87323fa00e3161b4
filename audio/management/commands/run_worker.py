"""`manage.py run_worker`: django-tasks-db's `db_worker` plus the stuck-clip reaper.

Takes every `db_worker` option, and `--reap-every SECONDS` (default 60; 0 turns the reaper
off, e.g. when cron runs `manage.py reap_stuck_clips`). The reaper is safe to run in many
workers at once: a clip is failed and refunded at most once.
"""

import logging
import threading

from django.db import close_old_connections, connections
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from audio import services

logger = logging.getLogger(__name__)


def reap_periodically(every: float, stop: threading.Event) -> None:
    while not stop.wait(every):
        close_old_connections()
        try:
            reaped = services.clips_reap_stuck()
            if reaped:
                logger.warning("Reaped %d stuck clip(s).", reaped)
        except Exception:  # noqa: BLE001 - keep reaping; the next round may succeed
            logger.exception("The stuck-clip reaper failed.")
        finally:
            connections.close_all()


class Command(DbWorkerCommand):
    help = "Run the database task worker and, every --reap-every seconds, the stuck-clip reaper."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.add_argument("--reap-every", type=float, default=60.0, metavar="SECONDS",
                            help="How often to fail and refund stuck clips; 0 turns it off (default: 60).")

    def handle(self, *args, reap_every, **options):
        stop = threading.Event()
        if reap_every > 0:
            threading.Thread(target=reap_periodically, args=(reap_every, stop), name="clip-reaper", daemon=True).start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
