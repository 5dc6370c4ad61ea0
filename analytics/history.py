"""Writing the booking history: one call per change, from inside the booking services.

`record` inserts the BookingEvent and marks the host-local days whose figures it changes as
dirty, both in the caller's transaction: a change that rolls back leaves no history, and a
change that commits always has its event.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.utils import timezone

from analytics.models import BookingEvent, DirtyDay


def _jsonable(value):
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    return value


def record(booking, kind: str, actor: str, *, at: dt.datetime | None = None, **details):
    """Write one history row for a change just made to `booking` (already saved or about to be
    in this transaction). `details` are what this kind needs: times moved, reasons, statuses."""
    if not connection.in_atomic_block:
        raise RuntimeError("Booking history must be written in the change's transaction.")
    at = at or timezone.now()
    event = BookingEvent.objects.create(
        booking=booking,
        host_id=booking.host_id,
        event_type_id=booking.event_type_id,
        kind=kind,
        actor=actor,
        at=at,
        start=booking.start,
        details={name: _jsonable(value) for name, value in details.items()},
    )
    mark_dirty(booking.host_id, affected_days(booking.host.zone, event))
    return event


def affected_days(zone, event: BookingEvent) -> set[dt.date]:
    """The host-local days whose figures this event changes: the day it happened, and the
    meeting's day, where completions and no-shows count and where the heatmap counts the
    meetings held (any change may start or stop one being held); for a reschedule also the
    day the meeting moved from."""
    days = {event.at.astimezone(zone).date(), event.start.astimezone(zone).date()}
    moved_from = event.details.get("from_start")
    if isinstance(moved_from, str):
        days.add(dt.datetime.fromisoformat(moved_from).astimezone(zone).date())
    return days


def mark_dirty(host_id: int, days, now: dt.datetime | None = None) -> None:
    now = now or timezone.now()
    DirtyDay.objects.bulk_create(
        [DirtyDay(host_id=host_id, date=day, marked_at=now) for day in sorted(days)],
        update_conflicts=True,
        unique_fields=["host", "date"],
        update_fields=["marked_at"],
    )
