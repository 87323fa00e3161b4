from datetime import timedelta

from django.core.management.base import BaseCommand

from audio import services


class Command(BaseCommand):
    help = "Fail and refund clips left pending past the limit (a worker died mid-job). Safe to run twice."

    def add_arguments(self, parser):
        parser.add_argument(
            "--older-than", type=float, default=services.STUCK_AFTER.total_seconds(), metavar="SECONDS",
            help="Pending for longer than this many seconds counts as stuck (default: %(default)s).",
        )

    def handle(self, *args, older_than, **options):
        reaped = services.clips_reap_stuck(older_than=timedelta(seconds=older_than))
        self.stdout.write(f"Reaped {reaped} stuck clip{'s' if reaped != 1 else ''}.")
