"""Helpers shared by the tests: processes, servers, waiting. Test data is in tests/factories.py."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from audio.engines.server import EngineRequestHandler, make_server

PROJECT_ROOT = Path(__file__).resolve().parents[1]
API_KEY = "test-engine-key"


def require_tool(path: str | None, what: str) -> str:
    """The tool's path; a missing tool fails under CI and skips elsewhere."""
    if path and (os.path.exists(path) or shutil.which(path)):
        return shutil.which(path) or path
    message = f"{what} is not installed"
    if os.environ.get("CI"):
        pytest.fail(f"{message} (CI must run this test; see .ci/run).")
    pytest.skip(message)


def database_url() -> str:
    """A DATABASE_URL for the database this test process uses (the test database)."""
    db = connection.settings_dict
    engine = db["ENGINE"]
    if engine.endswith("sqlite3"):
        name = db["NAME"]
        if not name or name == ":memory:" or "mode=memory" in str(name):
            pytest.fail("SQLite tests need a file test database (TEST NAME); see tests/conftest.py.")
        return f"file:{name}"
    scheme = "postgresql" if "postgresql" in engine else "mysql"
    auth = quote(db["USER"] or "")
    if db["PASSWORD"]:
        auth += ":" + quote(db["PASSWORD"])
    port = f":{db['PORT']}" if db["PORT"] else ""
    return f"{scheme}://{auth}@{db['HOST'] or '127.0.0.1'}{port}/{quote(db['NAME'])}"


def subprocess_env(**extra: str) -> dict:
    env = dict(os.environ)
    env.update(DATABASE_URL=database_url(), PYTHONUNBUFFERED="1", **extra)
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


class Worker:
    """A real `manage.py db_worker` process on the test database."""

    def __init__(self, log_path: Path, **env: str):
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "db_worker", "--queue-name", "*", "--no-reload", "--no-startup-delay", "--interval", "0.1"],
            cwd=PROJECT_ROOT, env=subprocess_env(**env), stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EngineServer:
    """The project's inference server for one service in a thread, optionally around another
    engine, and able to fail or stall: the GPU server we do not run, as a real HTTP server."""

    def __init__(self, service: str, *, engine=None, fail_times: int = 0, fail_always: bool = False,
                 stall: bool = False, api_key: str = API_KEY):
        self.service = service
        self.posts = 0
        self.fail_times = fail_times
        self.fail_always = fail_always
        self.stall = stall
        self.received = threading.Event()
        self.release = threading.Event()
        owner = self

        class Handler(EngineRequestHandler):
            def do_POST(self):  # noqa: N802
                owner.posts += 1
                owner.received.set()
                if owner.stall:
                    owner.release.wait(60)
                if owner.fail_always or owner.posts <= owner.fail_times:
                    self._reply(500, {"error": "GPU out of memory"})
                    return
                super().do_POST()

        self.server = make_server(service, "127.0.0.1", 0, api_key, engine=engine, handler=Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        self.running = True

    def close(self) -> None:
        if self.running:
            self.running = False
            self.release.set()
            self.server.shutdown()
            self.server.server_close()
            self.thread.join(5)


def wait_for(predicate, *, timeout: float = 20.0, interval: float = 0.05, what: str = "condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")


def run_tasks(*, rounds: int = 10) -> None:
    """Run the queued tasks in this process with django-tasks-db's own worker loop (batch mode)."""
    from django_tasks_db.management.commands.db_worker import Worker as DbWorker
    from django_tasks_db.models import DBTaskResult

    for _ in range(rounds):
        if not DBTaskResult.objects.ready().exists():
            return
        DbWorker(queue_names=["*"], interval=0, batch=True, backend_name="default", startup_delay=False,
                 max_tasks=None, worker_id="pytest", excluded_queue_names=[]).run()
