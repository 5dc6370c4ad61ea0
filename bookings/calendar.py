"""Day, week and month calendars of a host's bookings and blocked time, in the host's zone.

Items are placed on each local day they touch, as a share of that day's real length, so a
23- or 25-hour DST day still lines up.
"""

from __future__ import annotations

import calendar as calendar_module
import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.urls import reverse

from availability.models import BusyBlock
from bookings.models import Booking

VIEWS = ("day", "week", "month")
ONE_DAY = dt.timedelta(days=1)


@dataclass
class Item:
    kind: str  # "booking" or "block"
    label: str
    start: dt.datetime  # local
    end: dt.datetime  # local
    status: str = ""
    url: str = ""
    top: float = 0.0  # percent of the day
    height: float = 0.0


@dataclass
class Day:
    date: dt.date
    in_range: bool
    is_today: bool
    items: list[Item] = field(default_factory=list)

    @property
    def bookings(self) -> list[Item]:
        return [item for item in self.items if item.kind == "booking"]

    @property
    def blocks(self) -> list[Item]:
        return [item for item in self.items if item.kind == "block"]


@dataclass
class CalendarPage:
    view: str
    anchor: dt.date
    title: str
    days: list[Day]
    previous: dt.date
    next: dt.date

    @property
    def weeks(self) -> list[list[Day]]:
        return [self.days[index : index + 7] for index in range(0, len(self.days), 7)]


def visible_dates(view: str, anchor: dt.date) -> tuple[list[dt.date], set[dt.date]]:
    """All dates drawn, and those that belong to the period (a month grid shows neighbours)."""
    if view == "day":
        return [anchor], {anchor}
    if view == "week":
        monday = anchor - dt.timedelta(days=anchor.weekday())
        dates = [monday + dt.timedelta(days=offset) for offset in range(7)]
        return dates, set(dates)
    grid = calendar_module.Calendar(firstweekday=0).monthdatescalendar(anchor.year, anchor.month)
    dates = [day for week in grid for day in week]
    return dates, {day for day in dates if day.month == anchor.month}


def _step(view: str, anchor: dt.date, direction: int) -> dt.date:
    if view == "day":
        return anchor + direction * ONE_DAY
    if view == "week":
        return anchor + direction * dt.timedelta(days=7)
    index = anchor.year * 12 + anchor.month - 1 + direction
    return dt.date(index // 12, index % 12 + 1, 1)


def _title(view: str, anchor: dt.date, dates: list[dt.date]) -> str:
    if view == "day":
        return f"{anchor:%A} {anchor.day} {anchor:%B %Y}"
    if view == "week":
        first, last = dates[0], dates[-1]
        return f"{first.day} {first:%b} – {last.day} {last:%b %Y}"
    return f"{anchor:%B %Y}"


def build_calendar(host, view: str, anchor: dt.date, today: dt.date) -> CalendarPage:
    zone: ZoneInfo = host.zone
    dates, in_range = visible_dates(view, anchor)
    starts = {day: dt.datetime.combine(day, dt.time(0), tzinfo=zone) for day in dates}
    range_start = starts[dates[0]].astimezone(dt.UTC)
    range_end = dt.datetime.combine(dates[-1] + ONE_DAY, dt.time(0), tzinfo=zone).astimezone(dt.UTC)
    spans: list[Item] = []
    bookings = (
        Booking.objects.for_host(host)
        .overlapping(range_start, range_end)
        .select_related("event_type")
        .order_by("start")
    )
    for booking in bookings:
        spans.append(
            Item(
                kind="booking",
                label=f"{booking.guest_name} · {booking.event_type.title}",
                start=booking.start.astimezone(zone),
                end=booking.end.astimezone(zone),
                status=booking.status,
                url=reverse("dashboard-booking", args=[booking.uid]),
            )
        )
    blocks = BusyBlock.objects.filter(host=host, start__lt=range_end, end__gt=range_start)
    for block in blocks.order_by("start"):
        spans.append(
            Item(
                kind="block",
                label=block.reason or block.get_source_display(),
                start=block.start.astimezone(zone),
                end=block.end.astimezone(zone),
                status="blocked",
            )
        )
    days = []
    for day in dates:
        day_start = starts[day]
        day_end = dt.datetime.combine(day + ONE_DAY, dt.time(0), tzinfo=zone)
        length = (day_end.astimezone(dt.UTC) - day_start.astimezone(dt.UTC)).total_seconds()
        cell = Day(date=day, in_range=day in in_range, is_today=day == today)
        for span in spans:
            if span.start < day_end and day_start < span.end:
                shown_start = max(span.start, day_start)
                shown_end = min(span.end, day_end)
                offset = (
                    shown_start.astimezone(dt.UTC) - day_start.astimezone(dt.UTC)
                ).total_seconds()
                duration = (shown_end - shown_start).total_seconds()
                cell.items.append(
                    Item(
                        kind=span.kind,
                        label=span.label,
                        start=span.start,
                        end=span.end,
                        status=span.status,
                        url=span.url,
                        top=round(100 * offset / length, 3),
                        height=round(max(100 * duration / length, 1.2), 3),
                    )
                )
        days.append(cell)
    return CalendarPage(
        view=view,
        anchor=anchor,
        title=_title(view, anchor, dates),
        days=days,
        previous=_step(view, anchor, -1),
        next=_step(view, anchor, 1),
    )


def working_hours_start(host) -> int:
    """The hour the week and day views open scrolled to: an hour before the host's earliest
    weekly start (08:00 when they have no hours), so the night is out of the way."""
    from availability.models import WeeklyRule

    earliest = WeeklyRule.objects.filter(host=host).order_by("start_time").first()
    return max((earliest.start_time.hour if earliest else 9) - 1, 0)
