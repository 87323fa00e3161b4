"""The ``.env`` file: read by settings.py and gunicorn.conf.py alike, before anything else.

``ENV_FILE`` names another file (relative to the project root) and ``ENV_FILE=`` (empty) reads
none. Variables already in the environment win over the file.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


def load_dotenv(path: Path) -> None:
    if not path.is_file():
        return
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        key, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        os.environ.setdefault(key.strip(), value)


def load_env_file() -> None:
    name = os.environ.get("ENV_FILE", ".env")
    if name:
        load_dotenv(BASE_DIR / name)
