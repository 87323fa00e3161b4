"""Benchmark streaming: time to first audio and total time, one sentence and ~4,000 characters.

    .venv/bin/python bench/stream.py                                  # SQLite, pieces through the database
    REDIS_URL=redis://127.0.0.1:6379/7 .venv/bin/python bench/stream.py   # pieces through Redis
    DATABASE_URL=postgresql://postgres@127.0.0.1/bench_stream BENCH_RUNS=10 .venv/bin/python bench/stream.py

Use a throwaway database: it is migrated and its bench users (@bench.invalid) replaced. One
gunicorn process as gunicorn.conf.py sets it up (gthread) and one real worker process
(`manage.py run_worker --interval 0.1`) with the local Piper engine. The first call, which
loads the model, is not counted. The one-sentence text is the long text's first sentence, so
both wait for the same first piece and the difference is what the rest of the text costs before
the first sound (validating and phonemising all of it). For each text, BENCH_RUNS times
(default 10), alternated so all see the same load:

- API stream: POST /v1/text-to-speech/joe/stream (mp3_44100_128): from sending the request to
  the first audio byte, and to the last byte;
- page stream: the studio's POST /app/text-to-speech/ (as the page's script sends it), then
  the status poll's stream_url: from the submit to the first MP3 byte, and to the last;
- not streamed: POST /v1/text-to-speech/joe (the answer comes when the clip is stored), for
  the total time without streaming.
"""

from __future__ import annotations

import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from bench.common import BENCH_EMAIL, free_port, percentile, setup, start, stop  # noqa: E402

RUNS = int(os.environ.get("BENCH_RUNS", "10"))


def main() -> None:
    tmp = setup("elevenlabs_bernie.settings", CLIP_RATE_LIMIT_PER_MINUTE="1000",
                DATABASE_URL=os.environ.get("DATABASE_URL") or f"file:{os.path.join(os.environ.get('TMPDIR', '/tmp'), 'bernie-bench-stream.db')}")
    import requests
    from django.core.management import call_command
    from django.db import connection

    from accounts import api_keys
    from accounts.models import User
    from audio import pieces
    from tests.streaming.texts import LONG, ONE_SENTENCE

    call_command("migrate", verbosity=0)
    User.objects.filter(email__endswith=BENCH_EMAIL).delete()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    web = start([sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"], tmp / "web.log",
                        GUNICORN_BIND=f"127.0.0.1:{port}", WEB_CONCURRENCY="1", GUNICORN_ACCESS_LOG="")
    worker = start([sys.executable, "manage.py", "run_worker", "--no-reload", "--no-startup-delay", "--interval", "0.1",
                            "--no-voice-previews"], tmp / "worker.log")
    password = "bench password 0123456789"
    counter = iter(range(10**6))

    def new_user():
        return User.objects.create_user(email=f"stream{next(counter)}{BENCH_EMAIL}", password=password, credits=10**6)

    def api_key() -> str:
        return api_keys.api_key_create(user=new_user(), name="bench")[1]

    def timed(response, began: float) -> tuple[float, float]:
        first = None
        for chunk in response.iter_content(chunk_size=None):
            if chunk and first is None:
                first = time.perf_counter() - began
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
        return first, time.perf_counter() - began

    def api_stream(text: str) -> tuple[float, float]:
        began = time.perf_counter()
        with requests.post(f"{base}/v1/text-to-speech/joe/stream", json={"text": text}, stream=True,
                           headers={"xi-api-key": api_key()}, timeout=300) as response:
            return timed(response, began)

    def page_stream(text: str) -> tuple[float, float]:
        session = requests.Session()
        session.get(f"{base}/accounts/login/", timeout=30)
        user = new_user()
        session.post(f"{base}/accounts/login/", timeout=30, allow_redirects=False,
                     data={"login": user.email, "password": password, "csrfmiddlewaretoken": session.cookies["csrftoken"]})
        began = time.perf_counter()
        answer = session.post(f"{base}/app/text-to-speech/", data={"text": text, "voice": "joe"}, timeout=60,
                              headers={"Accept": "application/json", "X-CSRFToken": session.cookies["csrftoken"]})
        stream_url = answer.json().get("stream_url") or session.get(
            f"{base}/app/clips/{answer.json()['id']}/", timeout=30).json()["stream_url"]
        with session.get(f"{base}{stream_url}", stream=True, timeout=300) as response:
            return timed(response, began)

    def whole(text: str) -> tuple[float, float]:
        began = time.perf_counter()
        response = requests.post(f"{base}/v1/text-to-speech/joe", json={"text": text},
                                 headers={"xi-api-key": api_key()}, timeout=300)
        elapsed = time.perf_counter() - began
        if response.status_code != 200:
            raise RuntimeError(f"{response.status_code}: {response.text[:300]}")
        return elapsed, elapsed

    results: dict[tuple[str, str], list[tuple[float, float]]] = {}
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=5)
                break
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        api_stream(ONE_SENTENCE)  # warm-up: the worker loads the model
        for _ in range(RUNS):
            for name, text in (("one sentence", ONE_SENTENCE), (f"{len(LONG):,} characters", LONG)):
                for mode, run in (("API stream", api_stream), ("page stream", page_stream), ("not streamed", whole)):
                    results.setdefault((name, mode), []).append(run(text))
    finally:
        stop(worker)
        stop(web)
        User.objects.filter(email__endswith=BENCH_EMAIL).delete()

    print(f"\nStreaming on {connection.vendor}, pieces through {pieces.channel().name}; {RUNS} runs each, "
          f"one gunicorn process (gthread), one worker; seconds")
    print(f"{'text':<18} {'how':<13} {'first audio p50':>15} {'p95':>6} {'total p50':>10} {'p95':>6}")
    for (name, mode), values in results.items():
        firsts = [first for first, _ in values]
        totals = [total for _, total in values]
        first_p50 = f"{statistics.median(firsts):.2f}" if mode != "not streamed" else "-"
        first_p95 = f"{percentile(firsts, 95):.2f}" if mode != "not streamed" else "-"
        print(f"{name:<18} {mode:<13} {first_p50:>15} {first_p95:>6} {statistics.median(totals):>10.2f} "
              f"{percentile(totals, 95):>6.2f}")


if __name__ == "__main__":
    main()
