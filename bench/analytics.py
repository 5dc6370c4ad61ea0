"""Benchmark of the analytics reads and rollups at size: one host with 100,000 bookings over
two years and their history, against a host with 100.

Run with `make bench-analytics` (a throwaway
PostgreSQL like `make test`). It creates its own test database, fills it with bulk inserts
(bookings, history events, page-view counters), rebuilds the daily rows with the real rollup,
then measures:

- rollup of one day (the busiest) with `analytics.rollup.rollup_day`, in process;
- the dashboard page `/dashboard/analytics/?period=90d` and `GET /api/v1/analytics?period=90d`
  over HTTP through gunicorn (2 sync workers, DEBUG off), logged in / with a bearer token;
- the SQL queries each of those requests issues, counted in process with Django's test client.

Both event types are seated group sessions on a 30-minute grid sharing one seat group per
start, so that 100,000 bookings fit the database's no-overlap constraint.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import random
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.runner import DiscoverRunner  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from accounts.api_tokens import issue_api_token  # noqa: E402
from analytics import rollup  # noqa: E402
from analytics.models import BookingEvent, DailyStats, PageViewCount  # noqa: E402
from bookings.models import Booking, BookingStatus  # noqa: E402
from tests.conftest import make_event_type, make_host  # noqa: E402

BIG = 100_000
SMALL = 100
DAYS = 730
HTTP_REQUESTS = 60
WARMUP = 5
ROLLUP_REPEATS = 15
CPU_REQUESTS = 30


def fill(host, count: int, seed: int) -> None:
    """`count` bookings made over the last two years with their whole history."""
    rng = random.Random(seed)
    types = [
        make_event_type(host, "group", seats=1000, requires_confirmation=False),
        make_event_type(host, "class", seats=1000, requires_confirmation=True),
    ]
    now = timezone.now().replace(second=0, microsecond=0)
    first = now - dt.timedelta(days=DAYS)
    bookings, plans = [], []
    for index in range(count):
        event_type = types[index % 2]
        created = first + dt.timedelta(seconds=rng.uniform(0, DAYS * 86400))
        lead = dt.timedelta(hours=min(rng.expovariate(1 / 120), 60 * 24))
        start = created + lead + dt.timedelta(hours=1)
        start = start.replace(minute=30 if start.minute >= 30 else 0, second=0, microsecond=0)
        roll = rng.random()
        moved = rng.random() < 0.06 and start - created > dt.timedelta(hours=6)
        original = start - dt.timedelta(days=1) if moved else start
        if start < now:
            if event_type.requires_confirmation and roll < 0.04:
                status = BookingStatus.DECLINED
            elif roll < 0.14:
                status = BookingStatus.CANCELLED
            elif roll < 0.21:
                status = BookingStatus.NO_SHOW
            else:
                status = BookingStatus.COMPLETED
        else:
            status = BookingStatus.CANCELLED if roll < 0.15 else BookingStatus.CONFIRMED
        bookings.append(
            Booking(
                event_type=event_type,
                host=host,
                start=start,
                end=start + event_type.duration,
                guest_name=f"Guest {index}",
                guest_email=f"g{index}@example.com",
                guest_timezone="Europe/London",
                status=status,
                cancelled_by="guest" if status == BookingStatus.CANCELLED else "",
                # One group per start across both types: the bench's stand-in for a host whose
                # sessions share a room; the no-overlap constraint still holds.
                seat_group=f"bench:{start.isoformat()}",
                created_at=created,
            )
        )
        plans.append((created, original, moved, status))
    Booking.objects.bulk_create(bookings, batch_size=5000)
    events = []
    for booking, (created, original, moved, status) in zip(bookings, plans, strict=True):
        confirmed_at_once = not booking.event_type.requires_confirmation

        def event(kind, actor, at, start=None, booking=booking, **details):
            return BookingEvent(
                booking=booking,
                host=host,
                event_type_id=booking.event_type_id,
                kind=kind,
                actor=actor,
                at=at,
                start=start or booking.start,
                details=details,
            )

        status_then = "confirmed" if confirmed_at_once else "pending"
        events.append(event("created", "guest", created, original, status=status_then))
        halfway = created + (booking.start - created) / 2
        if not confirmed_at_once and status != BookingStatus.DECLINED:
            events.append(event("confirmed", "host", created + dt.timedelta(minutes=30)))
        if moved:
            events.append(event("rescheduled", "guest", halfway, from_start=original.isoformat()))
        if status == BookingStatus.CANCELLED:
            events.append(event("cancelled", "guest", halfway + dt.timedelta(minutes=5)))
        elif status == BookingStatus.DECLINED:
            events.append(event("declined", "host", created + dt.timedelta(minutes=30)))
        elif status in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW):
            events.append(event(status, "host", booking.end + dt.timedelta(minutes=10)))
    BookingEvent.objects.bulk_create(events, batch_size=10000)
    today = now.astimezone(host.zone).date()
    PageViewCount.objects.bulk_create(
        PageViewCount(
            host=host,
            event_type=event_type,
            date=today - dt.timedelta(days=offset),
            views=rng.randint(20, 400) if count > SMALL else rng.randint(0, 5),
        )
        for offset in range(DAYS)
        for event_type in types
    )


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_gunicorn(database_name: str) -> tuple[subprocess.Popen, int]:
    port = free_port()
    database = settings.DATABASES["default"]
    url = f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/{database_name}"
    # DJANGO_ENV=test: DEBUG off (no query log) without the production-only requirements.
    environment = {**os.environ, "DATABASE_URL": url, "DJANGO_ENV": "test"}
    environment.pop("DEBUG", None)
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/gunicorn"),
            "config.wsgi",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            "2",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment,
    )
    for _ in range(100):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return server, port
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("gunicorn did not start")


def time_http(port: int, path: str, headers: dict) -> tuple[float, float, int]:
    """(median ms, p95 ms, status) of HTTP_REQUESTS GETs on one kept-alive connection each."""
    timings = []
    status = 0
    for index in range(WARMUP + HTTP_REQUESTS):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        conn.request("GET", path, headers={"Host": "127.0.0.1", **headers})
        response = conn.getresponse()
        response.read()
        elapsed = (time.perf_counter() - started) * 1000
        status = response.status
        conn.close()
        if index >= WARMUP:
            timings.append(elapsed)
    return statistics.median(timings), percentile(timings, 0.95), status


def backend_cpu_seconds(backend_pid: int) -> float:
    """User + system CPU of one PostgreSQL backend, from /proc (the bench runs on the host)."""
    fields = Path(f"/proc/{backend_pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_per_request(client: Client, path: str, **headers) -> tuple[float, float]:
    """(Django CPU ms, PostgreSQL CPU ms) per request, mean over CPU_REQUESTS
    in-process requests: CPU time hardly depends on what else the machine runs."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend = cursor.fetchone()[0]
    for _ in range(WARMUP):
        client.get(path, **headers)
    django_before, db_before = time.process_time(), backend_cpu_seconds(backend)
    for _ in range(CPU_REQUESTS):
        client.get(path, **headers)
    django_cpu = (time.process_time() - django_before) * 1000 / CPU_REQUESTS
    db_cpu = (backend_cpu_seconds(backend) - db_before) * 1000 / CPU_REQUESTS
    return django_cpu, db_cpu


def count_queries(client: Client, path: str, **headers) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(path, **headers)
        assert response.status_code == 200, (path, response.status_code)
    return len(captured.captured_queries)


def main() -> None:
    setup_test_environment()
    runner = DiscoverRunner(verbosity=0)
    databases = runner.setup_databases()
    server = None
    try:
        hosts = {}
        for size, name in ((SMALL, "small"), (BIG, "big")):
            host = make_host(f"{name}@example.com", name, "America/New_York")
            started = time.perf_counter()
            fill(host, size, seed=size)
            filled = time.perf_counter() - started
            started = time.perf_counter()
            rows = rollup.rebuild_host(host)
            rebuilt = time.perf_counter() - started
            _, token = issue_api_token(host, "bench")
            client = Client()
            client.force_login(host)
            hosts[name] = {
                "host": host,
                "size": size,
                "events": BookingEvent.objects.filter(host=host).count(),
                "rows": rows,
                "filled": filled,
                "rebuilt": rebuilt,
                "token": token,
                "client": client,
            }
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

        big = hosts["big"]
        busiest = (
            DailyStats.objects.filter(host=big["host"])
            .order_by("-created")
            .values_list("date", "created")
            .first()
        )
        timings = []
        for _ in range(ROLLUP_REPEATS):
            started = time.perf_counter()
            rollup.rollup_day(big["host"], busiest[0])
            timings.append((time.perf_counter() - started) * 1000)
        with CaptureQueriesContext(connection) as captured:
            rollup.rollup_day(big["host"], busiest[0])
        rollup_figures = (
            statistics.median(timings),
            percentile(timings, 0.95),
            len(captured.captured_queries),
        )

        paths = {
            "page 90d": "/dashboard/analytics/?period=90d",
            "page 30d": "/dashboard/analytics/?period=30d",
            "API 90d": "/api/v1/analytics?period=90d",
        }
        queries, cpu = {}, {}
        for name, info in hosts.items():
            auth = {"HTTP_AUTHORIZATION": f"Bearer {info['token']}"}
            for label, path in paths.items():
                extra = auth if label.startswith("API") else {}
                queries[(name, label)] = count_queries(info["client"], path, **extra)
                cpu[(name, label)] = cpu_per_request(info["client"], path, **extra)

        server, port = start_gunicorn(connection.settings_dict["NAME"])
        results = {}
        for name, info in hosts.items():
            session = info["client"].cookies[settings.SESSION_COOKIE_NAME].value
            for label, path in paths.items():
                headers = (
                    {"Authorization": f"Bearer {info['token']}"}
                    if label.startswith("API")
                    else {"Cookie": f"{settings.SESSION_COOKIE_NAME}={session}"}
                )
                results[(name, label)] = time_http(port, path, headers)

        print(
            f"PostgreSQL {connection.pg_version}; {HTTP_REQUESTS} requests after {WARMUP} warm-up"
        )
        for name, info in hosts.items():
            print(
                f"{name}: {info['size']} bookings, {info['events']} history events; filled in "
                f"{info['filled']:.1f} s; full rebuild ({info['rows']} daily rows) "
                f"{info['rebuilt']:.2f} s"
            )
        print(
            f"rollup of the busiest day ({busiest[1]} bookings made): median "
            f"{rollup_figures[0]:.1f} ms, p95 {rollup_figures[1]:.1f} ms, "
            f"{rollup_figures[2]} queries"
        )
        print(
            f"{'request':<10} | {'host':<5} | {'median ms':>9} | {'p95 ms':>7} | {'q':>3} | "
            f"{'CPU ms app':>10} | {'CPU ms db':>9} | status"
        )
        for (name, label), (median, p95, status) in results.items():
            app_cpu, db_cpu = cpu[(name, label)]
            print(
                f"{label:<10} | {name:<5} | {median:>9.1f} | {p95:>7.1f} | "
                f"{queries[(name, label)]:>3} | {app_cpu:>10.1f} | {db_cpu:>9.1f} | {status}"
            )
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        runner.teardown_databases(databases)


if __name__ == "__main__":
    main()
