"""Reading the figures: a period of host-local days, its totals, the previous period of the
same length, the change between them, the daily series and the charts' data.

Everything here reads DailyStats and PageViewCount rows, one query each whatever the number
of bookings: the heatmap and the lead-time distribution are rolled up per day with the other
figures. Medians stay exact: they merge the days' sorted lead times. Only the drill-down lists
read the history itself.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.utils import timezone

from analytics.days import days_span, each_day, local_date
from analytics.models import DailyStats, EventKind, PageViewCount
from analytics.rollup import COUNTERS, LEAD_BUCKET_EDGES, attendance_in, events_in

PERIODS = {"7d": 7, "30d": 30, "90d": 90}
MAX_CUSTOM_DAYS = 366
# The figures of the API, each day, the totals and the previous period.
FIGURES = (*COUNTERS, "page_views", "median_lead_time_hours")
LEAD_BUCKET_LABELS = (
    "Under 1 hour",
    "1–24 hours",
    "1–3 days",
    "3–7 days",
    "1–2 weeks",
    "2–4 weeks",
    "4 weeks or more",
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
    # Bookings made per lead-time bucket (LEAD_BUCKET_EDGES) and their lead times' total.
    lead_buckets: list[int] = field(default_factory=lambda: [0] * len(LEAD_BUCKET_EDGES))
    lead_minutes: int = 0

    def add(self, other: Figures) -> None:
        for name in COUNTERS:
            self.counters[name] += other.counters[name]
        self.page_views += other.page_views
        self.lead_times.extend(other.lead_times)
        self.add_lead_buckets(other.lead_buckets)
        self.lead_minutes += other.lead_minutes

    def add_lead_buckets(self, counts: list[int]) -> None:
        for index, count in enumerate(counts):
            self.lead_buckets[index] += count

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
        made = sum(self.lead_buckets)
        if not made:
            return None
        return round(self.lead_minutes / made / 60, 1)

    def labelled_lead_buckets(self) -> list[tuple[str, int]]:
        return list(zip(LEAD_BUCKET_LABELS, self.lead_buckets, strict=True))

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
    # Held meetings starting in the period as [weekday][hour] counts, Monday first, in each
    # host's own time (the staff view adds up every host's rows on that host's days and hours).
    # None when the report was built without the charts.
    heatmap: list[list[int]] | None

    def change(self) -> dict[str, float | None]:
        current, previous = self.totals.as_api(), self.previous.as_api()
        return {name: relative_change(current[name], previous[name]) for name in FIGURES}

    @property
    def is_empty(self) -> bool:
        return not any(self.totals.counters.values()) and not self.totals.page_views


def build_report(
    host, period: Period, event_type_id: int | None = None, *, charts: bool = True
) -> Report:
    """Totals, previous period, daily series and heatmap in two queries. `host` None: every
    host (the staff view), each host's rows on that host's own days. `charts` False (the API
    and the CSV): leave out the heatmap and the lead-time distribution and average."""
    previous = period.previous()
    stats = DailyStats.objects.filter(date__gte=previous.start, date__lte=period.end)
    views = PageViewCount.objects.filter(date__gte=previous.start, date__lte=period.end)
    if host is not None:
        stats, views = stats.filter(host=host), views.filter(host=host)
    if event_type_id is not None:
        stats = stats.filter(event_type_id=event_type_id)
        views = views.filter(event_type_id=event_type_id)
    by_day: dict[dt.date, Figures] = defaultdict(Figures)
    heat = [[0] * 24 for _ in WEEKDAYS] if charts else None
    chart_columns = ("lead_time_buckets", "lead_time_minutes", "meetings_by_hour")
    rows = stats.values_list("date", "lead_times", *COUNTERS, *(chart_columns if charts else ()))
    for day, lead_times, *values in rows:
        figures = by_day[day]
        for name, count in zip(COUNTERS, values[: len(COUNTERS)], strict=True):
            figures.counters[name] += count
        figures.lead_times.extend(lead_times)
        if not charts:
            continue
        lead_buckets, lead_minutes, by_hour = values[len(COUNTERS) :]
        figures.add_lead_buckets(lead_buckets)
        figures.lead_minutes += lead_minutes
        if by_hour and day >= period.start:
            weekday = heat[day.weekday()]
            for hour, meetings in enumerate(by_hour):
                weekday[hour] += meetings
    for day, count in views.values_list("date", "views"):
        by_day[day].page_views += count
    totals, before = Figures(), Figures()
    for day, figures in by_day.items():
        (totals if day >= period.start else before).add(figures)
    daily = [(day, by_day.get(day) or Figures()) for day in each_day(period.start, period.end)]
    return Report(period, totals, before, daily, heat)


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
