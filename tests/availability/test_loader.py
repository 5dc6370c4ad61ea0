"""The slot loader reads the span asked for, not the host's history (on PostgreSQL)."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from availability.loader import find_slots, load_slot_inputs
from availability.models import BusyBlock, BusySource
from bookings.models import Booking, BookingStatus, EventType
from tests.conftest import MONDAY, at, make_event_type

pytestmark = pytest.mark.django_db


def _fill(event_type, first_day: dt.date, days: int, status=BookingStatus.CONFIRMED) -> None:
    """Every 30 minutes of 09:00-17:00 booked, on `days` weekdays going on from first_day."""
    zone = event_type.host.zone
    rows, day = [], first_day
    while days:
        if day.weekday() < 5:
            for index in range(16):
                start = dt.datetime.combine(day, dt.time(9), tzinfo=zone) + dt.timedelta(
                    minutes=30 * index
                )
                rows.append(
                    Booking(
                        event_type=event_type,
                        host=event_type.host,
                        start=start,
                        end=start + dt.timedelta(minutes=30),
                        guest_name="Past",
                        guest_email="past@example.com",
                        guest_timezone="UTC",
                        status=status,
                        seat_group=f"solo:{day}:{index}",
                    )
                )
            days -= 1
        day += dt.timedelta(days=1)
    Booking.objects.bulk_create(rows, batch_size=2000)


def _fresh(event_type: EventType) -> EventType:
    return EventType.objects.select_related("host").get(pk=event_type.pk)


def _busy_query(event_type: EventType) -> str:
    with CaptureQueriesContext(connection) as captured:
        find_slots(event_type, MONDAY, MONDAY + dt.timedelta(days=30), event_type.host.zone)
    (sql,) = [query["sql"] for query in captured if "bookings_booking" in query["sql"]]
    return sql


def _plan_nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", []):
        yield from _plan_nodes(child)


def test_the_booking_query_walks_the_index_between_two_bounds_on_start(frozen_now, intro):
    # Three years of a full calendar behind the host, a few bookings ahead.
    _fill(intro, MONDAY - dt.timedelta(days=3 * 365), 750)
    _fill(intro, MONDAY + dt.timedelta(days=7), 2)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE bookings_booking")
        cursor.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {_busy_query(_fresh(intro))}")
        explained = cursor.fetchone()[0]  # psycopg already decodes the json column
        plan = (json.loads(explained) if isinstance(explained, str) else explained)[0]["Plan"]

    nodes = [node for node in _plan_nodes(plan) if node.get("Relation Name") == "bookings_booking"]
    assert [node["Index Name"] for node in nodes] == ["booking_host_active_start"]
    (scan,) = nodes
    assert "start >=" in scan["Index Cond"] and "start <" in scan["Index Cond"]
    # It reads the 32 bookings near the month, not the 12,000 behind it.
    assert scan["Actual Rows"] == 32


@pytest.mark.parametrize("past_days", [0, 300])
def test_finding_slots_costs_one_query_whatever_the_history(
    frozen_now, intro, django_assert_num_queries, past_days
):
    _fill(intro, MONDAY - dt.timedelta(days=600), past_days)
    event_type = _fresh(intro)
    with django_assert_num_queries(1):
        slots = find_slots(event_type, MONDAY, MONDAY + dt.timedelta(days=30), event_type.host.zone)
    weekdays = sum((MONDAY + dt.timedelta(days=n)).weekday() < 5 for n in range(31))
    assert len(slots) == weekdays * 16


@pytest.mark.parametrize("past_days", [0, 300])
def test_the_slots_api_costs_the_same_queries_whatever_the_history(
    frozen_now, intro, client, past_days
):
    _fill(intro, MONDAY - dt.timedelta(days=600), past_days)
    with CaptureQueriesContext(connection) as captured:
        response = client.get(
            "/api/v1/alice/intro/slots",
            {"start": MONDAY.isoformat(), "end": (MONDAY + dt.timedelta(days=30)).isoformat()},
        )
    assert response.status_code == 200
    assert len(captured) == 2  # the event type, then everything the engine needs


def test_a_booking_of_the_longest_duration_that_started_before_the_span_still_blocks(
    frozen_now, alice
):
    marathon = make_event_type(alice, "marathon", duration_minutes=12 * 60)
    intro = make_event_type(alice, "intro")
    # Sunday 22:00 to Monday 10:00 New York: twelve hours, ten of them before the span.
    Booking.objects.create(
        event_type=marathon,
        start=at("2026-03-01 22:00"),
        end=at("2026-03-02 10:00"),
        guest_name="Long",
        guest_email="long@example.com",
        guest_timezone="UTC",
        status=BookingStatus.CONFIRMED,
    )
    starts = {slot.start for slot in find_slots(_fresh(intro), MONDAY, MONDAY, alice.zone)}
    assert at("2026-03-02 09:30") not in starts
    assert at("2026-03-02 10:00") in starts


def test_the_database_refuses_a_booking_longer_than_the_loader_looks_back(frozen_now, intro):
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(
            event_type=intro,
            start=at("2026-03-01 21:00"),
            end=at("2026-03-02 09:01"),
            guest_name="Too long",
            guest_email="long@example.com",
            guest_timezone="UTC",
            status=BookingStatus.CONFIRMED,
        )


def test_the_reach_follows_the_hosts_largest_buffer_of_any_event_type(frozen_now, alice):
    intro = make_event_type(alice, "intro")
    retreat = make_event_type(alice, "retreat", duration_minutes=60, buffer_after_minutes=12 * 60)
    # Friday 20:00-21:00 with twelve hours after it: Saturday 09:00 New York is still held.
    alice.weekly_rules.create(weekday=5, start_time=dt.time(8), end_time=dt.time(10))
    Booking.objects.create(
        event_type=retreat,
        start=at("2026-03-06 20:00"),
        end=at("2026-03-06 21:00"),
        guest_name="Retreat",
        guest_email="retreat@example.com",
        guest_timezone="UTC",
        status=BookingStatus.CONFIRMED,
    )
    saturday = dt.date(2026, 3, 7)
    starts = {slot.start for slot in find_slots(_fresh(intro), saturday, saturday, alice.zone)}
    assert starts == {at("2026-03-07 09:00"), at("2026-03-07 09:30")}


def test_a_long_calendar_block_that_began_days_before_the_span_still_blocks(frozen_now, intro):
    BusyBlock.objects.create(
        host=intro.host,
        start=at("2026-02-25 00:00"),
        end=at("2026-03-02 12:00"),
        source=BusySource.GOOGLE,
        external_id="holiday",
    )
    starts = [slot.start for slot in find_slots(_fresh(intro), MONDAY, MONDAY, intro.host.zone)]
    assert starts[0] == at("2026-03-02 12:00")


def test_past_and_cancelled_bookings_do_not_block_and_both_paths_agree(frozen_now, intro):
    _fill(intro, MONDAY, 1, status=BookingStatus.CANCELLED)
    _fill(intro, MONDAY + dt.timedelta(days=1), 1)
    event_type = _fresh(intro)
    zone = event_type.host.zone
    fast = find_slots(event_type, MONDAY, MONDAY + dt.timedelta(days=1), zone, fast=True)
    portable = find_slots(event_type, MONDAY, MONDAY + dt.timedelta(days=1), zone, fast=False)
    assert fast == portable
    assert {slot.start.astimezone(zone).date() for slot in fast} == {MONDAY}
    assert all(slot.start.tzinfo is dt.UTC for slot in fast)


def test_blocks_that_overlap_or_touch_are_read_as_one_interval_and_slots_agree(frozen_now, intro):
    """Two calendars holding the same meeting, a meeting that overlaps it and one right after it
    cost one busy interval on PostgreSQL; a block a minute apart stays separate."""
    blocks = [
        ("google", "a", "2026-03-02 14:00", "2026-03-02 15:00"),
        ("microsoft", "a", "2026-03-02 14:00", "2026-03-02 15:00"),
        ("google", "b", "2026-03-02 14:30", "2026-03-02 15:30"),
        ("google", "c", "2026-03-02 15:30", "2026-03-02 16:00"),
        ("microsoft", "d", "2026-03-02 16:01", "2026-03-02 16:20"),
    ]
    BusyBlock.objects.bulk_create(
        BusyBlock(host=intro.host, start=at(start), end=at(end), source=source, external_id=uid)
        for source, uid, start, end in blocks
    )
    event_type = _fresh(intro)
    zone = event_type.host.zone
    span_start = dt.datetime.combine(MONDAY, dt.time(0), tzinfo=zone)
    span_end = span_start + dt.timedelta(days=1)
    busy = load_slot_inputs(event_type, span_start, span_end, fast=True).busy
    assert [(item.start, item.end) for item in busy] == [
        (at("2026-03-02 14:00"), at("2026-03-02 16:00")),
        (at("2026-03-02 16:01"), at("2026-03-02 16:20")),
    ]
    fast = find_slots(event_type, MONDAY, MONDAY, zone, fast=True)
    assert fast == find_slots(event_type, MONDAY, MONDAY, zone, fast=False)
    assert at("2026-03-02 14:00") not in {slot.start for slot in fast}
