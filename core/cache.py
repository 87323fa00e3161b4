"""The cache behind allauth's rate limits and visitors' sessions: Redis, degrading to a
per-process local-memory cache while Redis cannot be reached.

``REDIS_URL`` set: every call goes to Redis, with short socket timeouts (``REDIS_TIMEOUT_SECONDS``,
default 0.5) so a dead or frozen Redis costs a request half a second at most. When a call fails
(refused, timed out, any Redis error) the process marks Redis down, logs one warning, and
serves that call and the following ones from local memory. While it is down, one call at a time
tries Redis again after a backoff (1 s, doubling, at most ``REDIS_RETRY_MAX_SECONDS``, default
10), so a dead Redis is not hammered; the first that succeeds logs one line and every call uses
Redis again: no restart needed.

What is weaker while it is down: each web process counts rate limits on its own (with N
processes a client gets up to N times the limit), and a visitor's not-yet-signed-in session
(a flash message, a half-finished sign-up step) lives in the process that made it, so a
request served by another process does not see it. Sign-in, sign-up and the studio keep
working; signed-in sessions are in the database and are not affected. What was written to local
memory stays there when Redis returns (Redis does not get it back).
"""

from __future__ import annotations

import logging
import threading
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import RedisError

from core.unavailable import one_line

logger = logging.getLogger(__name__)

FAILURES = (RedisError, OSError)
FALLBACK_MAX_ENTRIES = 10_000


class _Availability:
    """Whether Redis at one address answers, shared by every thread of the process (Django makes
    a cache object per thread)."""

    def __init__(self, location: str, *, first: float, cap: float):
        self.location = location
        self.first, self.cap = first, cap
        self.lock = threading.Lock()
        self.down_since: float | None = None  # time.time() of the first failure, while down
        self.retry_at = 0.0  # monotonic: before this, do not ask Redis
        self.failures = 0

    def _delay(self) -> float:
        return min(self.cap, self.first * 2 ** min(self.failures - 1, 16))

    def should_try(self) -> bool:
        if self.down_since is None:
            return True
        with self.lock:
            if self.down_since is None:
                return True
            now = time.monotonic()
            if now < self.retry_at:
                return False
            # This caller probes; the others stay on local memory until it has an answer.
            self.retry_at = now + self._delay()
            return True

    def failed(self, exc: BaseException) -> None:
        with self.lock:
            if self.down_since is None:
                self.down_since, self.failures = time.time(), 1
                logger.warning("Cache: Redis does not answer (%s); using a per-process local-memory cache "
                               "until it does (rate limits count per process meanwhile).", one_line(exc))
            else:
                self.failures += 1
            self.retry_at = time.monotonic() + self._delay()

    def succeeded(self) -> None:
        if self.down_since is None:
            return
        with self.lock:
            if self.down_since is not None:
                logger.warning("Cache: Redis answers again after %.1f s; using it again.", time.time() - self.down_since)
                self.down_since, self.failures, self.retry_at = None, 0, 0.0


_availability: dict[str, _Availability] = {}
_availability_lock = threading.Lock()


def _availability_for(location: str, *, first: float, cap: float) -> _Availability:
    with _availability_lock:
        if location not in _availability:
            _availability[location] = _Availability(location, first=first, cap=cap)
        return _availability[location]


class RedisWithFallbackCache(BaseCache):
    """Django's RedisCache, falling back to LocMemCache while Redis does not answer (see the
    module's docstring). OPTIONS: redis-py's pool options (``socket_connect_timeout`` and
    ``socket_timeout`` default to 0.5 s), plus ``RETRY_FIRST_SECONDS`` (1) and
    ``RETRY_MAX_SECONDS`` (10) for the backoff between attempts while it is down."""

    def __init__(self, server, params):
        super().__init__(params)
        options = dict(params.get("OPTIONS") or {})
        first = float(options.pop("RETRY_FIRST_SECONDS", 1.0))
        cap = float(options.pop("RETRY_MAX_SECONDS", 10.0))
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 0.5)
        self._redis = RedisCache(server, {**params, "OPTIONS": options})
        location = server if isinstance(server, str) else ",".join(server)
        # LocMemCache keeps its entries per name at module level: one store per process.
        self._local = LocMemCache(f"redis-fallback:{location}",
                                  {**params, "OPTIONS": {"MAX_ENTRIES": FALLBACK_MAX_ENTRIES}})
        self._availability = _availability_for(location, first=first, cap=cap)

    # -- state, for /healthz --------------------------------------------------------------

    @property
    def redis_available(self) -> bool:
        return self._availability.down_since is None

    @property
    def down_since(self) -> float | None:
        return self._availability.down_since

    def check(self) -> bool:
        """Ask Redis (unless it is down and not due for another try); whether it answers."""
        self.has_key("healthz:cache-probe")
        return self.redis_available

    # -- every call goes through here -----------------------------------------------------

    def _call(self, method: str, *args, **kwargs):
        if self._availability.should_try():
            try:
                result = getattr(self._redis, method)(*args, **kwargs)
            except FAILURES as exc:
                self._availability.failed(exc)
            else:
                self._availability.succeeded()
                return result
        return getattr(self._local, method)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout, version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default, version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout, version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout, version)

    def delete(self, key, version=None):
        return self._call("delete", key, version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout, version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta, version)

    def decr(self, key, delta=1, version=None):
        return self._call("decr", key, delta, version)

    def clear(self):
        self._local.clear()
        return self._call("clear")

    def close(self, **kwargs):
        try:
            self._redis.close(**kwargs)
        except FAILURES:
            pass
