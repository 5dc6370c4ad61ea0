"""Changing a host's availability: weekly hours, date overrides and blocked time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence

from django.db import IntegrityError, transaction

from availability.models import BusyBlock, BusySource, DateOverride, WeeklyRule

TimeRange = tuple[dt.time, dt.time]


class AvailabilityError(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


def _minutes(value: dt.time, *, is_end: bool) -> int:
    minutes = value.hour * 60 + value.minute
    return 24 * 60 if is_end and minutes == 0 else minutes


def check_ranges(ranges: Sequence[TimeRange]) -> None:
    """Refuse reversed, empty or overlapping ranges (an end of 00:00 means midnight)."""
    spans = sorted(
        (_minutes(start, is_end=False), _minutes(end, is_end=True)) for start, end in ranges
    )
    for start, end in spans:
        if end <= start:
            raise AvailabilityError(f"{_label(start)}–{_label(end)} ends before it starts.")
    for (first_start, first_end), (second_start, second_end) in zip(spans, spans[1:], strict=False):
        if second_start < first_end:
            raise AvailabilityError(
                f"{_label(first_start)}–{_label(first_end)} overlaps "
                f"{_label(second_start)}–{_label(second_end)}."
            )


def _label(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}"


@transaction.atomic
def set_weekly_hours(host, hours: Mapping[int, Sequence[TimeRange]]) -> None:
    """Replace the host's weekly hours; weekdays missing from `hours` become unavailable."""
    for ranges in hours.values():
        check_ranges(ranges)
    WeeklyRule.objects.filter(host=host).delete()
    WeeklyRule.objects.bulk_create(
        WeeklyRule(host=host, weekday=weekday, start_time=start, end_time=end)
        for weekday, ranges in sorted(hours.items())
        for start, end in sorted(ranges)
    )


@transaction.atomic
def set_weekly_hours_and_zone(host, hours: Mapping[int, Sequence[TimeRange]], zone: str) -> None:
    """The hours editor's one Save: the week and the zone it is read in, together."""
    set_weekly_hours(host, hours)
    if host.timezone != zone:
        host.timezone = zone
        host.save(update_fields=["timezone"])


def weekly_hours(host) -> dict[int, list[TimeRange]]:
    hours: dict[int, list[TimeRange]] = {day: [] for day in range(7)}
    for rule in WeeklyRule.objects.filter(host=host).order_by("weekday", "start_time"):
        hours[rule.weekday].append((rule.start_time, rule.end_time))
    return hours


def copy_day_hours(host, source: int, targets: Iterable[int]) -> None:
    hours = weekly_hours(host)
    for target in targets:
        hours[target] = list(hours[source])
    set_weekly_hours(host, hours)


@transaction.atomic
def set_date_override(host, date: dt.date, ranges: Sequence[TimeRange] | None) -> None:
    """Give a date its own hours, or (ranges None or empty) make it unavailable all day."""
    ranges = list(ranges or [])
    check_ranges(ranges)
    DateOverride.objects.filter(host=host, date=date).delete()
    if ranges:
        DateOverride.objects.bulk_create(
            DateOverride(host=host, date=date, start_time=start, end_time=end)
            for start, end in ranges
        )
    else:
        DateOverride.objects.create(host=host, date=date)


def clear_date_override(host, date: dt.date) -> None:
    DateOverride.objects.filter(host=host, date=date).delete()


def save_busy_block(
    host, *, start: dt.datetime, end: dt.datetime, reason: str, block: BusyBlock | None = None
) -> BusyBlock:
    """Create or change a manual block; blocks copied from a calendar cannot be changed here."""
    if block is not None and block.is_read_only:
        raise AvailabilityError("This time comes from a connected calendar; change it there.")
    if end <= start:
        raise AvailabilityError("The end must be after the start.")
    overlapping = BusyBlock.objects.filter(
        host=host, source=BusySource.MANUAL, start__lt=end, end__gt=start
    )
    if block is not None:
        overlapping = overlapping.exclude(pk=block.pk)
    if overlapping.exists():
        raise AvailabilityError("This overlaps time you have already blocked.")
    block = block or BusyBlock(host=host, source=BusySource.MANUAL)
    block.start, block.end, block.reason = start, end, reason
    try:
        with transaction.atomic():
            block.save()
    except IntegrityError:  # a concurrent block won the race
        raise AvailabilityError("This overlaps time you have already blocked.") from None
    return block


def delete_busy_block(block: BusyBlock) -> None:
    if block.is_read_only:
        raise AvailabilityError("This time comes from a connected calendar; change it there.")
    block.delete()
