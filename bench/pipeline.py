"""Benchmark the studio pipeline: submit-to-playable latency, submissions per second, history page.

    .venv/bin/python bench/pipeline.py                               # SQLite (a throwaway file)
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench_pipeline .venv/bin/python bench/pipeline.py

The database in DATABASE_URL is migrated and its bench rows (users @bench.invalid) replaced;
use a throwaway database. What is measured:

- latency: a one-sentence TTS clip, from the POST of the form (as the page's script sends it)
  to the first successful GET of its audio, polling the status endpoint every 50 ms, with the
  real worker (`manage.py run_worker --interval 0.1`, a separate process) and the local engine.
  Each sample is a different user (the per-minute rate limit would defer a fourth clip).
- submissions/s: form POSTs accepted by the web tier (16 threads, no worker running), and
  clips/s one worker then drains from that queue.
- history page: wall time (median of 10) and query count of GET /app/text-to-speech/ for a user
  with 50 clips, and again with 100 000 clips in the table (half of them this user's).
Target: p50 submit-to-playable <= 1 s for one sentence.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
_tmp = tempfile.mkdtemp(prefix="bernie-bench-")
for key, value in {
    "SECRET_KEY": "bench-only-secret-key-0123456789abcdef",
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "SESSION_COOKIE_SECURE": "0",
    "CSRF_COOKIE_SECURE": "0",
    "DATABASE_URL": f"file:{os.path.join(_tmp, 'bench.db')}",
    "MEDIA_ROOT": os.path.join(_tmp, "media"),
    "CACHE_DIR": os.path.join(_tmp, "cache"),
    "LOG_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(key, value)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elevenlabs_bernie.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

# No collectstatic for a bench run: plain static URLs instead of the manifest.
settings.STORAGES = {**settings.STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.models import User  # noqa: E402
from audio.models import GeneratedAudioClip  # noqa: E402

SENTENCE = "The quick brown fox jumps over the lazy dog."
LATENCY_SAMPLES = 30
SUBMISSIONS = 200
WORKER_INTERVAL = "0.1"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))
    return ordered[index]


def users(n: int, prefix: str) -> list[User]:
    made = [User(email=f"{prefix}{i}@bench.invalid", credits=10_000_000) for i in range(n)]
    for user in made:
        user.set_unusable_password()
    User.objects.bulk_create(made, batch_size=500)
    return list(User.objects.filter(email__startswith=prefix, email__endswith="@bench.invalid").order_by("email"))


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def submit(client: Client) -> str:
    response = client.post("/app/text-to-speech/", {"text": SENTENCE, "voice": "andreas"},
                           headers={"accept": "application/json"})
    assert response.status_code == 201, response.content[:300]
    return response.json()["id"]


def start_worker() -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "manage.py", "run_worker", "--no-reload", "--no-startup-delay", "--interval", WORKER_INTERVAL],
        cwd=ROOT, env={**os.environ}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def latency() -> list[float]:
    clients = [client_for(user) for user in users(LATENCY_SAMPLES + 1, "latency")]
    worker = start_worker()
    try:
        samples = []
        for i, client in enumerate(clients):
            began = time.perf_counter()
            clip_id = submit(client)
            while True:
                status = client.get(f"/app/clips/{clip_id}/").json()
                if status["status"] == "done":
                    audio = client.get(status["audio_url"], headers={"range": "bytes=0-65535"})
                    assert audio.status_code in (200, 206)
                    b"".join(audio.streaming_content)
                    break
                if status["status"] == "failed":
                    raise RuntimeError(status["error"])
                time.sleep(0.05)
            if i:  # the first one warms the worker (model load)
                samples.append(time.perf_counter() - began)
        return samples
    finally:
        stop(worker)


def throughput() -> tuple[float, float]:
    clients = [client_for(user) for user in users(SUBMISSIONS, "rate")]
    began = time.perf_counter()
    def submit_and_release(client: Client) -> str:
        try:
            return submit(client)
        finally:
            connection.close()  # the test client keeps it open; give it back (to the pool)

    with ThreadPoolExecutor(max_workers=16) as pool:
        ids = list(pool.map(submit_and_release, clients))
    submit_rate = len(ids) / (time.perf_counter() - began)
    worker = start_worker()
    try:
        began = time.perf_counter()
        pending = GeneratedAudioClip.objects.filter(pk__in=ids).pending()
        while pending.exists():
            time.sleep(0.1)
        drain_rate = len(ids) / (time.perf_counter() - began)
    finally:
        stop(worker)
    return submit_rate, drain_rate


def history_page(user: User) -> tuple[float, int]:
    client = client_for(user)
    client.get("/app/text-to-speech/")
    times = []
    for _ in range(10):
        began = time.perf_counter()
        response = client.get("/app/text-to-speech/")
        times.append(time.perf_counter() - began)
        assert response.status_code == 200
    with CaptureQueriesContext(connection) as queries:
        client.get("/app/text-to-speech/")
    return statistics.median(times), len(queries)


def fill(user: User, n: int, *, start: int = 0) -> None:
    now = timezone.now()
    batch = []
    for i in range(start, start + n):
        batch.append(GeneratedAudioClip(
            user=user, service="styletts2", text=f"Bench clip {i}: {SENTENCE}", voice="andreas",
            s3_key=f"styletts2-output/bench-{i}.wav", created_at=now - timedelta(minutes=i), cost=50,
        ))
        if len(batch) == 5000:
            GeneratedAudioClip.objects.bulk_create(batch)
            batch = []
    GeneratedAudioClip.objects.bulk_create(batch)


def main() -> None:
    call_command("migrate", verbosity=0)
    User.objects.filter(email__endswith="@bench.invalid").delete()
    vendor = connection.vendor

    samples = latency()
    submit_rate, drain_rate = throughput()

    reader, other = users(1, "history"), users(1, "other")
    fill(reader[0], 50)
    small = history_page(reader[0])
    fill(reader[0], 50_000 - 50, start=50)
    fill(other[0], 50_000)
    total = GeneratedAudioClip.objects.count()
    large = history_page(reader[0])
    User.objects.filter(email__endswith="@bench.invalid").delete()

    rows = [
        ("submit-to-playable p50 (one sentence)", f"{statistics.median(samples) * 1000:.0f} ms"),
        ("submit-to-playable p95", f"{percentile(samples, 95) * 1000:.0f} ms"),
        ("submissions accepted / s (16 threads)", f"{submit_rate:.0f}"),
        ("clips generated / s (1 worker)", f"{drain_rate:.1f}"),
        ("history page, 50 clips", f"{small[0] * 1000:.1f} ms, {small[1]} queries"),
        (f"history page, {total:,} clips in table", f"{large[0] * 1000:.1f} ms, {large[1]} queries"),
    ]
    width = max(len(name) for name, _ in rows)
    print(f"\nStudio pipeline on {vendor} ({LATENCY_SAMPLES} latency samples, worker --interval {WORKER_INTERVAL})")
    print(f"{'measure'.ljust(width)} | result")
    print(f"{'-' * width}-|-{'-' * 24}")
    for name, value in rows:
        print(f"{name.ljust(width)} | {value}")
    if small[1] != large[1]:
        print("WARNING: the history page's query count grows with the number of clips.")


if __name__ == "__main__":
    main()
