"""What bench/task_queue.py and bench/load.py share: the environment they run in (a throwaway
PostgreSQL database by default, `scale`), starting and stopping processes, percentiles.

Call ``setup(settings_module)`` before importing anything from Django or the project.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/scale"
BENCH_EMAIL = "@bench.invalid"


def setup(settings_module: str, **extra: str) -> Path:
    """Production-like variables for this process and the processes it starts; returns a
    temporary folder for media, cache and logs."""
    sys.path.insert(0, str(ROOT))
    tmp = Path(tempfile.mkdtemp(prefix="bernie-bench-"))
    values = {
        "ENV_FILE": "",
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-0123456789abcdef-not-used-anywhere-else",
        "ALLOWED_HOSTS": "127.0.0.1,localhost,testserver",
        "SECURE_SSL_REDIRECT": "0",  # loopback, no TLS proxy
        "SESSION_COOKIE_SECURE": "0",
        "CSRF_COOKIE_SECURE": "0",
        "STATIC_MANIFEST": "0",  # no collectstatic for a bench run
        "DATABASE_URL": DEFAULT_DATABASE_URL,
        "MEDIA_ROOT": str(tmp / "media"),
        "CACHE_DIR": str(tmp / "cache"),
        "LOG_LEVEL": "WARNING",
        "PYTHONUNBUFFERED": "1",
        **extra,
    }
    for key, value in values.items():
        os.environ.setdefault(key, value)
    os.environ["DJANGO_SETTINGS_MODULE"] = settings_module
    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    return tmp


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database named in the URL if it is not there yet."""
    if not url.startswith(("postgres://", "postgresql://")):
        return
    import psycopg

    base, _, name = url.split("?", 1)[0].rpartition("/")
    with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def start(args: list[str], log_path: Path, **env: str) -> subprocess.Popen:
    return subprocess.Popen(args, cwd=ROOT, env={**os.environ, **env}, stdout=open(log_path, "wb"),
                            stderr=subprocess.STDOUT, start_new_session=True)


def stop(process: subprocess.Popen, *, timeout: float = 30) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, *, timeout: float, what: str, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    raise SystemExit(f"bench: timed out after {timeout:g} s waiting for {what}")


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def bench_users(prefix: str, n: int, *, credits: int = 10_000_000):
    from accounts.models import User

    made = [User(email=f"{prefix}{i}{BENCH_EMAIL}", credits=credits) for i in range(n)]
    for user in made:
        user.set_unusable_password()
    User.objects.bulk_create(made, batch_size=500)
    return list(User.objects.filter(email__startswith=prefix, email__endswith=BENCH_EMAIL).order_by("email"))


def clear_bench_rows() -> None:
    """Remove what earlier runs left: bench users (their clips and ledger rows go with them)
    and every task row (the database is a throwaway one)."""
    from django_tasks_db.models import DBTaskResult

    from accounts.models import User

    User.objects.filter(email__endswith=BENCH_EMAIL).delete()
    DBTaskResult.objects.all().delete()
