"""Consistent online copies of a SQLite database (the sqlite3 backup API)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from django.utils import timezone


def backup_sqlite(source: sqlite3.Connection | str | Path, output_dir: Path, *, stem: str = "db") -> Path:
    """Copy ``source`` (a path or an open connection) to ``output_dir/<stem>-<UTC time>.sqlite3``.

    The backup API copies a consistent snapshot while other connections keep writing (WAL
    readers do not block writers). The copy is written under a temporary name, checked with
    ``PRAGMA integrity_check`` and only then renamed, so a visible backup is a whole one.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.now().strftime("%Y%m%dT%H%M%S%fZ")
    final = output_dir / f"{stem}-{stamp}.sqlite3"
    partial = final.with_suffix(".sqlite3.partial")
    own = not isinstance(source, sqlite3.Connection)
    src = sqlite3.connect(source, timeout=30) if own else source
    try:
        dst = sqlite3.connect(partial)
        try:
            src.backup(dst)  # all pages in one step: one consistent snapshot
            check = dst.execute("PRAGMA integrity_check").fetchone()[0]
            if check != "ok":
                raise RuntimeError(f"the copy failed its integrity check: {check}")
        finally:
            dst.close()
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    finally:
        if own:
            src.close()
    partial.replace(final)
    return final
