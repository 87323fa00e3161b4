"""A dependency that cannot answer right now: how to recognise it, and the one answer given.

The database restarting or failing over, a dropped connection, a connection pool that cannot
hand one out, SQLite's write lock held past its busy timeout: the request cannot be served, but
nothing is wrong with it or with the code, so the answer is 503 ("try again shortly"), not 500,
and the log gets one line, not a traceback. The same goes for a dependency that says so itself
by raising ``DependencyUnavailable`` (the audio storage does).

A query that is wrong (an unknown column, a deadlock, a constraint) is not an outage: the
connection still works, so it stays a 500 with its traceback. That is the difference
``database_unavailable`` checks: after an OperationalError or InterfaceError, can the
connection still run ``SELECT 1``?
"""

from __future__ import annotations

from django.db import InterfaceError, OperationalError, connections

SQLITE_LOCKED = ("database is locked", "database table is locked")


class DependencyUnavailable(Exception):
    """A dependency (the audio storage, ...) cannot answer right now. The message is plain
    words for a person, safe to show."""


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` means the database cannot be used right now (as opposed to a query
    that failed on a working connection)."""
    if not isinstance(exc, (OperationalError, InterfaceError)):
        return False
    if any(words in str(exc).lower() for words in SQLITE_LOCKED):
        return True
    return any(not _usable(connection) for connection in connections.all(initialized_only=True))


def _usable(connection) -> bool:
    if connection.connection is None:
        return False  # the connection could not be opened (refused, pool timeout) or was closed
    try:
        return connection.is_usable()
    except Exception:  # noqa: BLE001 - a check that cannot even run says the same thing
        return False


def one_line(exc: BaseException) -> str:
    """The exception's kind and the first line of its text: for the operators' log."""
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0][:200]}" if text else type(exc).__name__
