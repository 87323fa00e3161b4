"""CUID-style primary keys generated in the app.

The original app used Prisma's ``cuid()``: 25 characters, starting with ``c``, then a
base-36 timestamp, a counter, a host fingerprint and randomness. We generate the same
shape (sortable by creation time, URL-safe, lowercase) so new rows look like imported
ones; imported ids of any shape up to ``ID_MAX_LENGTH`` are kept as they are.
"""

import itertools
import os
import secrets
import threading
import time

from django.db import models

ID_MAX_LENGTH = 191  # fits Prisma's varchar(191) on MySQL, and any cuid/uuid

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
_counter = itertools.count(secrets.randbelow(36**4))
_lock = threading.Lock()
_fingerprint = None


def _base36(number: int, width: int) -> str:
    digits = []
    while number:
        number, rem = divmod(number, 36)
        digits.append(_ALPHABET[rem])
    return "".join(reversed(digits)).rjust(width, "0")[-width:]


def _host_fingerprint() -> str:
    global _fingerprint
    if _fingerprint is None:
        _fingerprint = _base36(os.getpid(), 2) + _base36(sum(map(ord, os.uname().nodename)) + 36, 2)
    return _fingerprint


def new_id() -> str:
    """Return a new 25-character CUID-style id."""
    with _lock:
        count = next(_counter) % 36**4
    timestamp = _base36(int(time.time() * 1000), 8)
    random_part = _base36(secrets.randbits(48), 8)
    return "c" + timestamp + _base36(count, 4) + _host_fingerprint() + random_part


def cuid_field(**kwargs) -> models.CharField:
    """The primary key of every seed table: a CUID made here, or an imported id kept as it is."""
    return models.CharField(max_length=ID_MAX_LENGTH, primary_key=True, default=new_id, editable=False, **kwargs)
