"""`manage.py make_voice_previews`: make the voice previews that are missing.

The worker (`run_worker`) does this by itself at start-up; run it by hand after adding voices,
or with --force to make every preview again.
"""

from django.core.management.base import BaseCommand

from audio import previews


class Command(BaseCommand):
    help = "Make a short preview clip for every voice that has none yet, and remove outdated ones."

    def add_arguments(self, parser):
        parser.add_argument("--service", choices=previews.SERVICES, action="append",
                            help="Only this service (may be given twice; default: all with voices).")
        parser.add_argument("--force", action="store_true", help="Make every preview again.")

    def handle(self, *args, service, force, **options):
        counts = previews.previews_make(services=tuple(service or previews.SERVICES), force=force)
        self.stdout.write(
            f"Voice previews: {counts['made']} made, {counts['kept']} already there, "
            f"{counts['removed']} outdated removed, {counts['failed']} failed."
        )
        if counts["failed"]:
            self.stderr.write("Some previews failed; see the log. The studio hides their Preview buttons.")
