"""bin/serve: gunicorn (gunicorn.conf.py) and the worker as production starts them, with the
JSON access log carrying the request id; and its refusals."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess

import pytest
import requests

from tests.support import PROJECT_ROOT, free_port, subprocess_env, wait_for

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "serve-test-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz",
    "ALLOWED_HOSTS": "127.0.0.1",
    "EMAIL_HOST": "127.0.0.1",
    # No TLS proxy on loopback: these three are the only production variables turned off.
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "WEB_CONCURRENCY": "1",
    "GUNICORN_THREADS": "2",
}


def serve_env(tmp_path, **extra) -> dict:
    return subprocess_env(**{**PRODUCTION, "STATIC_ROOT": str(tmp_path / "static"), "STATIC_MANIFEST": "1", **extra})


def refused(env) -> subprocess.CompletedProcess:
    """Run bin/serve expecting it to refuse; should it start instead, its whole process group
    (honcho, gunicorn, the worker) is stopped, so nothing outlives the test."""
    process = subprocess.Popen(["bin/serve"], cwd=PROJECT_ROOT, env=env, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        stdout, stderr = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        stdout, stderr = "", "bin/serve did not refuse: it was still running after 120 s"
    finally:
        try:
            os.killpg(process.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        process.wait(timeout=10)
    return subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)


def start(args, env, log_path):
    log = open(log_path, "wb")
    return subprocess.Popen(["bin/serve", *args], cwd=PROJECT_ROOT, env=env, stdout=log,
                            stderr=subprocess.STDOUT, start_new_session=True), log


def stop(process) -> int:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            return process.wait(timeout=40)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    return process.returncode


class TestServe:
    def test_starts_gunicorn_and_the_worker_and_logs_json_lines_with_the_request_id(self, tmp_path):
        port = free_port()
        log_path = tmp_path / "serve.log"
        process, log = start([], serve_env(tmp_path, GUNICORN_BIND=f"127.0.0.1:{port}"), log_path)
        try:
            def healthy():
                try:
                    return requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5,
                                        headers={"X-Request-ID": "probe-1"})
                except requests.ConnectionError:
                    assert process.poll() is None, log_path.read_text()
                    return None

            health = wait_for(healthy, timeout=90, interval=0.3, what="gunicorn to answer")
            missing = requests.get(f"http://127.0.0.1:{port}/no-such-page/", timeout=5,
                                   headers={"X-Request-ID": "probe-404"})
            css = requests.get(f"http://127.0.0.1:{port}/static/css/app.css", timeout=5)
            wait_for(lambda: '"probe-404"' in log_path.read_text() and "Starting worker" in log_path.read_text(),
                     timeout=30, what="the access log line and the worker")
        finally:
            code = stop(process)
            log.close()
        output = log_path.read_text()
        access = [json.loads(line) for line in output.splitlines() if line.startswith("{")]

        assert health.status_code == 200 and health.headers["X-Request-ID"] == "probe-1"
        assert missing.status_code == 404 and missing.headers["X-Request-ID"] == "probe-404"
        assert css.status_code == 200  # collected and served by WhiteNoise from STATIC_ROOT
        by_id = {line["request_id"]: line for line in access}
        assert by_id["probe-1"]["path"] == "/healthz" and by_id["probe-1"]["status"] == 200
        assert by_id["probe-404"]["status"] == 404 and by_id["probe-404"]["duration_ms"] > 0
        assert set(by_id["probe-1"]) >= {"time", "method", "path", "status", "duration_ms", "bytes", "remote_addr"}
        assert re.search(r"request_id=probe-404 \[[^\]]*\] Not Found: /no-such-page/", output)
        assert "Using worker: gthread" in output
        assert "queues=*" in output
        assert code is not None

    def test_refuses_to_start_without_a_secret_key(self, tmp_path):
        env = serve_env(tmp_path)
        env.pop("SECRET_KEY")

        result = refused(env)

        assert result.returncode != 0
        assert "SECRET_KEY must be set" in result.stderr
        assert "Starting gunicorn" not in result.stdout + result.stderr

    def test_refuses_to_start_without_allowed_hosts(self, tmp_path):
        env = serve_env(tmp_path, ALLOWED_HOSTS="")

        result = refused(env)

        assert result.returncode == 1
        assert "ALLOWED_HOSTS is empty" in result.stderr

    def test_refuses_to_start_with_a_development_mail_backend(self, tmp_path):
        env = serve_env(tmp_path, EMAIL_HOST="")

        result = refused(env)

        assert result.returncode != 0
        assert "ops.E002" in result.stderr

    def test_refuses_to_start_on_a_database_with_unapplied_migrations(self, tmp_path):
        env = {**serve_env(tmp_path), "DATABASE_URL": f"file:{tmp_path / 'never-migrated.db'}"}

        result = refused(env)

        assert result.returncode == 1
        assert "unapplied migrations" in result.stderr
        assert "Starting gunicorn" not in result.stdout + result.stderr
