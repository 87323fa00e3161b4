"""The task queue at scale: django-tasks-db on PostgreSQL (each worker claims a task with
SELECT … FOR UPDATE SKIP LOCKED) with 1, 2, 4 and 8 `manage.py run_worker` processes.

(Not bench/queue.py: a script's folder comes first on the import path, and a queue.py there
would stand in for the standard library's `queue` module, which psycopg imports.)

    .venv/bin/python bench/task_queue.py                       # PostgreSQL database `scale` (made if missing)
    .venv/bin/python bench/task_queue.py --workers 1,2 --clips 200
    DATABASE_URL=postgresql://postgres@127.0.0.1:5432/other .venv/bin/python bench/task_queue.py

Use a throwaway database: it is migrated, and its task rows and bench users are replaced.
Every service's engine is bench/silence.py (0.1 s of silence, made at once) through
bench/settings_silent.py, so what is measured is the queue and the worker's own work per
clip: claim the task, load the clip, mark it started, store the WAV, mark it done. Clips are
requested the way the studio requests them (audio.services.clip_request: debit, clip, ledger
row, task on commit), with the per-minute rate limit lifted (CLIP_RATE_LIMIT_PER_MINUTE).

For each worker count:
- burst: N clips requested at once while the workers are idle; clips/s from the first enqueue
  to the last finish, and the queue wait (task enqueued -> started) p50 / p95, which in a burst
  is mostly the time spent behind other clips;
- trickle: clips arriving one every 1/RATE s (well below capacity); queue wait p50 / p95 is then
  the pickup delay: the poll interval of idle workers plus the claim.
Each clip is checked to have run exactly once. Bounded: at most --timeout s per phase.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import common  # noqa: E402

TMP = common.setup("bench.settings_silent", CLIP_RATE_LIMIT_PER_MINUTE="1000000")

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django_tasks_db.models import DBTaskResult, get_date_max  # noqa: E402

from audio import services  # noqa: E402
from audio.engines import GenerationRequest, registry  # noqa: E402
from audio.models import GeneratedAudioClip  # noqa: E402

SERVICE = registry.TEXT_TO_SPEECH
USERS = 20


def start_workers(n: int, interval: str) -> list:
    workers = []
    for i in range(n):
        log = TMP / f"worker-{n}-{i}.log"
        workers.append((common.start(
            [sys.executable, "manage.py", "run_worker", "--no-reload", "--no-startup-delay", "--no-voice-previews",
             "--reap-every", "0", "--interval", interval, "--queue-name", "*", "--worker-id", f"bench-{n}-{i}"],
            log, LOG_LEVEL="INFO"), log))
    common.wait_until(lambda: all("Starting worker" in log.read_text() for _, log in workers),
                      timeout=120, what=f"{n} workers to start")
    return workers


def request(users: list, n: int, *, offset: int = 0) -> list[str]:
    ask = GenerationRequest(text="Bench.", voice="silence")
    return [services.clip_request(user=users[(offset + i) % len(users)], service=SERVICE.id, request=ask).id
            for i in range(n)]


def finished(ids: list[str], timeout: float) -> list[DBTaskResult]:
    def done():
        return not GeneratedAudioClip.objects.filter(pk__in=ids).pending().exists()

    common.wait_until(done, timeout=timeout, what=f"{len(ids)} clips", interval=0.05)
    # The clip is done a moment before its task row is marked successful.
    common.wait_until(lambda: not DBTaskResult.objects.filter(status__in=["READY", "RUNNING"]).exists(),
                      timeout=timeout, what="the task rows", interval=0.05)
    tasks = [t for t in DBTaskResult.objects.all() if t.args_kwargs["args"][0] in set(ids)]
    clips = GeneratedAudioClip.objects.filter(pk__in=ids)
    assert len(tasks) == len(ids), f"{len(tasks)} tasks for {len(ids)} clips"
    assert all(t.status == "SUCCESSFUL" for t in tasks), "a task did not succeed"
    assert clips.done().count() == len(ids) and not clips.exclude(attempts=1).exists(), "a clip ran twice or not at all"
    return tasks


def waits(tasks: list[DBTaskResult]) -> list[float]:
    """Seconds from when each task could run (enqueued, or its run_after) to when it started."""
    never = get_date_max()  # django-tasks-db's run_after for "no delay"
    return [(t.started_at - (t.run_after if t.run_after != never else t.enqueued_at)).total_seconds() for t in tasks]


def burst(users: list, n: int, timeout: float) -> tuple[float, list[float]]:
    with transaction.atomic():  # all tasks enqueued together, right after this commits
        ids = request(users, n)
    tasks = finished(ids, timeout)
    span = (max(t.finished_at for t in tasks) - min(t.enqueued_at for t in tasks)).total_seconds()
    return n / span, waits(tasks)


def trickle(users: list, n: int, rate: float, timeout: float) -> list[float]:
    ids = []
    began = time.monotonic()
    for i in range(n):
        time.sleep(max(0.0, began + i / rate - time.monotonic()))
        ids += request(users, 1, offset=i)
    return waits(finished(ids, timeout))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", default="1,2,4,8", help="worker process counts (default: 1,2,4,8)")
    parser.add_argument("--clips", type=int, default=300, help="clips in each burst (default: 300)")
    parser.add_argument("--trickle", type=int, default=50, help="clips in each trickle (default: 50)")
    parser.add_argument("--rate", type=float, default=10.0, help="trickle arrivals per second (default: 10)")
    parser.add_argument("--interval", default="0.5", help="run_worker --interval, idle poll seconds (default: 0.5, "
                        "as Procfile.production)")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds allowed per phase (default: 300)")
    args = parser.parse_args()

    call_command("migrate", verbosity=0)
    rows = []
    for n in [int(x) for x in args.workers.split(",")]:
        common.clear_bench_rows()
        users = common.bench_users(f"queue{n}-", USERS)
        workers = start_workers(n, args.interval)
        try:
            request(users, n * 2)  # warm-up: every worker has run a clip before the clock starts
            finished(list(GeneratedAudioClip.objects.filter(user__in=users).values_list("id", flat=True)), args.timeout)
            rate, burst_waits = burst(users, args.clips, args.timeout)
            trickle_waits = trickle(users, args.trickle, args.rate, args.timeout)
        finally:
            for process, _log in workers:
                common.stop(process)
        rows.append((n, rate, burst_waits, trickle_waits))
        print(f"  {n} worker(s): {rate:.1f} clips/s", file=sys.stderr)
    common.clear_bench_rows()

    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    print(f"\nQueue: django-tasks-db on {connection.vendor} {connection.pg_version if connection.vendor == 'postgresql' else ''} "
          f"({cpus} CPUs shared by the workers, this process and the database; trivial engine; "
          f"idle poll {args.interval} s)")
    print(f"(load average of the machine at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
    print(f"{'workers':>7} | {'burst clips/s':>13} | {'burst wait p50 / p95':>20} | "
          f"{'trickle wait p50 / p95 (' + format(args.rate, 'g') + '/s)':>30}")
    print(f"{'-' * 7}-|-{'-' * 13}-|-{'-' * 20}-|-{'-' * 30}")
    for n, rate, burst_waits, trickle_waits in rows:
        bw = f"{common.percentile(burst_waits, 50):.2f} / {common.percentile(burst_waits, 95):.2f} s"
        tw = f"{common.percentile(trickle_waits, 50) * 1000:.0f} / {common.percentile(trickle_waits, 95) * 1000:.0f} ms"
        print(f"{n:>7} | {rate:>13.1f} | {bw:>20} | {tw:>30}")
    print(f"(burst: {args.clips} clips at once; trickle: {args.trickle} clips; every clip ran exactly once)")


if __name__ == "__main__":
    main()
