"""Slotbook's side of the benchmark, run by bench/run.py in the project's virtualenv.

    python bench/slotbook_side.py seed      # hosts empty, fresh and aged (see bench/scenario.py)
    python bench/slotbook_side.py queries   # SQL queries per request, as JSON on stdout

DATABASE_URL names the benchmark database; `manage.py migrate` has run on it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

import scenario  # noqa: E402
from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402
from django.utils import timezone  # noqa: E402

from availability.models import BusyBlock, BusySource, WeeklyRule  # noqa: E402
from bookings.models import Booking, BookingStatus, EventType  # noqa: E402

ZONE = ZoneInfo(scenario.ZONE)
HOSTS = {"empty": (False, False), "fresh": (True, False), "aged": (True, True)}


def _instant(day: dt.date, wall: dt.time) -> dt.datetime:
    return dt.datetime.combine(day, wall, tzinfo=ZONE).astimezone(dt.UTC)


def _bookings(event_type, meetings, status) -> list[Booking]:
    rows = []
    for number, (day, wall) in enumerate(meetings):
        start = _instant(day, wall)
        rows.append(
            Booking(
                event_type=event_type,
                host=event_type.host,
                start=start,
                end=start + dt.timedelta(minutes=scenario.SLOT_MINUTES),
                guest_name=f"Guest {number}",
                guest_email=f"guest{number}@example.com",
                guest_timezone=scenario.ZONE,
                status=status,
                seat_group=f"solo:{status}:{number}",
            )
        )
    return rows


def seed() -> None:
    today = timezone.now().astimezone(ZONE).date()
    for handle, (busy, history) in HOSTS.items():
        host = get_user_model().objects.create_user(
            f"{handle}@example.com",
            "bench-password-123",
            handle=handle,
            display_name=handle.title(),
            timezone=scenario.ZONE,
        )
        WeeklyRule.objects.bulk_create(
            WeeklyRule(host=host, weekday=day, start_time=scenario.OPEN, end_time=scenario.CLOSE)
            for day in range(5)
        )
        event_type = EventType.objects.create(
            host=host,
            slug="intro",
            title="Intro call",
            duration_minutes=scenario.SLOT_MINUTES,
            slot_interval_minutes=scenario.SLOT_MINUTES,
            booking_window_days=scenario.HORIZON_DAYS + 35,
        )
        if busy:
            Booking.objects.bulk_create(
                _bookings(event_type, scenario.future_bookings(today), BookingStatus.CONFIRMED),
                batch_size=2000,
            )
            BusyBlock.objects.bulk_create(
                BusyBlock(
                    host=host,
                    start=_instant(day, wall),
                    end=_instant(day, wall) + dt.timedelta(minutes=scenario.BLOCK_MINUTES),
                    source=BusySource.GOOGLE,
                    external_id=f"event-{number}",
                    reason="Calendar",
                )
                for number, (day, wall) in enumerate(scenario.busy_blocks(today))
            )
        if history:
            # Past meetings left confirmed, as most hosts leave them: the worst case for a
            # loader that filters on active statuses.
            Booking.objects.bulk_create(
                _bookings(event_type, scenario.past_bookings(today), BookingStatus.CONFIRMED),
                batch_size=2000,
            )
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


def queries() -> None:
    """How many SQL queries each measured request issues, per host."""
    client = Client()
    today = timezone.now().astimezone(ZONE).date()
    counts = {}
    for handle in HOSTS:
        targets = {
            "api31": (
                f"/api/v1/{handle}/intro/slots",
                {"start": today.isoformat(), "end": (today + dt.timedelta(days=30)).isoformat()},
            ),
            "api62": (
                f"/api/v1/{handle}/intro/slots",
                {"start": today.isoformat(), "end": (today + dt.timedelta(days=61)).isoformat()},
            ),
            "page": (f"/{handle}/intro/", {"tz": scenario.ZONE}),
        }
        targets["api31 changed"] = targets["api31"]
        for name, (path, params) in targets.items():
            client.get(path, params)  # warm: first-request work is not per-request cost
            if name.endswith("changed"):  # the first request after a change: nothing reused
                with connection.cursor() as cursor:
                    cursor.execute(scenario.RESTAMP, [handle])
            with CaptureQueriesContext(connection) as captured:
                response = client.get(path, params)
            assert response.status_code == 200, (path, response.status_code)
            counts[f"{handle}:{name}"] = len(captured.captured_queries)
    json.dump(counts, sys.stdout)


if __name__ == "__main__":
    {"seed": seed, "queries": queries}[sys.argv[1]]()
