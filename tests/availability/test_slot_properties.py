"""Speed must not cost correctness: the optimised path (bounded SQL, tuples, C-parsed timestamps,
the sorted busy index) against a slow reference that walks the clock minute by minute.

Hypothesis draws weekly hours, date overrides, buffers, seats, bookings (of this and another
event type, some cancelled, some as long as a booking may be) and calendar blocks (some days
long), in IANA zones near their DST changes, stores them in PostgreSQL and checks that
`find_slots`, on both of its database paths, offers exactly the slots the reference finds.

The reference shares no code with the engine. Its reading of the rules (the engine's module
docstring): a wall time means the minute whose local clock shows it; when the clock skips it,
the wall time is read with the offset in force before the jump (it moves forward by the gap);
when the clock shows it twice, a range starts at the first and ends at the second. Working
minutes that follow each other form one window, and starts step by the interval from each
window's first minute. The engine reads host-local dates from the day before the guest's span
(or before today) to the last bookable date.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from availability.loader import find_slots
from availability.models import BusyBlock, BusySource, DateOverride, WeeklyRule
from bookings.models import MAX_DURATION_MINUTES, Booking, BookingStatus, EventType

UTC = dt.UTC
MINUTE = dt.timedelta(minutes=1)
ZONES = [
    "America/New_York",
    "Europe/London",
    "Australia/Sydney",
    "Australia/Lord_Howe",  # a 30-minute DST shift
    "America/Santiago",
    "America/St_Johns",
    "Pacific/Chatham",
    "Asia/Kolkata",
    "UTC",
]


def _transitions(zone_name: str) -> list[dt.date]:
    zone = ZoneInfo(zone_name)
    days = []
    day = dt.date(2026, 1, 1)
    while day.year == 2026:
        today = dt.datetime.combine(day, dt.time(0), tzinfo=zone).utcoffset()
        tomorrow = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=zone)
        if tomorrow.utcoffset() != today:
            days.append(day)
        day += dt.timedelta(days=1)
    return days or [dt.date(2026, 3, 29)]


TRANSITIONS = {name: _transitions(name) for name in ZONES}

# ---------------------------------------------------------------- the slow reference


def _minute(instant: dt.datetime) -> int:
    return int(instant.timestamp()) // 60


def _instant(minute: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(minute * 60, UTC)


def _wall_to_minute(day: dt.date, wall: dt.time, zone: ZoneInfo, *, last: bool) -> int:
    """Search the minutes around the date for those whose local clock shows the wall time."""
    target = dt.datetime.combine(day, wall)
    around = _minute(target.replace(tzinfo=UTC))
    shown = []
    previous_offset = None
    for minute in range(around - 15 * 60, around + 15 * 60):
        local = _instant(minute).astimezone(zone)
        if local.replace(tzinfo=None) == target:
            shown.append(minute)
        if local.replace(tzinfo=None) < target:
            previous_offset = local.utcoffset()
    if shown:
        return shown[-1] if last else shown[0]
    # Skipped by a jump: read with the offset before it.
    return _minute((target - previous_offset).replace(tzinfo=UTC))


def reference_slots(
    *, zone, weekly, overrides, rules, busy, now, first_day, last_day, guest_zone
) -> list[tuple[dt.datetime, dt.datetime, int]]:
    span_start = _minute(dt.datetime.combine(first_day, dt.time(0), tzinfo=guest_zone))
    span_end = _minute(
        dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=guest_zone)
    )
    last_date = now.astimezone(zone).date() + dt.timedelta(days=rules["window_days"])
    host_first = max(
        _instant(span_start).astimezone(zone).date(), now.astimezone(zone).date()
    ) - dt.timedelta(days=1)
    host_last = min(_instant(span_end).astimezone(zone).date(), last_date)

    working: set[int] = set()
    day = host_first
    while day <= host_last:
        for start, end in overrides.get(day, weekly.get(day.weekday(), [])):
            first = _wall_to_minute(day, start, zone, last=False)
            if end == dt.time(0):
                after = _wall_to_minute(day + dt.timedelta(days=1), end, zone, last=True)
            else:
                after = _wall_to_minute(day, end, zone, last=True)
            working.update(range(first, after))
        day += dt.timedelta(days=1)

    duration, interval = rules["duration"], rules["interval"]
    candidates = []
    for minute in sorted(working):
        if minute - 1 in working:
            continue  # not the first minute of a window
        window_end = minute
        while window_end in working:
            window_end += 1
        start = minute
        while start + duration <= window_end:
            candidates.append(start)
            start += interval

    earliest = max(span_start, _minute(now) + rules["notice"])
    slots = []
    for start in candidates:
        if not (earliest <= start < span_end):
            continue
        if _instant(start).astimezone(zone).date() > last_date:
            continue
        mine = set(range(start, start + duration))
        mine_padded = set(range(start - rules["before"], start + duration + rules["after"]))
        mates, blocked = 0, False
        for item in busy:
            if rules["seats"] > 1 and item["seat_key"] == ("seat", rules["event_type"], start):
                mates += 1
                continue
            held = set(range(item["start"], item["end"]))
            held_padded = set(range(item["start"] - item["before"], item["end"] + item["after"]))
            if mine_padded & held or mine & held_padded:
                blocked = True
                break
        if not blocked and rules["seats"] - mates > 0:
            slots.append((_instant(start), _instant(start + duration), rules["seats"] - mates))
    return slots


# ---------------------------------------------------------------- drawing a host's calendar


def _wall(half_hours: int) -> dt.time:
    return dt.time(half_hours // 2 % 24, half_hours % 2 * 30)  # 48 half hours: 00:00 = 24:00


@st.composite
def wall_range(draw):
    start = draw(st.integers(0, 46))
    return _wall(start), _wall(draw(st.integers(start + 1, 48)))


@st.composite
def scenarios(draw):
    zone_name = draw(st.sampled_from(ZONES))
    transition = draw(st.sampled_from(TRANSITIONS[zone_name]))
    first_day = transition + dt.timedelta(days=draw(st.integers(-2, 1)))
    last_day = first_day + dt.timedelta(days=draw(st.integers(0, 3)))
    zone = ZoneInfo(zone_name)
    span_start = dt.datetime.combine(first_day, dt.time(0), tzinfo=zone).astimezone(UTC)
    weekly = {
        weekday: draw(st.lists(wall_range(), min_size=1, max_size=2))
        for weekday in range(7)
        if draw(st.integers(0, 4))
    }
    override_days = draw(
        st.lists(st.integers(-1, 4).map(lambda n: first_day + dt.timedelta(days=n)), max_size=2)
    )
    overrides = {day: draw(st.lists(wall_range(), max_size=1)) for day in override_days}
    rules = {
        "duration": draw(st.sampled_from([15, 30, 45, 60, 90])),
        "interval": draw(st.sampled_from([15, 20, 30, 60])),
        "before": draw(st.sampled_from([0, 0, 5, 15, 60])),
        "after": draw(st.sampled_from([0, 0, 10, 30, 120])),
        "notice": draw(st.sampled_from([0, 0, 90, 24 * 60])),
        "window_days": draw(st.integers(3, 10)),
        "seats": draw(st.sampled_from([1, 1, 3])),
    }
    # Another event type of the host, whose buffers may be the largest a host can set.
    other_buffers = (
        draw(st.sampled_from([0, 30, 12 * 60, 12 * 60])),
        draw(st.sampled_from([0, 45, 12 * 60, 12 * 60])),
    )
    span_minutes = (last_day - first_day + dt.timedelta(days=1)).days * 1440
    # Busy time anywhere around the span, and more often just outside its edges, where the
    # loader's bounds decide what is read.
    minutes_around = st.one_of(
        st.integers(-36 * 60, span_minutes + 36 * 60),
        st.integers(-14 * 60, 60),
        st.integers(span_minutes - 60, span_minutes + 14 * 60),
    )
    bookings = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "offset": minutes_around.map(lambda m: m - m % 5),
                    "length": st.sampled_from([5, 30, 60, 240, MAX_DURATION_MINUTES]),
                    "kind": st.sampled_from(["this", "other", "other", "seat", "cancelled"]),
                }
            ),
            max_size=12,
        )
    )
    blocks = draw(
        st.lists(
            st.tuples(
                st.integers(-5 * 1440, span_minutes + 60), st.sampled_from([15, 60, 600, 5760])
            ),
            max_size=4,
        )
    )
    now = span_start + dt.timedelta(minutes=draw(st.sampled_from([-2 * 1440, -1440, -90, 600])))
    guest_zone = draw(st.sampled_from(ZONES))
    return {
        "zone": zone_name,
        "first_day": first_day,
        "last_day": last_day,
        "span_start": span_start,
        "weekly": weekly,
        "overrides": overrides,
        "rules": rules,
        "other_buffers": other_buffers,
        "bookings": bookings,
        "blocks": blocks,
        "now": now,
        "guest_zone": guest_zone,
    }


def _store(case, number: int):
    """Write the drawn calendar to the database; returns (event type, busy for the reference)."""
    host = get_user_model().objects.create(
        email=f"prop{number}@example.com", handle=f"prop{number}", timezone=case["zone"]
    )
    WeeklyRule.objects.bulk_create(
        WeeklyRule(host=host, weekday=weekday, start_time=start, end_time=end)
        for weekday, ranges in case["weekly"].items()
        for start, end in ranges
    )
    for day, ranges in case["overrides"].items():
        if not ranges:
            DateOverride.objects.create(host=host, date=day)
        for start, end in ranges:
            DateOverride.objects.create(host=host, date=day, start_time=start, end_time=end)
    rules = case["rules"]
    event_type = EventType.objects.create(
        host=host,
        slug="this",
        title="This",
        duration_minutes=rules["duration"],
        slot_interval_minutes=rules["interval"],
        buffer_before_minutes=rules["before"],
        buffer_after_minutes=rules["after"],
        minimum_notice_minutes=rules["notice"],
        booking_window_days=rules["window_days"],
        seats=rules["seats"],
    )
    other = EventType.objects.create(
        host=host,
        slug="other",
        title="Other",
        buffer_before_minutes=case["other_buffers"][0],
        buffer_after_minutes=case["other_buffers"][1],
    )
    zone = ZoneInfo(case["zone"])
    busy, held = [], []  # held: (start, end, seat group) of active bookings, as the DB sees them
    for index, drawn in enumerate(case["bookings"]):
        start = case["span_start"] + dt.timedelta(minutes=drawn["offset"])
        kind = drawn["kind"]
        if kind == "seat":
            # A guest of a seated slot of this event type, on its grid in local time.
            local = start.astimezone(zone)
            start = local.replace(minute=local.minute - local.minute % 30).astimezone(UTC)
            end = start + dt.timedelta(minutes=rules["duration"])
            group = f"seat:{event_type.pk}:{start:%Y%m%dT%H%M%SZ}"
            owner = event_type
        else:
            end = start + dt.timedelta(minutes=drawn["length"])
            group = f"solo:{index}"
            owner = event_type if kind == "this" else other
        status = BookingStatus.CANCELLED if kind == "cancelled" else BookingStatus.CONFIRMED
        if status == BookingStatus.CONFIRMED:
            if any(s < end and start < e and g != group for s, e, g in held):
                continue  # the database would refuse it: not a state that can exist
            held.append((start, end, group))
        # bulk_create keeps the drawn seat group (save() would derive one from the event type).
        Booking.objects.bulk_create(
            [
                Booking(
                    event_type=owner,
                    host=host,
                    start=start,
                    end=end,
                    guest_name="G",
                    guest_email="g@example.com",
                    guest_timezone="UTC",
                    status=status,
                    seat_group=group,
                )
            ]
        )
        if status == BookingStatus.CONFIRMED:
            busy.append(
                {
                    "start": _minute(start),
                    "end": _minute(end),
                    "before": owner.buffer_before_minutes,
                    "after": owner.buffer_after_minutes,
                    "seat_key": ("seat", event_type.pk, _minute(start)) if kind == "seat" else None,
                }
            )
    for index, (offset, length) in enumerate(case["blocks"]):
        start = case["span_start"] + dt.timedelta(minutes=offset)
        end = start + dt.timedelta(minutes=length)
        BusyBlock.objects.create(
            host=host, start=start, end=end, source=BusySource.GOOGLE, external_id=f"e{index}"
        )
        busy.append(
            {
                "start": _minute(start),
                "end": _minute(end),
                "before": 0,
                "after": 0,
                "seat_key": None,
            }
        )
    return EventType.objects.select_related("host").get(pk=event_type.pk), busy


_examples = iter(range(10**9))


@pytest.mark.django_db
@settings(
    max_examples=100,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(case=scenarios())
def test_the_optimised_path_offers_exactly_the_slots_of_the_minute_by_minute_reference(case):
    with transaction.atomic():
        event_type, busy = _store(case, next(_examples))
        zone = ZoneInfo(case["zone"])
        guest_zone = ZoneInfo(case["guest_zone"])
        rules = {
            **case["rules"],
            "event_type": event_type.pk,
        }
        expected = reference_slots(
            zone=zone,
            weekly={weekday: ranges for weekday, ranges in case["weekly"].items() if ranges},
            overrides=case["overrides"],
            rules=rules,
            busy=busy,
            now=case["now"],
            first_day=case["first_day"],
            last_day=case["last_day"],
            guest_zone=guest_zone,
        )
        for fast in (True, False):
            found = find_slots(
                event_type,
                case["first_day"],
                case["last_day"],
                guest_zone,
                now=case["now"],
                fast=fast,
            )
            assert [(slot.start, slot.end, slot.seats_left) for slot in found] == expected
        event(f"slots offered: {'none' if not expected else 'some'}")
        transaction.set_rollback(True)
