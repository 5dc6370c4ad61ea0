"""The analytics pages of the host dashboard: figures with trends, charts, the rows behind
each figure, and CSV exports. Reads only (analytics.reports); every row is the host's own,
and the site-wide view is for staff."""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.http import Http404, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.html import escape
from django.utils.safestring import mark_safe

from accounts.views import host_required
from analytics import reports
from analytics.reports import DRILL_FIGURES, WEEKDAYS, Period, PeriodError
from bookings.models import Booking, EventType
from security.refusals import daily_counts

DRILL_PAGE_SIZE = 50


@dataclass
class Selection:
    """What the page was asked for: period, event type, scope, and what was wrong with it."""

    period: Period
    period_name: str
    event_type: EventType | None
    site_wide: bool
    error: str
    custom_start: str
    custom_end: str

    @property
    def event_type_id(self) -> int | None:
        return self.event_type.pk if self.event_type else None

    def query(self, **extra) -> str:
        params = {"period": self.period_name}
        if self.period_name == "custom":
            params.update(start=self.period.start.isoformat(), end=self.period.end.isoformat())
        if self.event_type:
            params["event_type"] = self.event_type.slug
        if self.site_wide:
            params["scope"] = "site"
        params.update(extra)
        return urlencode(params)


def read_selection(request) -> Selection:
    """Parse period, event type and scope; anything wrong falls back to the default with a
    message, never an error page."""
    host = request.user
    zone = host.zone
    errors = []
    name = request.GET.get("period") or "30d"
    start_raw = request.GET.get("start", "")[:10]
    end_raw = request.GET.get("end", "")[:10]
    period = None
    if name == "custom":
        try:
            period = reports.custom_period(start_raw, end_raw, zone)
        except PeriodError as error:
            errors.append(str(error))
    elif name in reports.PERIODS:
        period = reports.parse_period(name, zone)
    else:
        errors.append("Choose 7, 30 or 90 days, or your own dates.")
    if period is None:
        name, period = "30d", reports.parse_period("30d", zone)
    site_wide = request.GET.get("scope") == "site" and host.is_staff
    event_type = None
    slug = request.GET.get("event_type", "")
    if slug and not site_wide:
        event_type = EventType.objects.for_host(host).filter(slug=slug[:50]).first()
        if event_type is None:
            errors.append("That event type was not found; showing all of them.")
    return Selection(period, name, event_type, site_wide, " ".join(errors), start_raw, end_raw)


def trend(current, previous) -> dict:
    """Up/down and % against the previous period; 'new' when the previous was zero."""
    if current is None and previous is None:
        return {"direction": "none", "text": "no data"}
    if not previous:
        if current:
            return {"direction": "new", "text": "new"}
        return {"direction": "flat", "text": "no change"}
    change = reports.relative_change(current or 0, previous)
    if change == 0:
        return {"direction": "flat", "text": "no change"}
    direction = "up" if change > 0 else "down"
    return {"direction": direction, "text": f"{'+' if change > 0 else '−'}{abs(change):.0%}"}


def _percent(value):
    return None if value is None else f"{value:.0%}"


def _hours(value):
    return None if value is None else f"{value:g} h"


def build_cards(report, selection: Selection) -> list[dict]:
    now, before = report.totals, report.previous
    rows = [
        ("created", "Bookings made", now.counters["created"], before.counters["created"], None),
        ("confirmed", "Confirmed", now.counters["confirmed"], before.counters["confirmed"], None),
        ("completed", "Completed", now.counters["completed"], before.counters["completed"], None),
        ("no_shows", "No-shows", now.counters["no_shows"], before.counters["no_shows"], None),
        (
            "cancelled_by_guest",
            "Cancelled by guests",
            now.counters["cancelled_by_guest"],
            before.counters["cancelled_by_guest"],
            None,
        ),
        (
            "cancelled_by_host",
            "Cancelled by you",
            now.counters["cancelled_by_host"],
            before.counters["cancelled_by_host"],
            None,
        ),
        (
            "rescheduled",
            "Reschedules",
            now.counters["rescheduled"],
            before.counters["rescheduled"],
            None,
        ),
        ("declined", "Declined", now.counters["declined"], before.counters["declined"], None),
        ("", "Page views", now.page_views, before.page_views, None),
        ("", "Views → bookings", now.conversion_rate, before.conversion_rate, _percent),
        ("", "Completion rate", now.completion_rate, before.completion_rate, _percent),
        ("", "Cancellation rate", now.cancellation_rate, before.cancellation_rate, _percent),
        (
            "",
            "Median lead time",
            now.median_lead_time_hours,
            before.median_lead_time_hours,
            _hours,
        ),
        (
            "",
            "Average lead time",
            now.average_lead_time_hours,
            before.average_lead_time_hours,
            _hours,
        ),
    ]
    cards = []
    for figure, label, value, previous, formatter in rows:

        def show(number, formatter=formatter):
            shown = formatter(number) if formatter else number
            return "—" if shown is None else shown

        cards.append(
            {
                "figure": figure,
                "label": label,
                "value": show(value),
                "previous": show(previous),
                "trend": trend(value, previous),
                "link": (
                    f"{reverse('analytics-bookings')}?{selection.query(figure=figure)}"
                    if figure and not selection.site_wide
                    else ""
                ),
            }
        )
    return cards


def _summary_of_days(labels, values, what: str) -> str:
    total = sum(values)
    if not total:
        return f"No {what} in this period."
    best = max(range(len(values)), key=lambda index: values[index])
    return f"{total} {what} in all; the busiest day was {labels[best]} with {values[best]}."


def build_charts(report) -> dict:
    heat, lead_buckets = report.heatmap, report.totals.labelled_lead_buckets()
    labels = [day.isoformat() for day, _ in report.daily]
    created = [figures.counters["created"] for _, figures in report.daily]
    rescheduled = [figures.counters["rescheduled"] for _, figures in report.daily]
    cancelled = [figures.cancelled for _, figures in report.daily]
    views = [figures.page_views for _, figures in report.daily]
    heat_total = sum(map(sum, heat))
    busiest = max(
        ((weekday, hour) for weekday in range(7) for hour in range(24)),
        key=lambda cell: heat[cell[0]][cell[1]],
    )
    lead_total = sum(count for _, count in lead_buckets)
    lead_top = max(lead_buckets, key=lambda bucket: bucket[1])
    conversion = report.totals.conversion_rate
    return {
        "data": {
            "labels": labels,
            "created": created,
            "rescheduled": rescheduled,
            "cancelled": cancelled,
            "views": views,
            "heatmap": heat,
            "weekdays": list(WEEKDAYS),
            "lead_labels": [label for label, _ in lead_buckets],
            "lead_counts": [count for _, count in lead_buckets],
        },
        "summaries": {
            "bookings": _summary_of_days(labels, created, "bookings made"),
            "changes": (
                f"{sum(rescheduled)} reschedules and {sum(cancelled)} cancellations in this period."
            ),
            "heatmap": (
                f"{heat_total} meetings; the busiest hour is "
                f"{WEEKDAYS[busiest[0]]} {busiest[1]:02d}:00 with "
                f"{heat[busiest[0]][busiest[1]]}."
                if heat_total
                else "No meetings in this period."
            ),
            "lead": (
                f"{lead_total} bookings; most were made {lead_top[0].lower()} ahead."
                if lead_total
                else "No bookings made in this period."
            ),
            "conversion": (
                f"{sum(views)} page views and {sum(created)} bookings made: "
                f"{conversion:.0%} of views became bookings."
                if conversion is not None
                else f"No page views counted in this period; {sum(created)} bookings made."
            ),
        },
        "tables": {
            "bookings": data_table(["Day", "Bookings made"], zip(labels, created, strict=True)),
            "changes": data_table(
                ["Day", "Reschedules", "Cancellations"],
                zip(labels, rescheduled, cancelled, strict=True),
            ),
            "heatmap": data_table(
                ["Day", *(f"{hour:02d}" for hour in range(24))],
                ([WEEKDAYS[index], *heat[index]] for index in range(7)),
                row_headers=True,
                extra_class="analytics-heat-table",
            ),
            "lead": data_table(["Booked ahead by", "Bookings"], lead_buckets),
            "conversion": data_table(
                ["Day", "Page views", "Bookings made"], zip(labels, views, created, strict=True)
            ),
        },
    }


def data_table(headers, rows, *, row_headers: bool = False, extra_class: str = "") -> str:
    """A chart's data as an HTML table. Built here rather than in the template: a 90-day page
    has several hundred cells, and string joins cost a fraction of template loops."""
    head = "".join(f'<th scope="col">{escape(header)}</th>' for header in headers)
    body = []
    for row in rows:
        cells = [escape(cell) for cell in row]
        first = f'<th scope="row">{cells[0]}</th>' if row_headers else f"<td>{cells[0]}</td>"
        body.append(f"<tr>{first}{''.join(f'<td>{cell}</td>' for cell in cells[1:])}</tr>")
    classes = f"list-table {extra_class}".strip()
    # Every cell and header is escaped above.
    return mark_safe(
        f'<table class="{classes}"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )


@host_required
def dashboard(request):
    selection = read_selection(request)
    host = None if selection.site_wide else request.user
    report = reports.build_report(host, selection.period, selection.event_type_id)
    event_types = EventType.objects.for_host(request.user).order_by("title")
    has_bookings = selection.site_wide or Booking.objects.for_host(request.user).exists()
    context = {
        "section": "analytics",
        "selection": selection,
        "periods": [("7d", "7 days"), ("30d", "30 days"), ("90d", "90 days")],
        "event_types": event_types,
        "report": report,
        "cards": build_cards(report, selection),
        "charts": build_charts(report),
        "has_event_types": event_types.exists(),
        "has_bookings": has_bookings,
        "public_link": request.build_absolute_uri(reverse("host-page", args=[request.user.handle])),
        "zone_name": "each host's own days" if selection.site_wide else request.user.timezone,
        "longer_query": selection.query(period="90d"),
        "all_types_query": Selection(
            selection.period, selection.period_name, None, selection.site_wide, "", "", ""
        ).query(),
    }
    if selection.site_wide:
        context["refusals"] = refusal_summary(selection.period)
    return render(request, "analytics/dashboard.html", context)


def refusal_summary(period) -> dict:
    """Staff only: the requests the rate limits refused in the period, per endpoint and per day
    (security.refusals). Hosts never see it: it is about the site, not their bookings."""
    rows = daily_counts(period.start, period.end)
    per_endpoint: dict[str, int] = {}
    per_day: dict[dt.date, int] = {}
    for row in rows:
        per_endpoint[row.endpoint] = per_endpoint.get(row.endpoint, 0) + row.count
        per_day[row.day] = per_day.get(row.day, 0) + row.count
    return {
        "total": sum(per_endpoint.values()),
        "per_endpoint": sorted(per_endpoint.items(), key=lambda item: (-item[1], item[0])),
        "per_day": sorted(per_day.items()),
    }


def _figure(request) -> str:
    figure = request.GET.get("figure") or "created"
    if figure not in DRILL_FIGURES:
        raise Http404("No such figure.")
    return figure


@host_required
def figure_bookings(request):
    """The history rows behind one figure of the period: their count is the card's number."""
    figure = _figure(request)
    selection = read_selection(request)
    events = reports.figure_events(request.user, selection.period, figure, selection.event_type_id)
    page = Paginator(events, DRILL_PAGE_SIZE).get_page(request.GET.get("page"))
    zone = request.user.zone
    rows = [(event, event.at.astimezone(zone), event.start.astimezone(zone)) for event in page]
    context = {
        "section": "analytics",
        "selection": selection,
        "figure": figure,
        "figure_label": DRILL_FIGURES[figure],
        "page": page,
        "rows": rows,
        "query_without_page": selection.query(figure=figure),
        "back_query": selection.query(),
    }
    return render(request, "analytics/figure_bookings.html", context)


class _Echo:
    def write(self, value):
        return value


def safe_cell(value) -> str:
    """A cell a spreadsheet will not run: text starting like a formula gets a leading quote."""
    text = "" if value is None else str(value)
    if text[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + text
    return text


def _csv_response(filename: str, header: list[str], rows) -> StreamingHttpResponse:
    writer = csv.writer(_Echo())

    def lines():
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow([safe_cell(cell) for cell in row])

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


DAILY_COLUMNS = [
    "date",
    "created",
    "confirmed",
    "completed",
    "no_shows",
    "cancelled_by_guest",
    "cancelled_by_host",
    "rescheduled",
    "declined",
    "page_views",
    "median_lead_time_hours",
]


@host_required
def daily_csv(request):
    selection = read_selection(request)
    host = None if selection.site_wide else request.user
    report = reports.build_report(host, selection.period, selection.event_type_id, charts=False)
    rows = (
        [day.isoformat(), *[figures.as_api()[name] for name in DAILY_COLUMNS[1:]]]
        for day, figures in report.daily
    )
    period = selection.period
    return _csv_response(f"daily-{period.start}-{period.end}.csv", DAILY_COLUMNS, rows)


BOOKING_COLUMNS = [
    "uid",
    "event_type",
    "status",
    "start",
    "end",
    "timezone",
    "guest_name",
    "guest_email",
    "guest_timezone",
    "booked_at",
    "cancelled_by",
    "reason",
]


@host_required
def bookings_csv(request):
    """The host's bookings whose meeting starts in the period (host-local days), by start."""
    selection = read_selection(request)
    zone = request.user.zone
    lo, hi = selection.period.span()
    found = (
        Booking.objects.for_host(request.user)
        .filter(start__gte=lo, start__lt=hi)
        .select_related("event_type")
        .order_by("start")
    )
    if selection.event_type:
        found = found.filter(event_type=selection.event_type)
    rows = (
        [
            booking.uid,
            booking.event_type.title,
            booking.status,
            booking.start.astimezone(zone).isoformat(),
            booking.end.astimezone(zone).isoformat(),
            request.user.timezone,
            booking.guest_name,
            booking.guest_email,
            booking.guest_timezone,
            booking.created_at.astimezone(zone).isoformat(),
            booking.cancelled_by,
            booking.cancel_reason,
        ]
        for booking in found.iterator(chunk_size=2000)
    )
    period = selection.period
    return _csv_response(f"bookings-{period.start}-{period.end}.csv", BOOKING_COLUMNS, rows)
