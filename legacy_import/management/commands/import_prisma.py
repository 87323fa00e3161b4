from django.core.management.base import BaseCommand, CommandError

from legacy_import.prisma import ImportSourceError, import_prisma


class Command(BaseCommand):
    help = (
        "Import users (with their bcrypt hashes and credits), accounts, unexpired sessions and "
        "verification tokens, posts and clips from the original Prisma app's database. "
        "Safe to run twice: rows whose id already exists are skipped."
    )

    def add_arguments(self, parser):
        parser.add_argument("source_url", help="The original app's DATABASE_URL (file:./dev.db, postgresql://…, mysql://…).")
        parser.add_argument("--dry-run", action="store_true", help="Run the import and roll it back; print what it would do.")

    def handle(self, *args, source_url, dry_run, verbosity, **options):
        try:
            summary = import_prisma(source_url, dry_run=dry_run)
        except ImportSourceError as exc:
            raise CommandError(str(exc)) from None
        for line in summary.lines(examples=5 if verbosity < 2 else 10**9):
            self.stdout.write(line)
