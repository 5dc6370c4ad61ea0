"""Reading the figures: a period of host-local days, its totals, the previous period of the
same length, the change between them, the daily series and the charts' data.

Everything here reads DailyStats and PageViewCount rows (a fixed number of queries whatever
the number of bookings) except the weekday x hour heatmap, which groups the period's meetings
in the database, and the drill-down lists, which read the history itself.
"""

from __future__ import annotations

import bisect
import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import Count
from django.db.models.functions import ExtractHour, ExtractIsoWeekDay
from django.utils import timezone

from analytics.days import days_span, each_day, local_date
from analytics.models import DailyStats, EventKind, PageViewCount
from analytics.rollup import COUNTERS, attendance_in, events_in

PERIODS = {"7d": 7, "30d": 30, "90d": 90}
MAX_CUSTOM_DAYS = 366
# The figures of the API, each day, the totals and the previous period.
FIGURES = (*COUNTERS, "page_views", "median_lead_time_hours")
# Statuses of meetings that took or will take place: the heatmap's bookings.
HELD_STATUSES = ("pending", "confirmed", "completed", "no_show")
LEAD_BUCKETS = (
    ("Under 1 hour", 0, 60),
    ("1–24 hours", 60, 24 * 60),
    ("1–3 days", 24 * 60, 3 * 24 * 60),
    ("3–7 days", 3 * 24 * 60, 7 * 24 * 60),
    ("1–2 weeks", 7 * 24 * 60, 14 * 24 * 60),
    ("2–4 weeks", 14 * 24 * 60, 28 * 24 * 60),
    ("4 weeks or more", 28 * 24 * 60, None),
)
WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


class PeriodError(ValueError):
    """A period that cannot be read; the message says what to send instead."""


@dataclass(frozen=True)
class Period:
    start: dt.date
    end: dt.date
    zone: ZoneInfo

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def previous(self) -> Period:
        length = dt.timedelta(days=self.days)
        return Period(self.start - length, self.end - length, self.zone)

    def span(self) -> tuple[dt.datetime, dt.datetime]:
        return days_span(self.start, self.end, self.zone)


def today_for(zone: ZoneInfo, now: dt.datetime | None = None) -> dt.date:
    return local_date(now or timezone.now(), zone)


def period_ending_today(days: int, zone: ZoneInfo, now=None) -> Period:
    today = today_for(zone, now)
    return Period(today - dt.timedelta(days=days - 1), today, zone)


def parse_period(name: str | None, zone: ZoneInfo, now=None) -> Period:
    """'7d', '30d' or '90d' ending today in the zone; the default is 30 days."""
    name = name or "30d"
    if name not in PERIODS:
        raise PeriodError("period must be one of 7d, 30d or 90d.")
    return period_ending_today(PERIODS[name], zone, now)


def custom_period(start_raw: str, end_raw: str, zone: ZoneInfo, now=None) -> Period:
    """Dates typed by the host: YYYY-MM-DD each, start <= end, at most a year, within 20 years."""
    try:
        start = dt.date.fromisoformat(start_raw) if len(start_raw) == 10 else None
        end = dt.date.fromisoformat(end_raw) if len(end_raw) == 10 else None
    except ValueError:
        start = end = None
    if start is None or end is None:
        raise PeriodError("Give both dates as YYYY-MM-DD.")
    if end < start:
        raise PeriodError("The end date is before the start date.")
    if (end - start).days + 1 > MAX_CUSTOM_DAYS:
        raise PeriodError(f"Choose at most {MAX_CUSTOM_DAYS} days.")
    today = today_for(zone, now)
    if abs((start - today).days) > 20 * 366 or abs((end - today).days) > 20 * 366:
        raise PeriodError("Choose dates within twenty years of today.")
    return Period(start, end, zone)


@dataclass
class Figures:
    counters: dict[str, int] = field(default_factory=lambda: dict.fromkeys(COUNTERS, 0))
    page_views: int = 0
    lead_times: list[int] = field(default_factory=list)

    @property
    def cancelled(self) -> int:
        return self.counters["cancelled_by_guest"] + self.counters["cancelled_by_host"]

    @property
    def median_lead_time_hours(self) -> float | None:
        if not self.lead_times:
            return None
        # Each day's list is stored sorted; sorting the concatenation of sorted runs is
        # close to linear.
        self.lead_times.sort()
        return round(statistics.median(self.lead_times) / 60, 1)

    @property
    def average_lead_time_hours(self) -> float | None:
        if not self.lead_times:
            return None
        return round(sum(self.lead_times) / len(self.lead_times) / 60, 1)

    @property
    def completion_rate(self) -> float | None:
        attended = self.counters["completed"] + self.counters["no_shows"]
        return self.counters["completed"] / attended if attended else None

    @property
    def cancellation_rate(self) -> float | None:
        created = self.counters["created"]
        return self.cancelled / created if created else None

    @property
    def conversion_rate(self) -> float | None:
        return self.counters["created"] / self.page_views if self.page_views else None

    def as_api(self) -> dict:
        return {
            **self.counters,
            "page_views": self.page_views,
            "median_lead_time_hours": self.median_lead_time_hours,
        }


def relative_change(current: float | None, previous: float | None) -> float | None:
    """(current - previous) / previous, rounded to 4 places; None when there is nothing to
    compare with (previous zero or missing): the figure is new."""
    if current is None or previous is None or previous == 0:
        return None
    return round((current - previous) / previous, 4)


@dataclass
class Report:
    period: Period
    totals: Figures
    previous: Figures
    daily: list[tuple[dt.date, Figures]]

    def change(self) -> dict[str, float | None]:
        current, previous = self.totals.as_api(), self.previous.as_api()
        return {name: relative_change(current[name], previous[name]) for name in FIGURES}

    @property
    def is_empty(self) -> bool:
        return not any(self.totals.counters.values()) and not self.totals.page_views


def build_report(host, period: Period, event_type_id: int | None = None) -> Report:
    """Totals, previous period and daily series in two queries. `host` None: every host
    (the staff view), each host's rows on that host's own days."""
    previous = period.previous()
    stats = DailyStats.objects.filter(date__gte=previous.start, date__lte=period.end)
    views = PageViewCount.objects.filter(date__gte=previous.start, date__lte=period.end)
    if host is not None:
        stats, views = stats.filter(host=host), views.filter(host=host)
    if event_type_id is not None:
        stats = stats.filter(event_type_id=event_type_id)
        views = views.filter(event_type_id=event_type_id)
    by_day: dict[dt.date, Figures] = defaultdict(Figures)
    for day, lead_times, *counts in stats.values_list("date", "lead_times", *COUNTERS):
        figures = by_day[day]
        for name, count in zip(COUNTERS, counts, strict=True):
            figures.counters[name] += count
        figures.lead_times.extend(lead_times)
    for day, count in views.values_list("date", "views"):
        by_day[day].page_views += count
    totals, before = Figures(), Figures()
    for day, figures in by_day.items():
        target = totals if day >= period.start else before
        for name in COUNTERS:
            target.counters[name] += figures.counters[name]
        target.page_views += figures.page_views
        target.lead_times.extend(figures.lead_times)
    daily = [(day, by_day.get(day) or Figures()) for day in each_day(period.start, period.end)]
    return Report(period, totals, before, daily)


def api_payload(report: Report, zone_name: str) -> dict:
    return {
        "period": {
            "start": report.period.start.isoformat(),
            "end": report.period.end.isoformat(),
            "timezone": zone_name,
        },
        "totals": report.totals.as_api(),
        "previous": report.previous.as_api(),
        "change": report.change(),
        "daily": [{"date": day.isoformat(), **figures.as_api()} for day, figures in report.daily],
    }


def heatmap(host, period: Period, event_type_id: int | None = None) -> list[list[int]]:
    """Meetings (not cancelled or declined) starting in the period, as [weekday][hour] counts in
    the host's time; one grouped query."""
    from bookings.models import Booking

    lo, hi = period.span()
    meetings = Booking.objects.filter(status__in=HELD_STATUSES, start__gte=lo, start__lt=hi)
    if host is not None:
        meetings = meetings.filter(host=host)
    if event_type_id is not None:
        meetings = meetings.filter(event_type_id=event_type_id)
    grid = [[0] * 24 for _ in WEEKDAYS]
    grouped = (
        meetings.annotate(
            weekday=ExtractIsoWeekDay("start", tzinfo=period.zone),
            hour=ExtractHour("start", tzinfo=period.zone),
        )
        .values("weekday", "hour")
        .annotate(meetings=Count("id"))
        .order_by()
    )
    for row in grouped:
        grid[row["weekday"] - 1][row["hour"]] += row["meetings"]
    return grid


def lead_time_buckets(lead_times: list[int]) -> list[tuple[str, int]]:
    """How many lead times fall in each bucket; bisection of the sorted list, so the cost
    hardly grows with the bookings."""
    ordered = sorted(lead_times)
    counts = []
    for label, low, high in LEAD_BUCKETS:
        # The first bucket also takes any negative lead time, so every booking is shown.
        first = 0 if low == 0 else bisect.bisect_left(ordered, low)
        last = len(ordered) if high is None else bisect.bisect_left(ordered, high)
        counts.append((label, last - first))
    return counts


# --- drill-down: the rows behind each figure ---------------------------------------------

DRILL_FIGURES = {
    "created": "Bookings made",
    "confirmed": "Bookings confirmed",
    "completed": "Meetings completed",
    "no_shows": "No-shows",
    "cancelled_by_guest": "Cancelled by the guest",
    "cancelled_by_host": "Cancelled by you",
    "rescheduled": "Reschedules",
    "declined": "Requests declined",
}


def figure_events(host, period: Period, figure: str, event_type_id: int | None = None):
    """The history events one figure of the period counts, oldest first, with their bookings."""
    from django.db.models import Q

    lo, hi = period.span()
    if figure in ("completed", "no_shows"):
        kind = EventKind.COMPLETED if figure == "completed" else EventKind.NO_SHOW
        found = attendance_in(host.pk, lo, hi).filter(kind=kind)
    else:
        conditions = {
            "created": Q(kind=EventKind.CREATED),
            "confirmed": Q(kind=EventKind.CONFIRMED)
            | Q(kind=EventKind.CREATED, details__status="confirmed"),
            "declined": Q(kind=EventKind.DECLINED),
            "rescheduled": Q(kind=EventKind.RESCHEDULED),
            "cancelled_by_guest": Q(kind=EventKind.CANCELLED) & ~Q(actor="host"),
            "cancelled_by_host": Q(kind=EventKind.CANCELLED, actor="host"),
        }
        found = events_in(host.pk, lo, hi).filter(conditions[figure])
    if event_type_id is not None:
        found = found.filter(event_type_id=event_type_id)
    return found.select_related("booking__event_type").order_by("at", "id")
