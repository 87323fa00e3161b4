"""`manage.py run_worker`: django-tasks-db's `db_worker` plus the stuck-clip reaper and,
at start-up, the missing voice previews.

Takes every `db_worker` option (`--queue-name` defaults to every queue, "*"; each service has
its own queue, named by its slug: text-to-speech, voice-changer, sound-effects), and
`--reap-every SECONDS` (default 60; 0 turns the reaper off, e.g. when cron runs
`manage.py reap_stuck_clips`). The reaper is safe to run in many
workers at once: a clip is failed and refunded at most once. Voice previews are made in a
background thread so the worker takes tasks at once (`--no-voice-previews` skips them).
"""

import logging
import os
import threading

from django.db import close_old_connections, connections
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV
from django_tasks_db.management.commands.db_worker import Command as DbWorkerCommand

from audio import previews, reaper

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


class Command(DbWorkerCommand):
    help = "Run the database task worker and, every --reap-every seconds, the stuck-clip reaper."

    def add_arguments(self, parser):
        super().add_arguments(parser)
        parser.set_defaults(queue_name="*")
        parser.add_argument("--reap-every", type=float, default=60.0, metavar="SECONDS",
                            help="How often to fail and refund stuck clips; 0 turns it off (default: 60).")
        parser.add_argument("--no-voice-previews", dest="voice_previews", action="store_false",
                            help="Do not make missing voice previews at start-up.")

    def handle(self, *args, reap_every, voice_previews, **options):
        stop = threading.Event()
        # With --reload this process only watches files; the child it starts does the work.
        reloader_parent = options.get("reload") and not options.get("batch") and os.environ.get(DJANGO_AUTORELOAD_ENV) != "true"
        if voice_previews and not reloader_parent:
            threading.Thread(target=make_voice_previews, name="voice-previews", daemon=True).start()
        if reap_every > 0:
            threading.Thread(target=reap_periodically, args=(reap_every, stop), name="clip-reaper", daemon=True).start()
        try:
            return super().handle(*args, **options)
        finally:
            stop.set()
