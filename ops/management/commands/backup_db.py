from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

from ops.backups import backup_sqlite

OTHER_DATABASES = {
    "postgresql": (
        "PostgreSQL: use pg_dump while the app runs, e.g.\n"
        "  pg_dump --format=custom --file=backup-$(date -u +%Y%m%dT%H%M%SZ).dump \"$DATABASE_URL\"\n"
        "and restore with pg_restore --clean --if-exists --no-owner --dbname=\"$DATABASE_URL\" backup-….dump"
    ),
    "mysql": (
        "MySQL/MariaDB: use mysqldump while the app runs, e.g.\n"
        "  mysqldump --single-transaction --routines --triggers -h HOST -u USER -p DBNAME > backup-$(date -u +%Y%m%dT%H%M%SZ).sql\n"
        "and restore with mysql -h HOST -u USER -p DBNAME < backup-….sql"
    ),
}


class Command(BaseCommand):
    help = "Make a consistent online copy of the SQLite database to a timestamped file (the app may keep running)."

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", default=str(Path(settings.BASE_DIR) / "backups"),
                            help="Where to write the copy (default: ./backups).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS, help="Database alias (default: default).")

    def handle(self, *args, output_dir, database, **options):
        conn = connections[database]
        if conn.vendor != "sqlite":
            hint = OTHER_DATABASES.get(conn.vendor, "Use the database's own online backup tool.")
            raise CommandError(f"backup_db copies SQLite databases only; this one is {conn.vendor}.\n{hint}")
        name = str(conn.settings_dict["NAME"])
        if conn.is_in_memory_db():
            conn.ensure_connection()  # an in-memory database is only reachable through this connection
            source, stem = conn.connection, "memory"
        else:
            source, stem = name, Path(name).stem
        try:
            path = backup_sqlite(source, Path(output_dir), stem=stem)
        except Exception as exc:  # noqa: BLE001 - one clear line for the operator
            raise CommandError(f"Backup failed: {exc}") from None
        self.stdout.write(f"Backed up {name} to {path} ({path.stat().st_size} bytes, integrity ok).")
