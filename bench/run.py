"""Benchmarks of the booking hot paths on PostgreSQL: slot listing and booking creation.

Run with `make bench` (starts a throwaway PostgreSQL like `make test`). Creates its own test
database, fills one host with N bookings for several N, and reports medians over repeated runs
and the ratio to the smallest N, plus the queries each operation issued.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.runner import DiscoverRunner  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402
from django.utils import timezone  # noqa: E402

from availability.loader import find_slots  # noqa: E402
from bookings.models import Booking, BookingStatus, EventType  # noqa: E402
from tests.conftest import make_event_type, make_host  # noqa: E402

SIZES = [0, 100, 1000, 5000]
REPEATS = 15


def fill(event_type: EventType, count: int) -> None:
    """`count` confirmed 30-minute bookings spread over the host's working hours from today."""
    zone = event_type.host.zone
    day = timezone.now().astimezone(zone).date() + dt.timedelta(days=1)
    bookings = []
    while len(bookings) < count:
        if day.weekday() < 5:
            for index in range(16):
                if len(bookings) == count:
                    break
                start = dt.datetime.combine(day, dt.time(9), tzinfo=zone) + dt.timedelta(
                    minutes=30 * index
                )
                bookings.append(
                    Booking(
                        event_type=event_type,
                        host=event_type.host,
                        start=start,
                        end=start + event_type.duration,
                        guest_name="Bench",
                        guest_email="b@example.com",
                        guest_timezone="UTC",
                        status=BookingStatus.CONFIRMED,
                        seat_group=f"bench:{len(bookings)}",
                    )
                )
        day += dt.timedelta(days=1)
    Booking.objects.bulk_create(bookings, batch_size=1000)


def median_ms(action) -> tuple[float, int]:
    timings = []
    queries = 0
    for _ in range(REPEATS):
        with CaptureQueriesContext(connection) as captured:
            started = time.perf_counter()
            action()
            timings.append((time.perf_counter() - started) * 1000)
        queries = len(captured.captured_queries)
    return statistics.median(timings), queries


def main() -> None:
    setup_test_environment()
    runner = DiscoverRunner(verbosity=0)
    databases = runner.setup_databases()
    try:
        client = Client()
        rows = []
        for size in SIZES:
            host = make_host(f"bench{size}@example.com", f"bench{size}", "America/New_York")
            event_type = make_event_type(host, "intro")
            fill(event_type, size)
            event_type = EventType.objects.select_related("host").get(pk=event_type.pk)
            today = timezone.now().astimezone(host.zone).date()
            month = (today, today + dt.timedelta(days=30))
            engine = median_ms(lambda: find_slots(event_type, *month, host.zone))  # noqa: B023
            api = median_ms(
                lambda: client.get(  # noqa: B023
                    f"/api/v1/bench{size}/intro/slots",  # noqa: B023
                    {"start": month[0].isoformat(), "end": month[1].isoformat()},  # noqa: B023
                )
            )
            page = median_ms(lambda: client.get(f"/bench{size}/intro/?tz=Europe/London"))  # noqa: B023
            rows.append((size, engine, api, page))
        base = rows[0]
        print(f"PostgreSQL {connection.pg_version}, medians of {REPEATS} runs, 31 days of slots")
        print(
            f"{'bookings':>8} | {'find_slots ms':>13} {'q':>2} | {'API slots ms':>12} {'q':>2} | "
            f"{'event page ms':>13} {'q':>2} | ratio to {SIZES[0]} (engine, API, page)"
        )
        for size, engine, api, page in rows:
            ratios = ", ".join(
                f"{now[0] / then[0]:.2f}"
                for now, then in zip((engine, api, page), base[1:], strict=True)
            )
            print(
                f"{size:>8} | {engine[0]:>13.2f} {engine[1]:>2} | {api[0]:>12.2f} {api[1]:>2} | "
                f"{page[0]:>13.2f} {page[1]:>2} | {ratios}"
            )
    finally:
        runner.teardown_databases(databases)


if __name__ == "__main__":
    main()
