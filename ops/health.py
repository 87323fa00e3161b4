"""``/healthz``: is this deployment usable right now?

Checks, each ``{"ok": bool, ...}``:

* ``database``: ``SELECT 1`` on the default connection (every request).
* ``storage``: write, read back and delete a tiny probe file in the default storage.
* ``tasks``: the backend; with the database backend, the queue's depth and whether a worker
  is keeping up. django-tasks-db workers leave no heartbeat while idle (``worker_ids`` and
  ``started_at`` are only written when a task is claimed), so "a worker was seen recently"
  is reported as ``worker_last_seen_at`` (the newest claim), and the check fails only when
  a runnable task has waited longer than ``HEALTHZ_QUEUE_STALL_SECONDS`` (no worker is
  consuming). An idle queue with no worker is healthy: nothing is waiting.
  ``workers`` lists each ``run_worker``'s heartbeat (ops/heartbeats.py): ``seconds_since_seen``
  and ``stale`` (older than ``HEALTHZ_WORKER_STALE_SECONDS``); informational, it does not
  change the status (an idle deployment may run no worker).
* ``engines``: each service's engine; HTTP engines answer ``GET /health`` (local engines
  report ok without a network call).
* ``cache``: with Redis, whether it answers (core/cache.py). Redis down is ``"ok": false``
  but the status is ``"degraded"`` with 200, not 503: the site works on its local-memory
  fallback, and a load balancer must not take every web process out for it.
* ``mail``: reported, not judged (the site works while mail is delayed, so it never turns the
  answer into 503): mail waiting to go out, mail being retried because the server did not take
  it, mail given up on in the last 24 hours, and when and how the last attempt failed; its
  ``ok`` is false while any mail is retrying or has been given up on in the last 24 hours.

Storage, tasks, engines and mail are cached in the process for ``HEALTHZ_CACHE_SECONDS`` (default
10) so the endpoint is cheap to poll. 200 when every check is ok (or only the cache is down,
``"degraded"``), 503 otherwise. No auth, and no secrets: errors are reported as a kind, the details go to the log.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from datetime import timedelta

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection
from django.utils import timezone

from accounts.models import OutgoingMail
from audio import engines
from audio.engines import registry
from elevenlabs_bernie.version import version
from ops import heartbeats
from ops.monitoring import task_queue

logger = logging.getLogger(__name__)

PROBE_PREFIX = "healthz"

_cache: dict[str, tuple[float, dict]] = {}
_cache_lock = threading.Lock()


def _cache_seconds() -> float:
    return float(getattr(settings, "HEALTHZ_CACHE_SECONDS", 10))


def _cached(name: str, check) -> dict:
    ttl = _cache_seconds()
    now = time.monotonic()
    with _cache_lock:
        hit = _cache.get(name)
        if hit and ttl > 0 and now - hit[0] < ttl:
            return hit[1]
    result = check()
    with _cache_lock:
        _cache[name] = (time.monotonic(), result)
    return result


def reset_cache() -> None:
    with _cache_lock:
        _cache.clear()


def _failure(check: str, exc: BaseException) -> dict:
    logger.warning("healthz: %s check failed: %s: %s", check, type(exc).__name__, exc)
    return {"ok": False, "error": type(exc).__name__}


def check_database() -> dict:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure means the database is unusable
        return {"ok": False, "vendor": connection.vendor, "error": type(exc).__name__}
    return {"ok": True, "vendor": connection.vendor}


def check_storage() -> dict:
    key = f"{PROBE_PREFIX}/{uuid.uuid4().hex}.txt"
    payload = b"ok"
    try:
        saved = default_storage.save(key, ContentFile(payload))
        try:
            with default_storage.open(saved, "rb") as handle:
                ok = handle.read() == payload
        finally:
            default_storage.delete(saved)
    except Exception as exc:  # noqa: BLE001
        return {**_failure("storage", exc), "backend": default_storage.__class__.__name__}
    return {"ok": ok, "backend": default_storage.__class__.__name__}


def check_tasks() -> dict:
    now = timezone.now()
    stall_after = int(getattr(settings, "HEALTHZ_QUEUE_STALL_SECONDS", 300))
    try:
        queue = task_queue(now)
    except Exception as exc:  # noqa: BLE001
        return _failure("tasks", exc)
    result = {"ok": True, "backend": queue.backend.rsplit(".", 1)[-1]}
    if queue.ready is None:
        return result  # a backend we cannot count (immediate, RQ): nothing to judge here
    from django_tasks_db.models import DBTaskResult

    last_seen = (
        DBTaskResult.objects.exclude(started_at=None).order_by("-started_at").values_list("started_at", flat=True).first()
    )
    waited = (now - queue.oldest_ready_at).total_seconds() if queue.oldest_ready_at else 0.0
    result.update(
        queue_depth=queue.ready,
        scheduled=queue.scheduled,
        running=queue.running,
        oldest_ready_age_s=round(waited, 1),
        worker_last_seen_at=last_seen.isoformat() if last_seen else None,
        worker_seen_recently=bool(last_seen and (now - last_seen).total_seconds() < stall_after),
        workers=heartbeats.workers(now),
    )
    if waited > stall_after:
        result.update(ok=False, error=f"a task has waited over {stall_after} s: no worker is consuming the queue")
    return result


def check_engines() -> dict:
    results = {}
    for spec in registry.SERVICES:
        service = spec.id
        try:
            engine = engines.get_engine(service)
            reply = engine.health()
        except Exception as exc:  # noqa: BLE001
            results[service] = _failure(f"engine {service}", exc)
            continue
        ok = bool(reply.get("ok"))
        entry = {"ok": ok, "engine": getattr(engine, "engine_name", ""),
                 "remote": getattr(engine, "route", None) is not None}
        if not ok:
            logger.warning("healthz: engine %s unhealthy: %s", service, reply.get("error"))
            entry["error"] = "unreachable or unhealthy"
        results[service] = entry
    return results


def check_mail() -> dict:
    now = timezone.now()
    try:
        mails = OutgoingMail.objects
        retrying = mails.retrying().count()
        failed = mails.failed_since(now - timedelta(hours=24)).count()
        last = mails.exclude(last_error_at=None).order_by("-last_error_at").values("last_error_at", "last_error").first()
        waiting = mails.queued().count()
    except Exception as exc:  # noqa: BLE001
        return _failure("mail", exc)
    return {
        "ok": not retrying and not failed,
        "waiting": waiting,
        "retrying": retrying,
        "failed_last_24h": failed,
        "last_failure_at": last["last_error_at"].isoformat() if last else None,
        "last_failure": last["last_error"] if last else None,
    }


def check_cache() -> dict:
    """Redis (behind the fallback wrapper): asked at most once per its retry backoff while down.
    Other backends (the file cache): a set and get round trip."""
    backend = cache.__class__.__name__
    try:
        if hasattr(cache, "check"):
            if cache.check():
                return {"ok": True, "backend": "redis"}
            return {"ok": False, "backend": "redis", "fallback": "local memory, per process",
                    "down_for_s": round(time.time() - cache.down_since, 1) if cache.down_since else 0.0,
                    "error": "Redis does not answer"}
        cache.set("healthz:cache-probe", "ok", 10)
        ok = cache.get("healthz:cache-probe") == "ok"
    except Exception as exc:  # noqa: BLE001
        return {**_failure("cache", exc), "backend": backend}
    return {"ok": ok, "backend": backend}


# Checks whose failure degrades the site rather than making it unusable.
DEGRADING = {"cache"}


def health_report() -> dict:
    checks = {
        "database": check_database(),
        "storage": _cached("storage", check_storage),
        "engines": _cached("engines", check_engines),
        "cache": check_cache(),
    }
    checks["tasks"] = _cached("tasks", check_tasks) if checks["database"]["ok"] else {"ok": False, "error": "database down"}
    failing = {
        name for name, check in checks.items()
        if not (check["ok"] if name != "engines" else all(engine["ok"] for engine in check.values()))
    }
    status = "ok" if not failing else ("degraded" if failing <= DEGRADING else "unavailable")
    if checks["database"]["ok"]:
        checks["mail"] = _cached("mail", check_mail)  # reported, not judged: see the docstring
    return {"status": status, "version": version(), "time": timezone.now().isoformat(), "checks": checks}
