"""A Redis cache that keeps answering from process memory while Redis is unreachable.

Rate-limit counters live here. When Redis is down the limits must neither turn off nor turn
into 500s, so every call falls back to a per-process in-memory cache (the limits then hold per
worker process instead of across all of them) and Redis is tried again a few seconds later.
A warning is logged at most once a minute while this lasts.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field

import redis.exceptions
from django.core.cache.backends.locmem import LocMemCache
from django.core.cache.backends.redis import RedisCache, RedisCacheClient

logger = logging.getLogger(__name__)

REDIS_ERRORS = (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError, OSError)
RETRY_AFTER_SECONDS = 5.0
WARNING_INTERVAL_SECONDS = 60.0

_FALLBACK_METHODS = (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "decr",
    "set_many",
    "delete_many",
    "clear",
)


class _ReusedClient(RedisCacheClient):
    """Django's client makes a new `redis.Redis` (and its table of ~200 response callbacks) for
    every call; one per connection pool is enough, as `redis.Redis` is thread-safe."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


@dataclass
class _Outage:
    """Per process and Redis location: Django makes one cache object per thread, but the
    retry pause and the once-a-minute warning are about the process."""

    redis_down_until: float = 0.0
    last_warning: float = -WARNING_INTERVAL_SECONDS
    lock: threading.Lock = field(default_factory=threading.Lock)


_outages: dict[str, _Outage] = {}
_outages_lock = threading.Lock()


def _outage_for(location: str) -> _Outage:
    with _outages_lock:
        return _outages.setdefault(location, _Outage())


class FallbackRedisCache(RedisCache):
    """Django's RedisCache; an empty LOCATION means memory only (development without Redis)."""

    def __init__(self, server, params):
        self._memory_only = not server
        super().__init__(server or "redis://unused", params)
        # LocMemCache instances with the same name share one store: one per process.
        self._memory = LocMemCache(
            "security-fallback",
            {"TIMEOUT": params.get("TIMEOUT", 300), "OPTIONS": {"MAX_ENTRIES": 100_000}},
        )
        self._outage = _outage_for(str(server))
        self._class = _ReusedClient

    def count(self, key: str, delta: int, timeout: int) -> int:
        """Add `delta` (0 or 1) to the counter `key`, which starts at 0 and lives `timeout`
        seconds from its first use; the new value. One round trip to Redis (a MULTI of SET NX
        and INCRBY) instead of the add, exists and incr of Django's cache API."""
        if not self.using_fallback:
            stored = self.make_and_validate_key(key)
            try:
                pipeline = self._cache.get_client(stored, write=True).pipeline(transaction=True)
                pipeline.set(stored, 0, ex=timeout, nx=True)
                pipeline.incrby(stored, delta)
                return int(pipeline.execute()[1])
            except REDIS_ERRORS as error:
                self._redis_failed(error)
        memory = self._memory
        if memory.add(key, delta, timeout):
            return delta
        try:
            return memory.incr(key, delta) if delta else int(memory.get(key, 0))
        except ValueError:  # expired between add and incr: a new window
            memory.add(key, delta, timeout)
            return delta

    @property
    def using_fallback(self) -> bool:
        return self._memory_only or time.monotonic() < self._outage.redis_down_until

    def _redis_failed(self, error: Exception) -> None:
        now = time.monotonic()
        outage = self._outage
        with outage.lock:
            outage.redis_down_until = now + RETRY_AFTER_SECONDS
            warn = now - outage.last_warning >= WARNING_INTERVAL_SECONDS
            if warn:
                outage.last_warning = now
        if warn:
            logger.warning(
                "Redis is unreachable (%s); rate limits count in this process's memory until "
                "it answers again",
                type(error).__name__,
            )


def _with_fallback(name: str):
    redis_method = getattr(RedisCache, name)

    def method(self, *args, **kwargs):
        if self.using_fallback:
            return getattr(self._memory, name)(*args, **kwargs)
        try:
            return redis_method(self, *args, **kwargs)
        except REDIS_ERRORS as error:
            self._redis_failed(error)
            return getattr(self._memory, name)(*args, **kwargs)

    method.__name__ = name
    method.__doc__ = redis_method.__doc__
    return method


for _name in _FALLBACK_METHODS:
    setattr(FallbackRedisCache, _name, _with_fallback(_name))
