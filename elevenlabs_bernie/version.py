"""The version this process runs: ``APP_VERSION`` when the deployment sets it (an image built
from a tag), else ``git describe`` of the checkout it runs from, else pyproject's version."""

from __future__ import annotations

import functools
import os
import subprocess
import tomllib
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


@functools.cache
def version() -> str:
    if os.environ.get("APP_VERSION"):
        return os.environ["APP_VERSION"].strip()[:64]
    if (BASE_DIR / ".git").exists():
        try:
            described = subprocess.run(
                ["git", "describe", "--tags", "--always", "--dirty"], cwd=BASE_DIR,
                capture_output=True, text=True, timeout=5, check=True,
            ).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            described = ""
        if described:
            return f"{_package_version()}+{described}"
    return _package_version()


def _package_version() -> str:
    try:
        with open(BASE_DIR / "pyproject.toml", "rb") as handle:
            return str(tomllib.load(handle)["project"]["version"])
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"
