"""The host's availability pages: weekly hours, overrides, blocked time, a preview of slots."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.contrib import messages
from django.core import signing
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.views import host_required
from availability import services, undo
from availability.forms import (
    BusyBlockForm,
    CopyDayForm,
    DateOverrideForm,
    TimezoneForm,
    WeeklyHoursEditor,
    WeeklyHoursForm,
    format_ranges,
)
from availability.loader import find_slots
from availability.models import BusyBlock, DateOverride
from bookings.models import EventType

PREVIEW_DAYS = 7


def _preview(host, event_type_id: str | None):
    event_types = list(EventType.objects.for_host(host).active().select_related("host"))
    chosen = next((item for item in event_types if str(item.pk) == event_type_id), None)
    chosen = chosen or (event_types[0] if event_types else None)
    if chosen is None:
        return event_types, None, []
    today = timezone.now().astimezone(host.zone).date()
    by_day = defaultdict(list)
    for slot in find_slots(chosen, today, today + dt.timedelta(days=PREVIEW_DAYS - 1), host.zone):
        by_day[slot.start.astimezone(host.zone).date()].append(slot.start.astimezone(host.zone))
    days = [
        (today + dt.timedelta(days=offset), by_day.get(today + dt.timedelta(days=offset), []))
        for offset in range(PREVIEW_DAYS)
    ]
    return event_types, chosen, days


@host_required
@require_http_methods(["GET", "POST"])
def availability(request):
    host = request.user
    hours = services.weekly_hours(host)
    editor = WeeklyHoursEditor(
        request.POST if "editor" in request.POST else None, hours=hours, zone_name=host.timezone
    )
    if editor.data is not None:
        if editor.is_valid():
            services.set_weekly_hours_and_zone(host, editor.cleaned_hours, editor.cleaned_zone)
            messages.success(request, f"Weekly hours saved, read in {host.timezone}.")
            return redirect("availability")
        form = WeeklyHoursForm(initial=WeeklyHoursForm.initial_for(hours))
    else:
        # The typed-ranges form ("09:00-12:00, 13:00-17:00") still answers scripts and old pages.
        form = WeeklyHoursForm(request.POST or None, initial=WeeklyHoursForm.initial_for(hours))
        if request.method == "POST" and form.is_valid():
            services.set_weekly_hours(host, form.hours())
            messages.success(request, "Weekly hours saved.")
            return redirect("availability")
        for day in editor.days:
            if form.is_bound and form.errors.get(f"day_{day['value']}"):
                day["error"] = " ".join(form.errors[f"day_{day['value']}"])
    event_types, preview_event, preview_days = _preview(host, request.GET.get("preview"))
    context = {
        "section": "availability",
        "editor": editor,
        "form": form,
        "copy_form": CopyDayForm(),
        "timezone_form": TimezoneForm(initial={"timezone": host.timezone}),
        "event_types": event_types,
        "preview_event": preview_event,
        "preview_days": preview_days,
    }
    if request.htmx and request.GET.get("preview"):
        return render(request, "availability/_preview.html", context)
    invalid = form.errors or editor.errors or editor.zone_error
    return render(
        request, "availability/availability.html", context, status=400 if invalid else 200
    )


@host_required
@require_POST
def copy_hours(request):
    form = CopyDayForm(request.POST)
    if form.is_valid():
        targets = [
            day for day in form.cleaned_data["targets"] if day != form.cleaned_data["source"]
        ]
        services.copy_day_hours(request.user, form.cleaned_data["source"], targets)
        messages.success(request, "Hours copied.")
    else:
        messages.error(request, "Pick a day to copy from and at least one day to copy to.")
    return redirect("availability")


@host_required
@require_POST
def set_timezone(request):
    form = TimezoneForm(request.POST)
    if form.is_valid():
        request.user.timezone = form.cleaned_data["timezone"]
        request.user.save(update_fields=["timezone"])
        messages.success(request, f"Your hours are now read in {request.user.timezone}.")
    else:
        messages.error(request, "Choose a timezone from the list.")
    return redirect("availability")


@host_required
@require_http_methods(["GET", "POST"])
def overrides(request):
    host = request.user
    form = DateOverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        services.set_date_override(
            host, data["date"], None if data["unavailable"] else data["hours"]
        )
        messages.success(request, f"{data['date']:%a %d %b %Y} saved.")
        return redirect("overrides")
    today = timezone.now().astimezone(host.zone).date()
    grouped = defaultdict(list)
    for override in DateOverride.objects.filter(host=host, date__gte=today).order_by(
        "date", "start_time"
    ):
        if not override.is_unavailable:
            grouped[override.date].append((override.start_time, override.end_time))
        else:
            grouped.setdefault(override.date, [])
    upcoming = [
        (day, format_ranges(ranges) if ranges else "") for day, ranges in sorted(grouped.items())
    ]
    return render(
        request,
        "availability/overrides.html",
        {
            "section": "availability",
            "form": form,
            "upcoming": upcoming,
            "undo_token": undo.take_offer(request),
            "undo_seconds": undo.UNDO_SECONDS,
        },
        status=400 if form.errors else 200,
    )


@host_required
@require_POST
def delete_override(request, date: str):
    try:
        day = dt.date.fromisoformat(date)
    except ValueError:
        raise Http404 from None
    if not DateOverride.objects.filter(host=request.user, date=day).exists():
        raise Http404
    rows = DateOverride.objects.filter(host=request.user, date=day).order_by("start_time")
    ranges = [(row.start_time, row.end_time) for row in rows if not row.is_unavailable]
    undo.offer_override(request, day, ranges)
    services.clear_date_override(request.user, day)
    messages.success(request, f"{day:%a %d %b %Y} uses your weekly hours again.")
    return redirect("overrides")


@host_required
@require_POST
def undo_delete(request):
    """Put back the blocked time or override just deleted (signed, for a few seconds)."""
    try:
        target = undo.restore(request.user, request.POST.get("token", ""))
    except signing.BadSignature:
        messages.error(request, "Too late to undo; add it again.")
        return redirect("overrides" if request.POST.get("back") == "overrides" else "blocks")
    except services.AvailabilityError as error:
        messages.error(request, f"Could not undo: {error.message}")
        return redirect("blocks")
    messages.success(request, "Restored.")
    return redirect(target)


def _block_initial(block: BusyBlock, zone) -> dict:
    return {
        "start": block.start.astimezone(zone).replace(tzinfo=None),
        "end": block.end.astimezone(zone).replace(tzinfo=None),
        "reason": block.reason,
    }


@host_required
@require_http_methods(["GET", "POST"])
def blocks(request, block_id: int | None = None):
    host = request.user
    block = get_object_or_404(BusyBlock, pk=block_id, host=host) if block_id else None
    if block is not None and block.is_read_only:
        messages.error(request, "This time comes from a connected calendar; change it there.")
        return redirect("blocks")
    form = BusyBlockForm(
        request.POST or None,
        zone=host.zone,
        initial=_block_initial(block, host.zone) if block else None,
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.save_busy_block(
                host,
                start=form.cleaned_data["start"],
                end=form.cleaned_data["end"],
                reason=form.cleaned_data["reason"],
                block=block,
            )
        except services.AvailabilityError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, "Blocked time saved.")
            return redirect("blocks")
    upcoming = BusyBlock.objects.filter(host=host, end__gte=timezone.now()).order_by("start")
    context = {
        "section": "availability",
        "form": form,
        "editing": block,
        "undo_token": undo.take_offer(request),
        "undo_seconds": undo.UNDO_SECONDS,
        "upcoming": [
            (item, item.start.astimezone(host.zone), item.end.astimezone(host.zone))
            for item in upcoming
        ],
    }
    return render(request, "availability/blocks.html", context, status=400 if form.errors else 200)


@host_required
@require_POST
def delete_block(request, block_id: int):
    block = get_object_or_404(BusyBlock, pk=block_id, host=request.user)
    try:
        services.delete_busy_block(block)
    except services.AvailabilityError as error:
        messages.error(request, error.message)
    else:
        undo.offer_block(request, block)
        messages.success(request, "Blocked time removed.")
    return redirect("blocks")
