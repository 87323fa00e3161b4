"""Benchmark the API: a one-sentence /v1/text-to-speech call end to end, and MP3 encoding.

    .venv/bin/python bench/api.py                                   # SQLite (a throwaway file)
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench_api .venv/bin/python bench/api.py

The database in DATABASE_URL is migrated and its bench rows (users @bench.invalid) replaced;
use a throwaway database. What is measured:

- latency: POST /v1/text-to-speech/andreas with one sentence, from sending the request to the
  last byte of the MP3 (mp3_44100_128), over HTTP to gunicorn (gthread) with a real worker
  process (`manage.py run_worker --interval 0.1`) and the local engine; the same again with
  output_format=wav_22050 (the stored WAV's own rate: no resampling, no MP3), so the difference
  is what MP3 costs on the way out. Each call is a different user and key (the per-minute rate
  would refuse a fourth call). The first call, which loads the model, is not counted.
- encoding: audio/encoding.encode() of a 20 s speech clip into each format, CPU time per audio
  second (median of 5).
"""

from __future__ import annotations

import io
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
_tmp = tempfile.mkdtemp(prefix="bernie-bench-api-")
for key, value in {
    "SECRET_KEY": "bench-only-secret-key-0123456789abcdef",
    "ALLOWED_HOSTS": "127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "0",
    "DATABASE_URL": f"file:{os.path.join(_tmp, 'bench.db')}",
    "MEDIA_ROOT": os.path.join(_tmp, "media"),
    "CACHE_DIR": os.path.join(_tmp, "cache"),
    "STATIC_MANIFEST": "0",
    "LOG_LEVEL": "WARNING",
}.items():
    os.environ.setdefault(key, value)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "elevenlabs_bernie.settings")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from accounts import api_keys  # noqa: E402
from accounts.models import User  # noqa: E402
from audio import encoding  # noqa: E402
from audio.models import GeneratedAudioClip  # noqa: E402

SENTENCE = "The quick brown fox jumps over the lazy dog."
CALLS = 24
WORKER_INTERVAL = "0.1"
FORMATS = ("mp3_44100_128", "mp3_22050_32", "opus_48000_64", "pcm_16000", "wav_44100", "wav_22050")


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def keys(n: int, prefix: str) -> list[str]:
    made = []
    for i in range(n):
        user = User.objects.create_user(email=f"{prefix}{i}@bench.invalid", password=None, credits=1_000_000)
        made.append(api_keys.api_key_create(user=user, name="bench")[1])
    return made


def start(*args: str) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env={**os.environ},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()


def wait_until_up(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            requests.get(f"{base}/v1/openapi.json", timeout=10).raise_for_status()
            return
        except requests.RequestException:
            time.sleep(0.2)
    raise RuntimeError("the server did not start")


def call(base: str, key: str, fmt: str, text: str = SENTENCE) -> tuple[float, bytes]:
    began = time.perf_counter()
    response = requests.post(f"{base}/v1/text-to-speech/andreas", params={"output_format": fmt},
                             json={"text": text}, headers={"xi-api-key": key}, timeout=150)
    data = response.content
    elapsed = time.perf_counter() - began
    if response.status_code != 200:
        raise RuntimeError(f"{response.status_code}: {data[:300]!r}")
    return elapsed, data


def encoding_costs(wav: bytes) -> list[tuple[str, float]]:
    import soundfile as sf

    seconds = sf.info(io.BytesIO(wav)).duration
    rows = []
    for fmt in FORMATS:
        times = []
        for _ in range(5):
            began = time.process_time()
            encoding.encode(wav, fmt)
            times.append(time.process_time() - began)
        rows.append((fmt, statistics.median(times) / seconds * 1000))
    return rows


def main() -> None:
    call_command("migrate", verbosity=0)
    User.objects.filter(email__endswith="@bench.invalid").delete()
    vendor = connection.vendor
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = start("-m", "gunicorn", "elevenlabs_bernie.wsgi", "-k", "gthread", "--threads", "8", "-w", "1",
                "-b", f"127.0.0.1:{port}", "--timeout", "180")
    worker = start("manage.py", "run_worker", "--no-reload", "--no-startup-delay", "--interval", WORKER_INTERVAL)
    try:
        wait_until_up(base)
        made = keys(2 * CALLS + 2, "api")
        call(base, made.pop(), "mp3_44100_128")  # warm-up: the worker loads the model
        mp3, wav = [], []
        for _ in range(CALLS):  # alternated, so both see the same load on a shared machine
            mp3.append(call(base, made.pop(), "mp3_44100_128")[0])
            wav.append(call(base, made.pop(), "wav_22050")[0])
        long_text = " ".join([SENTENCE] * 9)
        _elapsed, speech = call(base, made.pop(), "wav_22050", long_text)
    finally:
        stop(worker)
        stop(web)
    costs = encoding_costs(speech)
    clips = GeneratedAudioClip.objects.filter(user__email__startswith="api", user__email__endswith="@bench.invalid",
                                              text=SENTENCE).done()
    picked_up = [(c.started_at - c.created_at).total_seconds() for c in clips]
    generated = [(c.finished_at - c.started_at).total_seconds() for c in clips]
    User.objects.filter(email__endswith="@bench.invalid").delete()

    rows = [
        ("TTS call p50, one sentence, mp3_44100_128", f"{statistics.median(mp3) * 1000:.0f} ms"),
        ("TTS call p95, one sentence, mp3_44100_128", f"{percentile(mp3, 95) * 1000:.0f} ms"),
        ("TTS call p50, one sentence, wav_22050 (no encoding)", f"{statistics.median(wav) * 1000:.0f} ms"),
        ("TTS call p95, one sentence, wav_22050", f"{percentile(wav, 95) * 1000:.0f} ms"),
        ("MP3 overhead per call (p50 difference)", f"{(statistics.median(mp3) - statistics.median(wav)) * 1000:.0f} ms"),
        ("  of a call: queued until a worker took it (p50)", f"{statistics.median(picked_up) * 1000:.0f} ms"),
        ("  of a call: the worker's generation and storing (p50)", f"{statistics.median(generated) * 1000:.0f} ms"),
    ] + [(f"encode {fmt}, CPU per audio second", f"{cost:.1f} ms") for fmt, cost in costs]
    width = max(len(name) for name, _ in rows)
    print(f"\nAPI on {vendor} ({CALLS} calls per format, gunicorn gthread, worker --interval {WORKER_INTERVAL})")
    print(f"{'measure'.ljust(width)} | result")
    print(f"{'-' * width}-|-{'-' * 12}")
    for name, value in rows:
        print(f"{name.ljust(width)} | {value}")


if __name__ == "__main__":
    main()
