from datetime import timedelta

from django.core.management.base import BaseCommand

from audio import reaper
from audio.models import STUCK_AFTER


class Command(BaseCommand):
    help = "Fail and refund clips left pending past the limit (a worker died mid-job). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=float, default=STUCK_AFTER.total_seconds(), metavar="SECONDS",
            help="An attempt running longer than this many seconds counts as stuck (default: %(default)s).",
        )

    def handle(self, *args, older_than, **options):
        reaped = reaper.reap(older_than=timedelta(seconds=older_than))
        self.stdout.write(f"Reaped {reaped} stuck clip{'s' if reaped != 1 else ''}.")
