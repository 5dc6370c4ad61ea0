"""Load for the fault suite, run as a subprocess against the suite's own PostgreSQL.

    python -m tests.faults.driver HANDLE COUNT [PAUSE]

makes host HANDLE and COUNT bookings (each announces two emails), one every PAUSE seconds,
riding out a database that goes away: an attempt that fails on the connection is tried again,
as a guest would press the button again. Prints, as JSON, the number of bookings it saw
succeed and their median and slowest time in seconds (publishing to a dead broker must not
slow them).
"""

from __future__ import annotations

import datetime as dt
import json
import statistics
import sys
import time

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import DatabaseError, close_old_connections, connection  # noqa: E402

from bookings.models import EventType  # noqa: E402
from bookings.services import BookingError, create_booking  # noqa: E402


def retrying(action):
    while True:
        try:
            return action()
        except DatabaseError:
            connection.close()
            time.sleep(0.2)
        finally:
            close_old_connections()


def main(handle: str, count: int, pause: float) -> None:
    host = retrying(
        lambda: get_user_model().objects.create_user(
            f"{handle}@example.com",
            "pw-for-tests-123",
            handle=handle,
            display_name=handle,
            timezone="UTC",
        )
    )
    event_type = retrying(
        lambda: EventType.objects.create(
            host=host,
            slug="call",
            title="Call",
            duration_minutes=30,
            slot_interval_minutes=30,
            booking_window_days=365,
            remind_24h=False,
            remind_1h=False,
        )
    )
    first = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    first += dt.timedelta(days=2)
    made = 0
    durations: list[float] = []
    for index in range(count):
        start = first + dt.timedelta(minutes=30 * index)

        def book(start=start, index=index):
            return create_booking(
                event_type=event_type,
                start=start,
                guest_name=f"Guest {index}",
                guest_email=f"guest{index}@example.com",
                guest_timezone="UTC",
                by_host=True,
            )

        began = time.monotonic()
        try:
            retrying(book)
            made += 1
            durations.append(time.monotonic() - began)
        except BookingError:
            pass  # committed by an attempt whose answer was lost; the database has it
        time.sleep(pause)
    median = statistics.median(durations) if durations else 0.0
    print(json.dumps({"made": made, "median": median, "slowest": max(durations, default=0.0)}))


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), float(sys.argv[3]) if len(sys.argv) > 3 else 0.0)
