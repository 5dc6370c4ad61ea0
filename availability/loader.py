"""Load what the slot engine needs for one event type and span of time, at a cost that follows
the span and not the host's history.

- Bookings are read through the partial index `booking_host_active_start` with a lower *and* an
  upper bound on `start`: a booking lasts at most MAX_DURATION (a database check says so), so
  one that can reach the span starts no earlier than `low - MAX_DURATION`. Without that bound
  PostgreSQL walks every active booking the host ever had.
- The reach around the span comes from the host's largest buffer (a candidate's buffer and a
  booking's buffer may meet, so twice that), not from the largest buffer anyone may set.
- On PostgreSQL it is one query whatever the number of rows: weekly rules, the span's date
  overrides, bookings and blocks, with the reach computed in the same statement. Rows come back
  as plain tuples and timestamps are parsed by psycopg's C loader: Django's own timestamptz
  loader is a Python subclass, and parsing in Python was the largest single cost of a month of
  slots.
- Other databases (SQLite for `make run`) read the same rows through the ORM, in four queries.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import psycopg
from django.db import connection
from django.db.models import Max
from django.db.models.functions import Greatest
from django.utils import timezone
from psycopg.postgres import types as pg_types
from psycopg.pq import Format

from availability import slot_cache
from availability.models import BusyBlock, DateOverride, WeeklyRule
from availability.slots import Busy, EventRules, Schedule, Slot, WallRange, compute_slots
from bookings.models import HOLDING_STATUSES, MAX_DURATION_MINUTES, Booking, EventType

MAX_DURATION = dt.timedelta(minutes=MAX_DURATION_MINUTES)

# psycopg's C loader when its binary build is installed (the Python one otherwise).
_TIMESTAMPTZ_LOADER = psycopg.adapters.get_loader(pg_types["timestamptz"].oid, Format.TEXT)


@dataclass(frozen=True)
class SlotInputs:
    schedule: Schedule
    rules: EventRules
    busy: list[Busy]


@dataclass(frozen=True)
class Bounds:
    """Busy time that can touch a candidate in the span: ends after `low`, starts before `high`."""

    low: dt.datetime
    high: dt.datetime

    @property
    def earliest_booking_start(self) -> dt.datetime:
        return self.low - MAX_DURATION


def bounds_for(
    span_start: dt.datetime, span_end: dt.datetime, duration: dt.timedelta, largest_buffer: int
) -> Bounds:
    """Candidates start in [span_start, span_end) and last `duration`; the candidate's buffer
    and a booking's buffer (each at most the host's largest) may sit between them."""
    reach = dt.timedelta(minutes=2 * largest_buffer)
    return Bounds(low=span_start - reach, high=span_end + duration + reach)


def _uses_fast_path() -> bool:
    return connection.vendor == "postgresql"


def _fetch(sql: str, params: list) -> list[tuple]:
    with connection.cursor() as cursor:
        # Only this cursor: the rest of Django keeps its own loader.
        cursor.cursor.adapters.register_loader("timestamptz", _TIMESTAMPTZ_LOADER)
        cursor.execute(sql, params)
        return cursor.fetchall()


def _schedule_from_rows(zone: ZoneInfo, weekly_rows, override_rows) -> Schedule:
    weekly: dict[int, list[WallRange]] = defaultdict(list)
    for weekday, start, end in weekly_rows:
        weekly[weekday].append(WallRange(start, end))
    overrides: dict[dt.date, list[WallRange]] = defaultdict(list)
    for day, start, end in override_rows:
        ranges = overrides[day]  # an unavailable row still marks the date as overridden
        if start is not None:
            ranges.append(WallRange(start, end))
    return Schedule(zone=zone, weekly=dict(weekly), overrides=dict(overrides))


def _ranges_rows(host, first_day: dt.date, last_day: dt.date):
    weekly_rows = WeeklyRule.objects.filter(host=host).values_list(
        "weekday", "start_time", "end_time"
    )
    override_rows = DateOverride.objects.filter(
        host=host, date__range=(first_day, last_day)
    ).values_list("date", "start_time", "end_time")
    return weekly_rows, override_rows


def load_schedule(host, first_day: dt.date, last_day: dt.date) -> Schedule:
    """The host's hours for the local dates first_day..last_day."""
    return _schedule_from_rows(host.zone, *_ranges_rows(host, first_day, last_day))


def largest_buffer_of(host) -> int:
    """The largest buffer, in minutes, of any of the host's event types: bookings block with
    their own event type's buffers, so this is how far busy time can reach."""
    largest = EventType.objects.filter(host=host).aggregate(
        largest=Max(Greatest("buffer_before_minutes", "buffer_after_minutes"))
    )["largest"]
    return largest or 0


def _busy_rows(host_id: int, bounds: Bounds, exclude_booking_id: int | None):
    bookings = (
        Booking.objects.filter(host_id=host_id)
        .holding()
        .filter(start__gte=bounds.earliest_booking_start, start__lt=bounds.high, end__gt=bounds.low)
        .exclude(pk=exclude_booking_id)
        .values_list(
            "start",
            "end",
            "seat_group",
            "event_type__buffer_before_minutes",
            "event_type__buffer_after_minutes",
        )
    )
    blocks = BusyBlock.objects.filter(
        host_id=host_id, end__gt=bounds.low, start__lt=bounds.high
    ).values_list("start", "end")
    return [*bookings, *((start, end, None, 0, 0) for start, end in blocks)]


def _busy_from_rows(rows) -> list[Busy]:
    buffers: dict[int, dt.timedelta] = {}

    def minutes(count: int) -> dt.timedelta:
        delta = buffers.get(count)
        if delta is None:
            delta = buffers[count] = dt.timedelta(minutes=count)
        return delta

    busy = []
    for start, end, seat_group, before, after in rows:
        if seat_group is None:
            busy.append(Busy(start, end))
            continue
        # The stored seat group, not the event type's current seats, says who may share: a
        # booking made one-to-one stays one-to-one, exactly as the database constraint sees it.
        seat_key = seat_group if seat_group.startswith("seat:") else None
        busy.append(Busy(start, end, minutes(before), minutes(after), seat_key))
    return busy


def load_busy(host, bounds: Bounds, *, exclude_booking_id: int | None = None) -> list[Busy]:
    """Active bookings (with their buffers) and blocks of the host that touch the bounds."""
    return _busy_from_rows(_busy_rows(host.pk, bounds, exclude_booking_id))


# The PostgreSQL path: everything in one round trip. The reach is computed in SQL from the
# host's event types; PostgreSQL evaluates it once (an InitPlan) before walking the indexes,
# so the bounds on `start` and `end` are still index conditions. Column 1 is the row kind:
# 0 weekly rule, 1 date override, 2 booking, 3 busy block.
# Busy blocks come back merged (`range_agg`): blocks have no buffers or seats, so blocks that
# overlap or touch block exactly the slots their union does. Two synced calendars with the
# same meetings, or a dense month of them, then cost a few intervals instead of thousands.
_ONE_QUERY_SQL = """
WITH reach AS (
  SELECT make_interval(mins => 2 * COALESCE(MAX(GREATEST(
           buffer_before_minutes, buffer_after_minutes)), 0)) AS span
    FROM bookings_eventtype WHERE host_id = %(host)s
), bounds AS (
  SELECT %(low)s::timestamptz - span AS low, %(high)s::timestamptz + span AS high FROM reach
)
SELECT 0, weekday, NULL::integer, NULL::date, start_time, end_time,
       NULL::timestamptz, NULL::timestamptz, NULL::text
  FROM availability_weeklyrule WHERE host_id = %(host)s
UNION ALL
SELECT 1, NULL, NULL, date, start_time, end_time, NULL, NULL, NULL
  FROM availability_dateoverride
 WHERE host_id = %(host)s AND date BETWEEN %(first_day)s AND %(last_day)s
UNION ALL
SELECT 2, e.buffer_before_minutes, e.buffer_after_minutes, NULL, NULL, NULL,
       b.start, b."end", b.seat_group
  FROM bookings_booking b JOIN bookings_eventtype e ON e.id = b.event_type_id
 WHERE b.host_id = %(host)s AND b.status IN ({statuses})
   AND b.start >= (SELECT low FROM bounds) - %(longest)s::interval
   AND b.start < (SELECT high FROM bounds)
   AND b."end" > (SELECT low FROM bounds) {exclude}
UNION ALL
SELECT 3, 0, 0, NULL, NULL, NULL, lower(span), upper(span), NULL
  FROM (SELECT unnest(range_agg(tstzrange(start, "end"))) AS span
          FROM availability_busyblock
         WHERE host_id = %(host)s AND "end" > (SELECT low FROM bounds)
           AND start < (SELECT high FROM bounds)) AS merged
"""


def _one_query(
    host, first_day, last_day, low, high, exclude_booking_id
) -> tuple[Schedule, list[Busy]]:
    params = {
        "host": host.pk,
        "first_day": first_day,
        "last_day": last_day,
        "low": low,
        "high": high,
        "longest": MAX_DURATION,
        "exclude": exclude_booking_id,
    }
    statuses = []
    for index, status in enumerate(HOLDING_STATUSES):
        params[f"status{index}"] = str(status)
        statuses.append(f"%(status{index})s")
    sql = _ONE_QUERY_SQL.format(
        # `status IN (...)` spelled as the partial index's condition, so the planner uses it.
        statuses=", ".join(statuses),
        exclude="AND b.id <> %(exclude)s" if exclude_booking_id is not None else "",
    )
    weekly_rows, override_rows, busy_rows = [], [], []
    for kind, number, other, day, start_time, end_time, start, end, seat_group in _fetch(
        sql, params
    ):
        if kind == 0:
            weekly_rows.append((number, start_time, end_time))
        elif kind == 1:
            override_rows.append((day, start_time, end_time))
        else:
            busy_rows.append((start, end, seat_group, number, other))
    schedule = _schedule_from_rows(host.zone, weekly_rows, override_rows)
    return schedule, _busy_from_rows(busy_rows)


def busy_of(booking: Booking) -> Busy:
    """The time a booking holds, with its event type's buffers."""
    event_type = booking.event_type
    return _busy_from_rows(
        [
            (
                booking.start,
                booking.end,
                booking.seat_group,
                event_type.buffer_before_minutes,
                event_type.buffer_after_minutes,
            )
        ]
    )[0]


def load_slot_inputs(
    event_type: EventType,
    span_start: dt.datetime,
    span_end: dt.datetime,
    *,
    exclude_booking_id: int | None = None,
    fast: bool | None = None,
) -> SlotInputs:
    """Inputs for slots starting within [span_start, span_end): one query on PostgreSQL (`fast`,
    the default there), four through the ORM elsewhere."""
    host = event_type.host
    zone = host.zone
    first_day = span_start.astimezone(zone).date() - dt.timedelta(days=2)
    last_day = span_end.astimezone(zone).date() + dt.timedelta(days=2)
    if fast if fast is not None else _uses_fast_path():
        high = span_end + event_type.duration
        schedule, busy = _one_query(host, first_day, last_day, span_start, high, exclude_booking_id)
    else:
        schedule = load_schedule(host, first_day, last_day)
        bounds = bounds_for(span_start, span_end, event_type.duration, largest_buffer_of(host))
        busy = load_busy(host, bounds, exclude_booking_id=exclude_booking_id)
    return SlotInputs(schedule=schedule, rules=event_type.rules(), busy=busy)


def find_slots(
    event_type: EventType,
    first_day: dt.date,
    last_day: dt.date,
    guest_zone: ZoneInfo,
    *,
    now: dt.datetime | None = None,
    exclude_booking_id: int | None = None,
    fast: bool | None = None,
    stamp: int | None = None,
) -> list[Slot]:
    """Free slots of an event type starting on the guest-local dates first_day..last_day.

    `fast` chooses the PostgreSQL path (default: when the database is PostgreSQL); tests use it
    to check that both paths agree. `stamp`, the host's availability stamp read with the event
    type, lets the result be reused until the host's availability changes (see slot_cache).
    """
    now = now or timezone.now()
    key = None
    if stamp is not None and exclude_booking_id is None and fast is None and _uses_fast_path():
        host = event_type.host
        rules = event_type.rules()
        host_today = now.astimezone(host.zone).date()
        key = (rules, host.timezone, host_today, first_day, last_day, guest_zone.key)
        found = slot_cache.get(key, stamp, now, now + rules.minimum_notice)
        if found is not None:
            return found
    span_start = dt.datetime.combine(first_day, dt.time(0), tzinfo=guest_zone)
    span_end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tzinfo=guest_zone)
    inputs = load_slot_inputs(
        event_type, span_start, span_end, exclude_booking_id=exclude_booking_id, fast=fast
    )
    found = compute_slots(
        inputs.schedule,
        inputs.rules,
        inputs.busy,
        now=now,
        first_day=first_day,
        last_day=last_day,
        guest_zone=guest_zone,
    )
    if key is not None:
        slot_cache.put(key, stamp, now, found)
    return found
