"""With Redis unreachable the limits keep holding from process memory: no 500, a warning at
most once a minute, and Redis is used again when it answers."""

from __future__ import annotations

import logging
import subprocess
import time

import pytest
from django.core.cache import caches
from django.urls import reverse

from security import cache as fallback_cache
from security.cache import FallbackRedisCache
from tests.conftest import at

pytestmark = pytest.mark.django_db


def dead_redis_url() -> str:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"redis://127.0.0.1:{port}/0"  # nothing listens there


@pytest.fixture
def redis_down(settings):
    """Point the rate-limit cache at a port where no Redis answers."""
    settings.CACHES = {
        **settings.CACHES,
        "ratelimit": {**settings.CACHES["ratelimit"], "LOCATION": dead_redis_url()},
    }
    # (pytest-django's settings fixture makes Django drop its cache connections.)
    yield caches["ratelimit"]
    try:
        del caches._connections.__dict__["ratelimit"]
    except (AttributeError, KeyError):
        pass


def test_limits_hold_without_redis_and_nothing_fails(
    client, intro, frozen_now, settings, redis_down
):
    settings.RATELIMITS = {**settings.RATELIMITS, "booking-per-ip": "2/h"}
    url = reverse("api-booking-create", args=["alice", "intro"])
    statuses = []
    for hour in (9, 10, 11, 12):
        body = {
            "start": at(f"2026-03-02 {hour:02d}:00").isoformat(),
            "name": "Gina",
            "email": f"g{hour}@example.com",
            "timezone": "UTC",
        }
        statuses.append(client.post(url, body, content_type="application/json").status_code)
    assert statuses == [201, 201, 429, 429]
    assert redis_down.using_fallback


def test_the_warning_is_logged_at_most_once_a_minute(caplog, monkeypatch, redis_down):
    clock = [1000.0]
    monkeypatch.setattr(fallback_cache.time, "monotonic", lambda: clock[0])
    redis_down._outage.redis_down_until = 0.0
    redis_down._outage.last_warning = -1e9
    with caplog.at_level(logging.WARNING, logger="security.cache"):
        for step in range(12):  # two minutes in 10-second steps, Redis retried every 5 s
            clock[0] += 10
            redis_down.add(f"k{step}", 1, 60)
    warnings = [r for r in caplog.records if "Redis is unreachable" in r.getMessage()]
    assert len(warnings) == 2


def test_threads_share_one_outage_state_per_process(redis_down):
    import threading

    others = []
    thread = threading.Thread(target=lambda: others.append(caches["ratelimit"]))
    thread.start()
    thread.join()
    assert others[0] is not redis_down  # Django gives each thread its own cache object
    assert others[0]._outage is redis_down._outage
    assert others[0]._memory._cache is redis_down._memory._cache


def test_redis_is_used_again_when_it_answers(monkeypatch):
    from django.conf import settings

    # Database 1 of the test Redis: an outage state of its own, not the suite's cache's.
    location = settings.REDIS_URL.rsplit("/", 1)[0] + "/1"
    cache = FallbackRedisCache(location, {"OPTIONS": {"socket_connect_timeout": 0.3}})
    clock = [1000.0]
    monkeypatch.setattr(fallback_cache.time, "monotonic", lambda: clock[0])
    cache._redis_failed(ConnectionError("simulated"))
    assert cache.using_fallback
    clock[0] += fallback_cache.RETRY_AFTER_SECONDS + 1
    assert not cache.using_fallback
    key = f"probe-{time.time_ns()}"
    assert cache.add(key, 1, 30) is True
    assert cache.incr(key) == 2
    cache.delete(key)


def test_a_real_redis_stopped_midway(tmp_path, settings, client, intro, frozen_now):
    """Start our own Redis, count against it, stop it: the limits go on from memory."""
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
        ],
        stdout=subprocess.DEVNULL,
        cwd=tmp_path,
    )
    try:
        for _ in range(50):
            if subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout:
                break
            time.sleep(0.1)
        settings.CACHES = {
            **settings.CACHES,
            "ratelimit": {
                **settings.CACHES["ratelimit"],
                "LOCATION": f"redis://127.0.0.1:{port}/0",
            },
        }
        caches._connections.__dict__.pop("ratelimit", None)
        settings.RATELIMITS = {**settings.RATELIMITS, "slots-per-ip": "3/m"}
        url = reverse("api-slots", args=["alice", "intro"])
        assert client.get(url).status_code == 200
        assert not caches["ratelimit"].using_fallback
        server.terminate()
        server.wait(10)
        statuses = [client.get(url).status_code for _ in range(4)]
        assert 500 not in statuses
        assert statuses.count(429) >= 1  # the in-memory window holds the line
        assert caches["ratelimit"].using_fallback
    finally:
        if server.poll() is None:
            server.kill()
        caches._connections.__dict__.pop("ratelimit", None)
