"""Dependencies taken away and given back, for the resilience tests and bench/recovery.py:
this run's database cut off (PostgreSQL, MariaDB), a browser-like client of a real web process,
and run_worker with short backoffs.

Outages touch only the database Django is connected to (in tests, this run's test database):
PostgreSQL backends are terminated by ``datname``, MariaDB connections killed by ``DB``; other
people's databases on the same servers are never touched.
"""

from __future__ import annotations

import requests
from django.db import connection

from tests.support import API_KEY, Worker, database_url


class PostgresOutage:
    """Cuts the database off (in tests, this run's test database): ``down()`` refuses new
    connections to it (``ALLOW_CONNECTIONS false``) and terminates every backend of it; ``up()``
    lets them in again."""

    def __init__(self):
        import psycopg

        db = connection.settings_dict
        self.name = db["NAME"]
        self.admin = psycopg.connect(host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432, user=db["USER"],
                                     password=db["PASSWORD"] or None, dbname="postgres", autocommit=True)

    def app_database_url(self) -> str:
        """What the web and worker processes connect with: the test's own URL."""
        return database_url()

    def kill(self) -> int:
        return self.terminate()

    def terminate(self) -> int:
        rows = self.admin.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()",
            [self.name],
        ).fetchall()
        return len(rows)

    def _allow(self, allowed: bool) -> None:
        from psycopg import sql

        self.admin.execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS {}").format(
            sql.Identifier(self.name), sql.SQL("true" if allowed else "false")))

    def down(self) -> None:
        self._allow(False)
        self.terminate()

    def up(self) -> None:
        self._allow(True)

    def close(self) -> None:
        self.up()
        self.admin.close()


class MariaDBOutage:
    """Cuts the database off (in tests, this run's test database) for the web and worker
    processes, which connect as an account of their own (``app_database_url()``): ``down()``
    locks that account (``ACCOUNT LOCK``: new connections are refused) and kills every connection
    to the database (``KILL CONNECTION``); ``up()`` unlocks it. MariaDB has no per-database
    switch like PostgreSQL's ALLOW_CONNECTIONS, and a lock on an account of our own touches
    nobody else."""

    PASSWORD = "outage-test-only"

    def __init__(self):
        import MySQLdb

        db = connection.settings_dict
        self.name = db["NAME"]
        self.host, self.port = db["HOST"] or "127.0.0.1", int(db["PORT"] or 3306)
        self.admin = MySQLdb.connect(host=self.host, port=self.port, user=db["USER"], password=db["PASSWORD"] or "",
                                     autocommit=True)
        self.account = f"bernie_{self.name}"[:80]
        cursor = self.admin.cursor()
        cursor.execute("CREATE USER IF NOT EXISTS %s@'%%' IDENTIFIED BY %s", [self.account, self.PASSWORD])
        cursor.execute(f"GRANT ALL PRIVILEGES ON `{self.name}`.* TO %s@'%%'", [self.account])
        cursor.execute("ALTER USER %s@'%%' ACCOUNT UNLOCK", [self.account])

    def app_database_url(self) -> str:
        return f"mysql://{self.account}:{self.PASSWORD}@{self.host}:{self.port}/{self.name}"

    def kill(self) -> int:
        import MySQLdb

        cursor = self.admin.cursor()
        cursor.execute("SELECT ID FROM information_schema.PROCESSLIST WHERE DB = %s AND ID <> CONNECTION_ID()",
                       [self.name])
        killed = 0
        for (thread_id,) in cursor.fetchall():
            try:
                cursor.execute(f"KILL CONNECTION {int(thread_id)}")
                killed += 1
            except MySQLdb.OperationalError:
                pass  # it ended by itself meanwhile
        return killed

    def down(self) -> None:
        self.admin.cursor().execute("ALTER USER %s@'%%' ACCOUNT LOCK", [self.account])
        self.kill()

    def up(self) -> None:
        self.admin.cursor().execute("ALTER USER %s@'%%' ACCOUNT UNLOCK", [self.account])

    def close(self) -> None:
        self.up()
        self.admin.cursor().execute("DROP USER IF EXISTS %s@'%%'", [self.account])
        self.admin.close()


class Browser:
    """A person's browser against a real web process: cookies, CSRF token, sign-in."""

    def __init__(self, base_url: str):
        self.base = base_url
        self.session = requests.Session()

    def url(self, path: str) -> str:
        return self.base + path

    def csrf(self) -> str:
        if "csrftoken" not in self.session.cookies:
            self.session.get(self.url("/accounts/login/"), timeout=60)
        return self.session.cookies["csrftoken"]

    def get(self, path: str, **kwargs) -> requests.Response:
        return self.session.get(self.url(path), timeout=60, allow_redirects=False, **kwargs)

    def post(self, path: str, data: dict, **kwargs) -> requests.Response:
        headers = {"X-CSRFToken": self.csrf(), "Referer": self.url(path), **kwargs.pop("headers", {})}
        return self.session.post(self.url(path), data=data, headers=headers, timeout=60, allow_redirects=False, **kwargs)

    def sign_in(self, email: str, password: str) -> requests.Response:
        return self.post("/accounts/login/", {"login": email, "password": password})

    def sign_out(self) -> requests.Response:
        return self.post("/accounts/logout/", {})

    def generate(self, text: str, voice: str = "andreas") -> requests.Response:
        return self.post("/app/text-to-speech/", {"text": text, "voice": voice}, headers={"Accept": "application/json"})


def run_worker(log_path, *, extra_args: tuple[str, ...] = (), **env) -> Worker:
    """`manage.py run_worker`, as deployed, with short backoffs and heartbeats for the tests."""
    env = {"WORKER_BACKOFF_MAX_SECONDS": "1", "WORKER_HEARTBEAT_SECONDS": "0.5", "BACKEND_API_KEY": API_KEY, **env}
    args = ("--no-startup-delay", "--interval", "0.1", "--reap-every", "0", "--no-voice-previews", *extra_args)
    return Worker(log_path, command="run_worker", args=args, **env)
