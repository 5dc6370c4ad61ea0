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
from django.core.cache.backends.redis import RedisCache

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
