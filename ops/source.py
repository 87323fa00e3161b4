"""The source of the version this server runs, as a .tar.gz (AGPL-3.0 section 13).

Built from the files the server runs from, so local changes are included: code, templates,
static files, docs and project files, chosen by an allow-list of folders and file types. Never
the environment (``.env``), databases, media, the virtualenv, caches or backups.
"""

from __future__ import annotations

import functools
import io
import os
import tarfile
from pathlib import Path

from django.conf import settings

INCLUDE_SUFFIXES = {".py", ".html", ".js", ".css", ".md", ".txt", ".toml", ".ini", ".cfg", ".json", ".svg",
                    ".ico", ".png", ".sh", ".example"}
INCLUDE_NAMES = {"LICENSE", "Procfile", "Procfile.production", ".python-version", ".gitignore", "run", "test",
                 "serve", "notices", "_setup.sh"}
SKIP_DIRS = {".git", ".venv", "venv", "node_modules", "media", "staticfiles", ".cache", "backups", "__pycache__",
             ".pytest_cache", "bench-out"}
SKIP_NAMES = {".env"}


def source_files(root: Path) -> list[Path]:
    files = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames[:] = sorted(d for d in dirnames if d not in SKIP_DIRS and not d.startswith(".venv"))
        for name in sorted(filenames):
            path = Path(directory) / name
            if name in SKIP_NAMES or name.endswith((".db", ".sqlite3", ".pyc")) or ".db-" in name:
                continue
            if path.suffix in INCLUDE_SUFFIXES or name in INCLUDE_NAMES:
                files.append(path)
    return files


@functools.cache
def archive() -> bytes:
    """The tarball, made once per process (the code does not change while it runs)."""
    root = Path(settings.BASE_DIR)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        for path in source_files(root):
            info = tar.gettarinfo(str(path), arcname=f"elevenlabs-bernie/{path.relative_to(root)}")
            info.uid = info.gid = 0
            info.uname = info.gname = ""
            with open(path, "rb") as handle:
                tar.addfile(info, handle)
    return buffer.getvalue()
