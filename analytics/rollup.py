"""Daily figures from the booking history, per host, event type and host-local day.

What counts on a day (the host's local day):
- created, confirmed, declined, rescheduled, cancelled by guest / by host: history events whose
  time falls on that day. A booking confirmed at once counts as confirmed when it is made.
- completed and no-shows: the latest attendance mark of each booking, counted on the day of the
  meeting (a booking made on Monday for Friday is created on Monday, completed on Friday).
- lead times: minutes from booking to the start it was booked for, for bookings made that day
  (the sorted list for exact medians, their total and their count per chart bucket).
- meetings by hour: bookings held (not cancelled, declined or expired) whose meeting starts that
  day, per host-local hour, from the bookings' present status. History writes mark the meeting's
  day (and a rescheduled booking's old day) dirty, so these follow every change.

Recomputing a day replaces its rows with what the history says, so it is idempotent; the
periodic task recomputes the days that history writes mark dirty, the nightly task recomputes
yesterday and today for hosts with recent activity (and rebuilds a host whose zone changed),
and `manage.py rollup_analytics` rebuilds any span.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Count, Exists, Max, Min, OuterRef
from django.db.models.functions import ExtractHour, TruncDate
from django.utils import timezone

from analytics.days import days_span, local_date
from analytics.models import (
    ATTENDANCE_KINDS,
    Actor,
    BookingEvent,
    DailyStats,
    DirtyDay,
    EventKind,
    RollupState,
)

COUNTERS = (
    "created",
    "confirmed",
    "completed",
    "no_shows",
    "cancelled_by_guest",
    "cancelled_by_host",
    "rescheduled",
    "declined",
)
# Statuses of meetings that took or will take place: the heatmap's bookings.
HELD_STATUSES = ("pending", "confirmed", "completed", "no_show")
# Lower edges, in minutes, of the lead-time distribution's buckets (labels in analytics.reports);
# the first bucket also takes negative lead times. Changing them needs `rollup_analytics`.
LEAD_BUCKET_EDGES = (0, 60, 24 * 60, 3 * 24 * 60, 7 * 24 * 60, 14 * 24 * 60, 28 * 24 * 60)
# Spans are computed a month at a time so a rebuild of years never holds them all in memory.
CHUNK_DAYS = 31


def events_in(host_id: int, lo: dt.datetime, hi: dt.datetime):
    """History events of a host that happened in [lo, hi)."""
    return BookingEvent.objects.filter(host_id=host_id, at__gte=lo, at__lt=hi)


def attendance_in(host_id: int, lo: dt.datetime, hi: dt.datetime):
    """The latest attendance mark of each booking whose meeting starts in [lo, hi)."""
    later = BookingEvent.objects.filter(
        booking=OuterRef("booking"), kind__in=ATTENDANCE_KINDS, id__gt=OuterRef("id")
    )
    return BookingEvent.objects.filter(
        host_id=host_id, kind__in=ATTENDANCE_KINDS, start__gte=lo, start__lt=hi
    ).exclude(Exists(later))


def lead_bucket(minutes: int) -> int:
    """Index of the LEAD_BUCKET_EDGES bucket a lead time falls in."""
    return max(0, bisect.bisect_right(LEAD_BUCKET_EDGES, minutes) - 1)


def meetings_in(host_id: int, lo: dt.datetime, hi: dt.datetime, zone):
    """(event_type_id, local date, local hour, count) of the held meetings starting in [lo, hi),
    grouped in the database."""
    from bookings.models import Booking

    return (
        Booking.objects.filter(
            host_id=host_id, status__in=HELD_STATUSES, start__gte=lo, start__lt=hi
        )
        .annotate(day=TruncDate("start", tzinfo=zone), hour=ExtractHour("start", tzinfo=zone))
        .values_list("event_type_id", "day", "hour")
        .annotate(meetings=Count("id"))
        .order_by()
    )


def _empty_row() -> dict:
    return {
        **dict.fromkeys(COUNTERS, 0),
        "lead_times": [],
        "lead_time_buckets": [0] * len(LEAD_BUCKET_EDGES),
        "lead_time_minutes": 0,
        "meetings_by_hour": [],
    }


def counter_for(kind: str, actor: str, status: str | None) -> list[str]:
    """The daily counters one event that happened that day adds to (attendance aside)."""
    if kind == EventKind.CREATED:
        return ["created", "confirmed"] if status == "confirmed" else ["created"]
    if kind == EventKind.CONFIRMED:
        return ["confirmed"]
    if kind == EventKind.DECLINED:
        return ["declined"]
    if kind == EventKind.RESCHEDULED:
        return ["rescheduled"]
    if kind == EventKind.CANCELLED:
        return ["cancelled_by_host" if actor == Actor.HOST else "cancelled_by_guest"]
    return []


def compute_span(host, first: dt.date, last: dt.date) -> dict[tuple[int, dt.date], dict]:
    """{(event_type_id, date): figures} for the host's local days first..last, nonzero only."""
    zone = host.zone
    lo, hi = days_span(first, last, zone)
    rows: dict[tuple[int, dt.date], dict] = defaultdict(_empty_row)
    events = events_in(host.pk, lo, hi).values_list(
        "event_type_id", "kind", "actor", "at", "start", "details__status"
    )
    for event_type_id, kind, actor, at, start, status in events.iterator(chunk_size=5000):
        counters = counter_for(kind, actor, status)
        if not counters:
            continue  # attendance marks count on the meeting's day, below
        row = rows[(event_type_id, local_date(at, zone))]
        for name in counters:
            row[name] += 1
        if kind == EventKind.CREATED:
            minutes = int((start - at).total_seconds() // 60)
            row["lead_times"].append(minutes)
            row["lead_time_buckets"][lead_bucket(minutes)] += 1
            row["lead_time_minutes"] += minutes
    marks = attendance_in(host.pk, lo, hi).values_list("event_type_id", "kind", "start")
    for event_type_id, kind, start in marks.iterator(chunk_size=5000):
        row = rows[(event_type_id, local_date(start, zone))]
        row["completed" if kind == EventKind.COMPLETED else "no_shows"] += 1
    for event_type_id, day, hour, meetings in meetings_in(host.pk, lo, hi, zone):
        row = rows[(event_type_id, day)]
        if not row["meetings_by_hour"]:
            row["meetings_by_hour"] = [0] * 24
        row["meetings_by_hour"][hour] += meetings
    for row in rows.values():
        row["lead_times"].sort()
        if not row["lead_times"]:
            row["lead_time_buckets"] = []
    return dict(rows)


def _lock_host_rollup(host) -> RollupState:
    RollupState.objects.get_or_create(host=host)
    return RollupState.objects.select_for_update().get(host=host)


def rollup_span(host, first: dt.date, last: dt.date, *, now=None) -> int:
    """Replace the host's rows for first..last with what the history says; returns rows written."""
    now = now or timezone.now()
    written = 0
    chunk_first = first
    while chunk_first <= last:
        chunk_last = min(last, chunk_first + dt.timedelta(days=CHUNK_DAYS - 1))
        with transaction.atomic():
            _lock_host_rollup(host)
            rows = compute_span(host, chunk_first, chunk_last)
            DailyStats.objects.filter(
                host=host, date__gte=chunk_first, date__lte=chunk_last
            ).delete()
            DailyStats.objects.bulk_create(
                DailyStats(
                    host=host, event_type_id=event_type_id, date=day, computed_at=now, **figures
                )
                for (event_type_id, day), figures in rows.items()
            )
        written += len(rows)
        chunk_first = chunk_last + dt.timedelta(days=1)
    return written


def rollup_day(host, day: dt.date, *, now=None) -> int:
    return rollup_span(host, day, day, now=now)


def rebuild_host(host, since: dt.date | None = None, *, now=None) -> int:
    """Recompute every day of the host from `since` (default: its first history event) to
    today, and remember the zone the rows were computed in."""
    now = now or timezone.now()
    today = local_date(now, host.zone)
    full = since is None
    # Meetings count on their own day, which may come before the first change (imported
    # history) or long after the last one (bookings made far ahead).
    span = BookingEvent.objects.filter(host=host).aggregate(
        first=Min("at"), first_start=Min("start"), last=Max("at"), last_start=Max("start")
    )
    if since is None:
        since = (
            local_date(min(span["first"], span["first_start"]), host.zone)
            if span["first"]
            else today
        )
    last = (
        max(today, local_date(max(span["last"], span["last_start"]), host.zone))
        if span["last"]
        else today
    )
    if full:
        # Rows computed in another zone sit on the wrong dates: start from nothing.
        with transaction.atomic():
            _lock_host_rollup(host)
            DailyStats.objects.filter(host=host).delete()
    written = rollup_span(host, since, last, now=now)
    RollupState.objects.filter(host=host).update(timezone=host.timezone, rebuilt_at=now)
    return written


def rollup_next_dirty_day(*, now=None) -> bool:
    """Claim one dirty day, recompute it and clear it; False when none is left."""
    with transaction.atomic():
        dirty = (
            DirtyDay.objects.select_for_update(skip_locked=True)
            .select_related("host")
            .order_by("marked_at", "pk")
            .first()
        )
        if dirty is None:
            return False
        rollup_day(dirty.host, dirty.date, now=now)
        dirty.delete()
    return True


def rollup_dirty_days(*, limit: int = 5000, now=None) -> int:
    done = 0
    while done < limit and rollup_next_dirty_day(now=now):
        done += 1
    return done


def rollup_recent(*, now=None) -> int:
    """Nightly: yesterday and today for every host with history in the last two days, and a
    full rebuild of any host whose zone changed since its rows were computed."""
    now = now or timezone.now()
    user_model = get_user_model()
    recent = BookingEvent.objects.filter(at__gte=now - dt.timedelta(days=2)).values("host")
    hosts = 0
    for host in user_model.objects.filter(pk__in=recent):
        state = RollupState.objects.filter(host=host).first()
        if state is not None and state.timezone and state.timezone != host.timezone:
            rebuild_host(host, now=now)
        else:
            today = local_date(now, host.zone)
            rollup_span(host, today - dt.timedelta(days=1), today, now=now)
            if state is None or not state.timezone:
                RollupState.objects.filter(host=host).update(timezone=host.timezone)
        hosts += 1
    for state in RollupState.objects.exclude(timezone="").select_related("host"):
        if state.timezone != state.host.timezone and not recent.filter(host=state.host).exists():
            rebuild_host(state.host, now=now)
            hosts += 1
    return hosts


def rebuild_all(since: dt.date | None = None, *, now=None) -> tuple[int, int]:
    """Every host with history: (hosts, rows written)."""
    hosts = rows = 0
    user_model = get_user_model()
    with_history = BookingEvent.objects.values("host")
    for host in user_model.objects.filter(pk__in=with_history).order_by("pk"):
        rows += rebuild_host(host, since, now=now)
        hosts += 1
    return hosts, rows
