"""What one booking costs the database: a fixed list of queries, whatever the host's history.

Each query is named below, so that a new one is a decision and not an accident; bench/ measures
the time (`make bench`, booking POST). Under the test's own transaction BEGIN and COMMIT are a
SAVEPOINT and its RELEASE. A host with a connected calendar costs the live check's queries
besides (tests/calendars/test_live_check.py: the API still asks that calendar).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from bookings.models import Booking, BookingStatus
from tests.conftest import at

pytestmark = pytest.mark.django_db

BOOKINGS = "/api/v1/alice/intro/bookings"

A_GUEST_BOOKING = [
    "the event type and its host, and whether the host connected a calendar",
    "the event type's questions (for the fields the body may carry and the form)",
    "BEGIN",
    "the host's row lock, taken by the query that reads the event type afresh",
    "the slot check: hours, overrides, bookings and busy blocks around the start",
    "the booking (the exclusion constraint vetoes an overlap)",
    "its history event",
    "the host's day marked for the analytics rollup",
    "both emails, in one INSERT",
    "both reminders, in one INSERT",
    # (no calendar query: the first query already said the host has no active connection)
    "COMMIT",
]


def _history(event_type, count: int) -> None:
    """`count` past meetings, confirmed, as most hosts leave them."""
    first = at("2025-03-03 09:00")
    Booking.objects.bulk_create(
        Booking(
            event_type=event_type,
            host=event_type.host,
            start=first + dt.timedelta(hours=number),
            end=first + dt.timedelta(hours=number, minutes=30),
            guest_name=f"Guest {number}",
            guest_email=f"guest{number}@example.com",
            guest_timezone="UTC",
            status=BookingStatus.CONFIRMED,
            seat_group=f"solo:past:{number}",
        )
        for number in range(count)
    )


@pytest.mark.parametrize("past_bookings", [0, 400])
def test_a_booking_through_the_api_costs_a_fixed_list_of_queries(
    client, frozen_now, intro, past_bookings
):
    _history(intro, past_bookings)
    body = {
        "start": at("2026-03-02 10:00").isoformat(),
        "name": "Gina Guest",
        "email": "gina@example.com",
        "timezone": "Europe/London",
    }
    with CaptureQueriesContext(connection) as captured:
        response = client.post(BOOKINGS, json.dumps(body), content_type="application/json")
    assert response.status_code == 201, response.content
    statements = [query["sql"] for query in captured.captured_queries]
    assert len(statements) == len(A_GUEST_BOOKING), "\n\n".join(statements)
    assert statements[2].startswith("SAVEPOINT") and statements[-1].startswith("RELEASE")
    assert 'FOR UPDATE OF "accounts_user"' in statements[3]
    assert Booking.objects.count() == past_bookings + 1
