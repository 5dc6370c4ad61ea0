"""Host-local days as UTC instants: the only place figures turn dates into time ranges.

A day runs from its local midnight to the next local midnight, so DST days last 23 or 25
hours and consecutive days tile the timeline with no gap or overlap. A midnight that a DST
change skips or repeats resolves with fold=0 on both sides, which keeps the tiling exact.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def day_start(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)


def days_span(first: dt.date, last: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[start of `first`, start of the day after `last`) in UTC."""
    return day_start(first, zone), day_start(last + dt.timedelta(days=1), zone)


def local_date(instant: dt.datetime, zone: ZoneInfo) -> dt.date:
    return instant.astimezone(zone).date()


def each_day(first: dt.date, last: dt.date):
    day = first
    while day <= last:
        yield day
        day += dt.timedelta(days=1)
