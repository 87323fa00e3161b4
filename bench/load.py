"""Load on the web tier: gunicorn (gunicorn.conf.py, as production runs it) answering the
history page, the clip status endpoint, clip submission and a bare view, under 1, 10 and 50
concurrent clients, with the ratios to the bare view.

    .venv/bin/python bench/load.py                    # PostgreSQL database `scale` (made if missing)
    .venv/bin/python bench/load.py --seconds 3 --clients 1,10
    DATABASE_URL=file:/tmp/load.db .venv/bin/python bench/load.py
    GUNICORN_WORKER_CLASS=sync WEB_CONCURRENCY=4 .venv/bin/python bench/load.py

Use a throwaway database: it is migrated and its bench users are replaced. gunicorn runs with
DJANGO_SETTINGS_MODULE=bench.settings: the site's settings and URLs plus /bench/bare/, a
login-required view making one query, behind the same middleware as every page (bench/urls.py).
This process is the load generator (asyncio, HTTP/1.1 keep-alive where the server keeps the
connection, loopback only), bounded by --seconds per cell and --max-requests per slice. Asked:

- bare:    GET /bench/bare/ (session lookup, user, one query);
- history: GET /app/text-to-speech/ for a user with 50 clips (the whole studio page);
- status:  GET /app/clips/<id>/ of one of that user's clips;
- submit:  POST /app/text-to-speech/ with Accept: application/json, one user per client (the
           per-minute rate limit is lifted, as for many different users); no worker runs, so
           the queue only grows.

Ratios are requests/s divided by the bare view's at the same number of clients, in the same
run. The machine's other work (and this generator) share the CPUs: compare ratios, not
absolute numbers, between machines.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import runpy
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

TMP = common.setup("bench.settings", CLIP_RATE_LIMIT_PER_MINUTE="1000000")

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.middleware.csrf import _get_new_csrf_string  # noqa: E402
from django.test import Client  # noqa: E402
from django.utils import timezone  # noqa: E402

from audio.engines import registry  # noqa: E402
from audio.models import GeneratedAudioClip  # noqa: E402

HOST = "127.0.0.1"
HISTORY_CLIPS = int(os.environ.get("BENCH_HISTORY_CLIPS", "50"))
SENTENCE = "The quick brown fox jumps over the lazy dog."


def session_cookie(user) -> str:
    client = Client()
    client.force_login(user)
    return client.cookies[settings.SESSION_COOKIE_NAME].value


def prepare(max_clients: int) -> dict:
    """Users, clips and session cookies; returns the requests each endpoint sends."""
    call_command("migrate", verbosity=0)
    common.clear_bench_rows()
    (reader,) = common.bench_users("load-reader-", 1)
    now = timezone.now()
    GeneratedAudioClip.objects.bulk_create(
        GeneratedAudioClip(user=reader, service=registry.TEXT_TO_SPEECH.id, text=f"History clip {i}: {SENTENCE}",
                           voice="andreas", s3_key=f"{registry.TEXT_TO_SPEECH.output_prefix}/bench-{i}.wav",
                           created_at=now - timedelta(minutes=7 * i), duration_seconds=2.5, cost=50)
        for i in range(HISTORY_CLIPS)
    )
    clip = GeneratedAudioClip.objects.filter(user=reader).order_by("created_at", "id").first()
    reader_cookie = f"{settings.SESSION_COOKIE_NAME}={session_cookie(reader)}"
    submitters = common.bench_users("load-submit-", max_clients)
    body = urlencode({"text": SENTENCE, "voice": "andreas"}).encode()
    submit = []
    for user in submitters:
        token = _get_new_csrf_string()
        cookie = f"{settings.SESSION_COOKIE_NAME}={session_cookie(user)}; {settings.CSRF_COOKIE_NAME}={token}"
        submit.append(request_bytes("POST", "/app/text-to-speech/", cookie, body=body, extra={
            "X-CSRFToken": token, "Accept": "application/json",
            "Content-Type": "application/x-www-form-urlencoded"}))
    return {
        "bare": [request_bytes("GET", "/bench/bare/", reader_cookie)],
        "history": [request_bytes("GET", "/app/text-to-speech/", reader_cookie)],
        "status": [request_bytes("GET", f"/app/clips/{clip.id}/", reader_cookie)],
        "submit": submit,
    }


def request_bytes(method: str, path: str, cookie: str, *, body: bytes = b"", extra: dict | None = None) -> bytes:
    headers = {"Host": HOST, "Cookie": cookie, "User-Agent": "bernie-bench-load", "Connection": "keep-alive",
               **(extra or {})}
    if body or method == "POST":
        headers["Content-Length"] = str(len(body))
    head = f"{method} {path} HTTP/1.1\r\n" + "".join(f"{k}: {v}\r\n" for k, v in headers.items()) + "\r\n"
    return head.encode("latin-1") + body


async def read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    """(status, whether the server keeps the connection)."""
    status_line = await reader.readline()
    if not status_line:
        raise ConnectionError("closed")
    status = int(status_line.split()[1])
    length, chunked, keep = None, False, True
    while True:
        line = await reader.readline()
        if line in (b"\r\n", b""):
            break
        name, _, value = line.decode("latin-1").partition(":")
        name, value = name.strip().lower(), value.strip().lower()
        if name == "content-length":
            length = int(value)
        elif name == "transfer-encoding" and "chunked" in value:
            chunked = True
        elif name == "connection" and value == "close":
            keep = False
    if chunked:
        while True:
            size = int((await reader.readline()).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length is not None:
        await reader.readexactly(length)
    else:
        await reader.read()
        keep = False
    return status, keep


async def client_loop(port: int, payload: bytes, deadline: float, budget: list[int], latencies: list, errors: list):
    reader = writer = None
    while time.monotonic() < deadline and budget[0] > 0:
        budget[0] -= 1
        began = time.perf_counter()
        try:
            if writer is None:
                reader, writer = await asyncio.open_connection(HOST, port)
            writer.write(payload)
            await writer.drain()
            status, keep = await asyncio.wait_for(read_response(reader), timeout=60)
        except (OSError, ConnectionError, asyncio.IncompleteReadError, asyncio.TimeoutError, ValueError) as exc:
            errors.append(type(exc).__name__)
            if writer is not None:
                writer.close()
            reader = writer = None
            continue
        latencies.append(time.perf_counter() - began)
        if not 200 <= status < 300:
            errors.append(str(status))
        if not keep:
            writer.close()
            reader = writer = None
    if writer is not None:
        writer.close()


async def run_cell(port: int, payloads: list[bytes], clients: int, seconds: float, max_requests: int) -> dict:
    latencies: list[float] = []
    errors: list[str] = []
    budget = [max_requests]
    began = time.perf_counter()
    deadline = time.monotonic() + seconds
    await asyncio.gather(*(client_loop(port, payloads[i % len(payloads)], deadline, budget, latencies, errors)
                           for i in range(clients)))
    elapsed = time.perf_counter() - began
    return {"latencies": latencies, "elapsed": elapsed, "errors": errors}


def merge(slices: list[dict]) -> dict:
    latencies = [x for part in slices for x in part["latencies"]]
    elapsed = sum(part["elapsed"] for part in slices)
    return {"rps": len(latencies) / elapsed, "p50": common.percentile(latencies, 50),
            "p99": common.percentile(latencies, 99), "n": len(latencies),
            "errors": [e for part in slices for e in part["errors"]]}


def start_gunicorn(port: int):
    log = TMP / "gunicorn.log"
    process = common.start([str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"], log,
                           GUNICORN_BIND=f"{HOST}:{port}", GUNICORN_ACCESS_LOG=str(TMP / "access.log"))

    def up():
        if process.poll() is not None:
            raise SystemExit(f"bench: gunicorn stopped:\n{log.read_text()[-3000:]}")
        return "Booting worker" in log.read_text()

    common.wait_until(up, timeout=60, what="gunicorn")
    return process, log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--clients", default="1,10,50", help="concurrent clients (default: 1,10,50)")
    parser.add_argument("--seconds", type=float, default=8.0, help="seconds per endpoint and client count (default: 8)")
    parser.add_argument("--rounds", type=int, default=8, help="slices those seconds are cut into, taken in turn "
                        "with the other endpoints' (default: 8)")
    parser.add_argument("--max-requests", type=int, default=5000, help="request cap per slice (default: 5000)")
    args = parser.parse_args()
    levels = [int(x) for x in args.clients.split(",")]
    if max(levels) > 200:
        raise SystemExit("bench: at most 200 clients")

    payloads = prepare(max(levels))
    port = common.free_port()
    process, log = start_gunicorn(port)
    endpoints = ["bare", "history", "status", "submit"]
    results = {}
    try:
        for name in endpoints:  # warm every worker process: imports, voices, templates
            asyncio.run(run_cell(port, payloads[name], 10, 2.0, 200))  # figures dropped
        for clients in levels:
            # Round-robin slices: each endpoint gets seconds/rounds at a time, in turn, so a
            # change in the machine's other load falls on all four alike and the ratios hold.
            slices = {name: [] for name in endpoints}
            for _ in range(args.rounds):
                for name in endpoints:
                    slices[name].append(asyncio.run(run_cell(port, payloads[name], clients,
                                                             args.seconds / args.rounds, args.max_requests)))
            for name in endpoints:
                results[name, clients] = merge(slices[name])
                print(f"  {name} x{clients}: {results[name, clients]['rps']:.0f}/s", file=sys.stderr)
    finally:
        common.stop(process)
    boot = log.read_text()
    config = runpy.run_path(str(common.ROOT / "gunicorn.conf.py"))  # what gunicorn read, in this environment
    restarts = boot.count("Autorestarting worker")  # graceful restarts by max_requests
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    threads = config["threads"] if config["worker_class"] == "gthread" else 1
    print(f"\nWeb tier: gunicorn {config['worker_class']}, {config['workers']} worker processes x {threads} threads "
          f"({restarts} graceful restarts by max_requests), {connection.vendor}, {cpus} CPUs shared with this "
          f"load generator; {args.seconds:g} s per cell in {args.rounds} slices taken in turn")
    print(f"(load average of the machine at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    print(f"{'endpoint':<8} | {'clients':>7} | {'req/s':>7} | {'p50 ms':>7} | {'p99 ms':>7} | {'vs bare':>7} | errors")
    print(f"{'-' * 8}-|-{'-' * 7}-|-{'-' * 7}-|-{'-' * 7}-|-{'-' * 7}-|-{'-' * 7}-|-------")
    for clients in levels:
        bare = results["bare", clients]["rps"]
        for name in endpoints:
            r = results[name, clients]
            errors = f"{len(r['errors'])} ({', '.join(sorted(set(r['errors'])))})" if r["errors"] else "0"
            print(f"{name:<8} | {clients:>7} | {r['rps']:>7.1f} | {r['p50'] * 1000:>7.1f} | {r['p99'] * 1000:>7.1f} | "
                  f"{r['rps'] / bare:>7.2f} | {errors}")
    submitted = GeneratedAudioClip.objects.filter(user__email__startswith="load-submit-").count()
    print(f"({submitted} clips submitted in all; history user: {HISTORY_CLIPS} clips; the history page is "
          f"{statistics.mean(r['n'] for (n, _), r in results.items() if n == 'history'):.0f} requests a cell on average)")
    common.clear_bench_rows()


if __name__ == "__main__":
    main()
