"""Turn ``DATABASE_URL`` into a Django ``DATABASES["default"]`` entry.

Accepted forms:

* unset or empty: SQLite file ``dev.db`` in the project root;
* Prisma's ``file:./dev.db`` (relative to the project root) or ``file:/abs/path.db``;
* ``sqlite:///relative.db``, ``sqlite:////absolute/path.db``, ``sqlite://:memory:``;
* ``postgresql://`` and ``postgres://``;
* ``mysql://`` (MySQL or MariaDB, through mysqlclient).

``?connection_limit=N`` (Prisma's parameter) sets the PostgreSQL pool's maximum
size; on MySQL it caps persistent connections per process to one (Django keeps
at most one connection per thread, so the value only switches ``CONN_MAX_AGE``
on), and on SQLite it is accepted and ignored (one file, one writer).
``?pool_timeout=S`` (Prisma's, default 10) is how long a request waits for a pooled
PostgreSQL connection before it gives up (the page answers 503); ``?connect_timeout=S``
(Prisma's, default 5) bounds opening a connection to PostgreSQL or MySQL, so a database
host that vanished does not hold requests for minutes.

Surviving a restart or failover: every connection that was open dies with it. PostgreSQL's
pool checks a connection before handing it out (``check_pooled_connection``) and replaces dead
ones, and it gives up a failed reconnection chain after ``POOL_RECONNECT_SECONDS`` so its
backoff never grows past a few seconds (the next request starts a new one at once). TCP
keepalives and ``tcp_user_timeout`` notice a server that vanished without closing its
connections (a failover to another host) within about a minute instead of the kernel's
fifteen. MySQL checks a persistent connection before the first query of each request
(``CONN_HEALTH_CHECKS``) and reconnects.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit


CONNECT_TIMEOUT_SECONDS = 5
POOL_TIMEOUT_SECONDS = 10
POOL_RECONNECT_SECONDS = 5


# libpq: probe an idle connection after 30 s, every 10 s, give up after 3 unanswered probes;
# give up on data the server has not acknowledged after 15 s.
POSTGRES_KEEPALIVES = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3,
                       "tcp_user_timeout": 15_000}


def check_pooled_connection(conn) -> None:
    """What the PostgreSQL pool runs on a connection before handing it out: psycopg_pool's own
    check (an empty query). When it fails the database has most likely restarted, and every
    idle connection in the pool is as dead as this one: they are all checked (and the dead
    ones replaced) at once. Otherwise the request would walk them one by one, psycopg_pool
    waiting 1, 2, 4... seconds between them, and pass ``pool_timeout`` after a few."""
    from django.db import connections
    from psycopg_pool import ConnectionPool

    try:
        ConnectionPool.check_connection(conn)
    except Exception:
        for wrapper in connections.all(initialized_only=True):
            pool = getattr(wrapper, "pool", None)
            if pool is not None:
                pool.check()  # psycopg_pool's own sweep of its idle connections, not this function
        raise


class DatabaseURLError(ValueError):
    """The URL cannot be understood; the message is one line for the operator."""


SQLITE_OPTIONS = {
    # Writers queue on the database lock instead of failing: BEGIN IMMEDIATE takes
    # the write lock up front, and busy_timeout waits for it.
    "transaction_mode": "IMMEDIATE",
    "timeout": 20,
    "init_command": (
        "PRAGMA journal_mode=WAL;"
        "PRAGMA synchronous=NORMAL;"
        "PRAGMA foreign_keys=ON;"
        "PRAGMA busy_timeout=20000;"
    ),
}


def _sqlite(name: str) -> dict:
    config = {"ENGINE": "django.db.backends.sqlite3", "NAME": name, "OPTIONS": dict(SQLITE_OPTIONS)}
    if name != ":memory:":
        # Tests use a file beside it, not Django's shared-cache in-memory database, whose
        # table locks ignore busy_timeout and which other processes (a worker) cannot open.
        stem = name[:-3] if name.endswith(".db") else name
        config["TEST"] = {"NAME": f"{stem}-test.db"}
    return config


def _int_param(query: dict[str, list[str]], key: str) -> int | None:
    if key not in query:
        return None
    raw = query[key][-1]
    try:
        value = int(raw)
    except ValueError:
        raise DatabaseURLError(f"DATABASE_URL: {key} must be a whole number, got {raw!r}") from None
    if value < 1:
        raise DatabaseURLError(f"DATABASE_URL: {key} must be at least 1, got {value}")
    return value


def parse(url: str | None, *, base_dir: Path) -> dict:
    """Return the Django database settings for ``url``; raise DatabaseURLError if it is bad."""
    url = (url or "").strip()
    if not url:
        return _sqlite(str(base_dir / "dev.db"))

    if url.startswith("file:"):
        path = unquote(url[len("file:") :].split("?", 1)[0])
        if not path:
            raise DatabaseURLError("DATABASE_URL: file: needs a path, e.g. file:./dev.db")
        resolved = Path(path) if Path(path).is_absolute() else (base_dir / path)
        return _sqlite(str(resolved.resolve()))

    if "://" not in url:
        raise DatabaseURLError(
            "DATABASE_URL is not a URL (expected e.g. postgresql://user@host/db, mysql://…, sqlite:///file.db or file:./dev.db)"
        )

    if url.lower() in ("sqlite://:memory:", "sqlite:///:memory:"):
        return _sqlite(":memory:")
    try:
        parts = urlsplit(url)
        port = parts.port if not url.lower().startswith("sqlite:") else None
    except ValueError as exc:
        raise DatabaseURLError(f"DATABASE_URL is malformed: {exc}") from None
    scheme = parts.scheme.lower()
    query = parse_qs(parts.query)

    if scheme == "sqlite":
        # sqlite:///relative.db -> path "/relative.db"; sqlite:////abs.db -> "//abs.db"
        raw = unquote(parts.netloc + parts.path)
        if raw in (":memory:", "/:memory:"):
            return _sqlite(":memory:")
        if raw.startswith("//"):
            name = raw[1:]
        elif raw.startswith("/"):
            name = str((base_dir / raw[1:]).resolve())
        else:
            name = ""
        if not name or name.endswith("/"):
            raise DatabaseURLError("DATABASE_URL: sqlite URL needs a file, e.g. sqlite:///dev.db")
        return _sqlite(name)

    if scheme in ("postgresql", "postgres", "mysql"):
        name = unquote(parts.path.lstrip("/"))
        if not parts.hostname:
            raise DatabaseURLError(f"DATABASE_URL: {scheme} URL needs a host, e.g. {scheme}://user@127.0.0.1/dbname")
        if not name or "/" in name:
            raise DatabaseURLError(f"DATABASE_URL: {scheme} URL needs a database name, e.g. {scheme}://user@127.0.0.1/dbname")
        limit = _int_param(query, "connection_limit")
        connect_timeout = _int_param(query, "connect_timeout") or CONNECT_TIMEOUT_SECONDS
        config: dict = {
            "NAME": name,
            "USER": unquote(parts.username or ""),
            "PASSWORD": unquote(parts.password or ""),
            "HOST": parts.hostname,
            "PORT": str(port) if port else "",
        }
        if scheme == "mysql":
            config["ENGINE"] = "django.db.backends.mysql"
            config["OPTIONS"] = {"charset": "utf8mb4", "isolation_level": "read committed",
                                 "connect_timeout": connect_timeout}
            # Django holds one connection per thread; connection_limit keeps it open for reuse.
            config["CONN_MAX_AGE"] = 60 if limit else 0
            config["CONN_HEALTH_CHECKS"] = True
            return config
        config["ENGINE"] = "django.db.backends.postgresql"
        pool: dict = {"min_size": 1, "max_size": limit or 10,
                      "timeout": _int_param(query, "pool_timeout") or POOL_TIMEOUT_SECONDS,
                      "reconnect_timeout": POOL_RECONNECT_SECONDS, "check": check_pooled_connection}
        config["OPTIONS"] = {"pool": pool, "connect_timeout": connect_timeout, **POSTGRES_KEEPALIVES}
        config["CONN_HEALTH_CHECKS"] = True  # what Django would do with the pool; ours is more thorough
        if "sslmode" in query:
            config["OPTIONS"]["sslmode"] = query["sslmode"][-1]
        return config

    raise DatabaseURLError(
        f"DATABASE_URL scheme {scheme!r} is not supported (use postgresql://, postgres://, mysql://, sqlite:/// or file:)"
    )
