import sqlite3
import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from ops.backups import backup_sqlite

pytestmark = pytest.mark.django_db


def _writer(path, stop: threading.Event, written: list[int]) -> None:
    conn = sqlite3.connect(path, timeout=30)
    n = 0
    while not stop.is_set():
        with conn:
            conn.execute("INSERT INTO clip (n, payload) VALUES (?, ?)", (n, "x" * 2000))
        n += 1
        written.append(n)
    conn.close()


class TestBackupSqlite:
    def test_copies_a_consistent_database_while_another_thread_writes(self, tmp_path):
        source = tmp_path / "live.db"
        setup = sqlite3.connect(source)
        setup.execute("PRAGMA journal_mode=WAL")
        setup.execute("CREATE TABLE clip (n INTEGER PRIMARY KEY, payload TEXT)")
        setup.executemany("INSERT INTO clip (n, payload) VALUES (?, ?)", [(-i, "y" * 2000) for i in range(1, 2001)])
        setup.commit()
        setup.close()
        stop, written = threading.Event(), []
        writer = threading.Thread(target=_writer, args=(source, stop, written))
        writer.start()
        while len(written) < 50:  # the writer is busy before the copy starts
            pass

        try:
            copies = [backup_sqlite(source, tmp_path / "backups", stem="live") for _ in range(3)]
        finally:
            stop.set()
            writer.join(10)

        assert len(written) > 50
        for copy in copies:
            conn = sqlite3.connect(copy)
            assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
            rows, highest = conn.execute("SELECT count(*), max(n) FROM clip").fetchone()
            assert rows == 2000 + highest + 1  # a snapshot: every write up to some point, none after
            conn.close()
        assert len({c.name for c in copies}) == 3
        assert not list((tmp_path / "backups").glob("*.partial"))


class TestBackupDbCommand:
    def test_backs_up_the_sqlite_database_or_points_elsewhere(self, tmp_path):
        out = StringIO()
        if connection.vendor != "sqlite":
            with pytest.raises(CommandError, match="pg_dump|mysqldump"):
                call_command("backup_db", "--output-dir", str(tmp_path), stdout=out)
            return

        call_command("backup_db", "--output-dir", str(tmp_path), stdout=out)

        [copy] = list(tmp_path.glob("*.sqlite3"))
        conn = sqlite3.connect(copy)
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert conn.execute("SELECT count(*) FROM sqlite_master WHERE name = 'audio_generatedaudioclip'").fetchone() == (1,)
        assert "integrity ok" in out.getvalue()
