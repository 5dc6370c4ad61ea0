"""Benchmark: slots for 31 days with two connected calendars holding 5,000 synced events.

Run with `./scripts/with-test-services .venv/bin/python bench/calendars.py` (or
`make bench-calendars`). It creates a test database, gives one host a Google and a Microsoft
connection (the local fakes from tests/fakes, connected and synced through the real code and
client libraries) with 2,500 busy events each, and a second host with no connection. Then it
serves the app with gunicorn and times `GET /api/v1/<handle>/intro/slots` over HTTP for both
hosts (median and p95), counts the SQL queries of the same request in-process, and checks that
no request reached a provider while slots were listed.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
# The limits stay on (their Redis round trip is part of every slots request) but are raised so
# this one client may make every request of the run; gunicorn inherits the environment.
os.environ.setdefault("RATELIMIT_SLOTS_PER_IP", "100000/m")

import django  # noqa: E402

django.setup()

import requests  # noqa: E402
from django.conf import settings  # noqa: E402
from django.contrib.sessions.backends.db import SessionStore  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.runner import DiscoverRunner  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from availability.models import BusyBlock  # noqa: E402
from calendars import services  # noqa: E402
from config.celery import app as celery_app  # noqa: E402
from tests.conftest import make_event_type, make_host  # noqa: E402
from tests.fakes.google_server import FakeGoogle  # noqa: E402
from tests.fakes.microsoft_server import FakeMicrosoft  # noqa: E402

EVENTS_PER_CALENDAR = 2500
REPEATS = 40


def point_settings_at(google: FakeGoogle, microsoft: FakeMicrosoft) -> None:
    google.point_settings_here(settings)
    microsoft.point_settings_here(settings)


def seed(fake, calendar_id: str, zone, rng: random.Random) -> None:
    """Busy half-hours and hours at random working times over the next 60 days."""
    today = timezone.now().astimezone(zone).date()
    for index in range(EVENTS_PER_CALENDAR):
        day = today + dt.timedelta(days=rng.randrange(1, 60))
        start = dt.datetime.combine(day, dt.time(8), tzinfo=zone) + dt.timedelta(
            minutes=30 * rng.randrange(0, 20)
        )
        fake.add_timed(calendar_id, f"ev{index}", start, start + dt.timedelta(minutes=30))


def connect(host, name: str, fake) -> float:
    """The consent round trip and the first (full) sync; returns the seconds it took."""
    session = SessionStore()
    session.create()
    url = services.start_connect(host, name, session)
    callback = fake.approve(url)
    params = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(callback).query))
    started = time.perf_counter()
    services.finish_connect(host, name, params, session.session_key)  # syncs (eager Celery)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def database_url() -> str:
    db = settings.DATABASES["default"]
    user = urllib.parse.quote(db["USER"] or "")
    password = urllib.parse.quote(db["PASSWORD"] or "")
    host, port = db["HOST"] or "localhost", db["PORT"] or 5432
    return f"postgres://{user}:{password}@{host}:{port}/{db['NAME']}"


def time_http(session: requests.Session, url: str, params: dict) -> tuple[float, float]:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        response = session.get(url, params=params, timeout=30)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, response.text[:300]
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1]


def in_process(url: str, params: dict) -> tuple[float, int]:
    """Median ms through Django's test client (as bench/run.py measures) and the queries."""
    client = Client()
    client.get(url, params)
    timings = []
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            client.get(url, params)
            timings.append((time.perf_counter() - started) * 1000)
    return statistics.median(timings), len(captured.captured_queries)


def main() -> None:
    celery_app.conf.task_always_eager = True
    setup_test_environment()
    runner = DiscoverRunner(verbosity=0)
    databases = runner.setup_databases()
    google, microsoft = FakeGoogle().start(), FakeMicrosoft().start()
    server = None
    try:
        point_settings_at(google, microsoft)
        rng = random.Random(7)
        plain = make_host("plain@example.com", "plain", "America/New_York")
        make_event_type(plain, "intro")
        synced = make_host("synced@example.com", "synced", "America/New_York")
        make_event_type(synced, "intro")
        seed(google, google.account, synced.zone, rng)
        seed(microsoft, microsoft.primary, synced.zone, rng)
        google_seconds = connect(synced, "google", google)
        microsoft_seconds = connect(synced, "microsoft", microsoft)
        blocks = BusyBlock.objects.filter(host=synced).count()

        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": database_url(),
            "DJANGO_SETTINGS_MODULE": "config.settings",
        }
        server = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "gunicorn"),
                "config.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                "2",
                "--log-level",
                "warning",
            ],
            cwd=ROOT,
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        session = requests.Session()
        for _ in range(100):
            try:
                session.get(f"{base}/api/v1/plain/intro/slots", timeout=20)
                break
            except requests.RequestException:
                time.sleep(0.2)
        today = timezone.now().astimezone(synced.zone).date()
        params = {"start": today.isoformat(), "end": (today + dt.timedelta(days=30)).isoformat()}
        provider_calls = len(google.requests) + len(microsoft.requests)
        results = {}
        for handle in ("plain", "synced"):
            path = f"/api/v1/{handle}/intro/slots"
            time_http(session, f"{base}{path}", params)  # warm both workers
            results[handle] = (
                *time_http(session, f"{base}{path}", params),
                *in_process(path, params),
            )
        assert len(google.requests) + len(microsoft.requests) == provider_calls, "provider called"
        print(f"PostgreSQL {connection.pg_version}; gunicorn 2 workers; {REPEATS} requests each")
        print(
            f"first full sync: Google {EVENTS_PER_CALENDAR} events {google_seconds:.2f} s, "
            f"Microsoft {EVENTS_PER_CALENDAR} events {microsoft_seconds:.2f} s; "
            f"{blocks} busy blocks stored"
        )
        print(
            f"{'host':>28} | {'HTTP median ms':>14} | {'HTTP p95 ms':>11} | "
            f"{'in-process median ms':>20} | {'queries':>7}"
        )
        rows = (("no connections", "plain"), ("2 connections, 5,000 events", "synced"))
        for label, handle in rows:
            median, p95, local, queries = results[handle]
            print(f"{label:>28} | {median:>14.2f} | {p95:>11.2f} | {local:>20.2f} | {queries:>7}")
        http_ratio = results["synced"][0] / results["plain"][0]
        local_ratio = results["synced"][2] / results["plain"][2]
        in_month = BusyBlock.objects.filter(
            host=synced,
            start__lt=timezone.now() + dt.timedelta(days=31),
        ).count()
        print(
            f"ratios synced/plain: HTTP {http_ratio:.2f}, in-process {local_ratio:.2f}; "
            f"{in_month} blocks fall in the month shown; provider calls while listing: 0"
        )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        google.stop()
        microsoft.stop()
        runner.teardown_databases(databases)


if __name__ == "__main__":
    main()
