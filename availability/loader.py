"""Load everything the slot engine needs for one event type and span, in four queries.

The number of queries does not depend on how many bookings, rules or blocks there are:
one each for weekly rules, date overrides, active bookings and busy blocks.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import connection
from django.db.models import FloatField
from django.db.models.functions import Cast, Extract
from django.utils import timezone

from availability.models import BusyBlock, DateOverride, WeeklyRule
from availability.slots import Busy, EventRules, Schedule, Slot, WallRange, compute_slots
from bookings.models import MAX_BUFFER_MINUTES, Booking, EventType

# Bookings just outside the span can still reach into it with their buffers.
REACH = dt.timedelta(minutes=MAX_BUFFER_MINUTES) + dt.timedelta(days=1)


@dataclass(frozen=True)
class SlotInputs:
    schedule: Schedule
    rules: EventRules
    busy: list[Busy]


def load_schedule(host, first_day: dt.date, last_day: dt.date) -> Schedule:
    weekly: dict[int, list[WallRange]] = defaultdict(list)
    for weekday, start, end in WeeklyRule.objects.filter(host=host).values_list(
        "weekday", "start_time", "end_time"
    ):
        weekly[weekday].append(WallRange(start, end))
    overrides: dict[dt.date, list[WallRange]] = defaultdict(list)
    for day, start, end in DateOverride.objects.filter(
        host=host, date__range=(first_day, last_day)
    ).values_list("date", "start_time", "end_time"):
        ranges = overrides[day]  # an unavailable row still marks the date as overridden
        if start is not None:
            ranges.append(WallRange(start, end))
    return Schedule(zone=host.zone, weekly=dict(weekly), overrides=dict(overrides))


def _booking_busy(start, end, seat_group, before_minutes, after_minutes) -> Busy:
    # The stored seat group, not the event type's current seats, says who may share: a
    # booking made one-to-one stays one-to-one, exactly as the database constraint sees it.
    return Busy(
        start=start,
        end=end,
        buffer_before=dt.timedelta(minutes=before_minutes),
        buffer_after=dt.timedelta(minutes=after_minutes),
        seat_key=seat_group if seat_group.startswith("seat:") else None,
    )


def busy_of(booking: Booking) -> Busy:
    """The time a booking holds, with its event type's buffers."""
    event_type = booking.event_type
    return _booking_busy(
        booking.start,
        booking.end,
        booking.seat_group,
        event_type.buffer_before_minutes,
        event_type.buffer_after_minutes,
    )


def load_busy(
    host, span_start: dt.datetime, span_end: dt.datetime, *, exclude_booking_id: int | None = None
) -> list[Busy]:
    bookings = (
        Booking.objects.for_host(host)
        .active()
        .overlapping(span_start - REACH, span_end + REACH)
        .values_list(
            "id",
            "start",
            "end",
            "seat_group",
            "event_type__buffer_before_minutes",
            "event_type__buffer_after_minutes",
        )
    )
    busy = [
        _booking_busy(start, end, seat_group, before, after)
        for booking_id, start, end, seat_group, before, after in bookings
        if booking_id != exclude_booking_id
    ]
    blocks = BusyBlock.objects.filter(
        host=host, start__lt=span_end + REACH, end__gt=span_start - REACH
    )
    if connection.vendor != "postgresql":
        busy.extend(Busy(start=start, end=end) for start, end in blocks.values_list("start", "end"))
        return busy
    # Synced calendars can put thousands of blocks in a month; PostgreSQL hands them over as
    # epoch seconds about 3x faster than as timestamptz (measured in bench/calendars.py).
    busy.extend(
        Busy(
            start=dt.datetime.fromtimestamp(start, dt.UTC),
            end=dt.datetime.fromtimestamp(end, dt.UTC),
        )
        for start, end in blocks.values_list(_epoch("start"), _epoch("end"))
    )
    return busy


def _epoch(field: str):
    """EXTRACT(EPOCH FROM field) as a float (PostgreSQL)."""
    return Cast(Extract(field, "epoch"), FloatField())


def load_slot_inputs(
    event_type: EventType,
    span_start: dt.datetime,
    span_end: dt.datetime,
    *,
    exclude_booking_id: int | None = None,
) -> SlotInputs:
    """Inputs for slots starting within [span_start, span_end)."""
    host = event_type.host
    zone = host.zone
    schedule = load_schedule(
        host,
        span_start.astimezone(zone).date() - dt.timedelta(days=2),
        span_end.astimezone(zone).date() + dt.timedelta(days=2),
    )
    busy = load_busy(host, span_start, span_end, exclude_booking_id=exclude_booking_id)
    return SlotInputs(schedule=schedule, rules=event_type.rules(), busy=busy)


def find_slots(
    event_type: EventType,
    first_day: dt.date,
    last_day: dt.date,
    guest_zone: ZoneInfo,
    *,
    now: dt.datetime | None = None,
    exclude_booking_id: int | None = None,
) -> list[Slot]:
    """Free slots of an event type starting on the guest-local dates first_day..last_day."""
    now = now or timezone.now()
    span_start = dt.datetime.combine(first_day, dt.time(0), tzinfo=guest_zone)
    span_end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=guest_zone)
    inputs = load_slot_inputs(
        event_type, span_start, span_end, exclude_booking_id=exclude_booking_id
    )
    return compute_slots(
        inputs.schedule,
        inputs.rules,
        inputs.busy,
        now=now,
        first_day=first_day,
        last_day=last_day,
        guest_zone=guest_zone,
    )
