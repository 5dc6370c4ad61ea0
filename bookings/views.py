"""Public booking pages: thin views over the picker, the booking service and guest tokens."""

from __future__ import annotations

import zoneinfo
from urllib.parse import quote, urlencode

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from analytics import pageviews
from availability.timezones import is_known_timezone, timezone_choices
from bookings import services
from bookings.forms import BookingPageForm, CancelForm, RescheduleForm, parse_instant
from bookings.links import guest_links
from bookings.models import Booking, CancelledBy, EventType
from bookings.picker import build_picker
from bookings.tokens import Purpose, TokenInvalid, check_token
from payments import services as payments
from security.captcha import outage_refusal
from security.ratelimits import rate_limit


def _guest_zone_name(request, fallback: str) -> str:
    name = request.GET.get("tz") or request.POST.get("timezone") or ""
    return name if is_known_timezone(name) else fallback


def _active_event_type(handle: str, slug: str) -> EventType:
    event_type = get_object_or_404(EventType.objects.public(handle, slug))
    if not event_type.is_active or not payments.is_offered(event_type):
        raise Http404("This event type is not taking bookings.")
    return event_type


def _picker_template(request, full: str) -> str:
    return "bookings/_picker.html" if request.htmx else full


@rate_limit("pages-per-ip")
def home(request):
    handle = request.GET.get("handle", "").strip()
    error = ""
    if handle:
        if get_user_model().objects.filter(handle__iexact=handle, is_active=True).exists():
            return redirect("host-page", handle=handle)
        error = "No one books under that name. Check the link you were given."
    return render(request, "bookings/home.html", {"error": error, "handle": handle[:40]})


@rate_limit("pages-per-ip")
def host_page(request, handle: str):
    host = get_object_or_404(get_user_model(), handle__iexact=handle, is_active=True)
    event_types = payments.offered_only(host, EventType.objects.for_host(host).active())
    return render(request, "bookings/host_page.html", {"host": host, "event_types": event_types})


@rate_limit("slots-per-ip")
def event_page(request, handle: str, slug: str):
    event_type = _active_event_type(handle, slug)
    zone_name = _guest_zone_name(request, event_type.host.timezone)
    book_path = reverse("event-book", args=[event_type.host.handle, event_type.slug])
    picker = build_picker(
        event_type,
        zone_name=zone_name,
        month_param=request.GET.get("month"),
        date_param=request.GET.get("date"),
        base_path=request.path,
        slot_url=lambda slot: (
            f"{book_path}?{urlencode({'start': slot.start.isoformat(), 'tz': zone_name})}"
        ),
    )
    context = {
        "event_type": event_type,
        "host": event_type.host,
        "picker": picker,
        "timezone_choices": timezone_choices(),
        "tz_was_given": "tz" in request.GET,
    }
    pageviews.count_view(request, event_type)
    return render(request, _picker_template(request, "bookings/event_page.html"), context)


@rate_limit("booking-per-ip", "booking-per-email", "pages-per-ip")
@require_http_methods(["GET", "POST"])
def book(request, handle: str, slug: str):
    event_type = _active_event_type(handle, slug)
    zone_name = _guest_zone_name(request, event_type.host.timezone)
    event_url = reverse("event-page", args=[event_type.host.handle, event_type.slug])
    error = ""
    if request.method == "POST":
        form = BookingPageForm(request.POST)
        if form.is_valid():
            if refusal := outage_refusal(request, form):
                return refusal
            try:
                booking = services.create_booking(event_type=event_type, **form.booking_fields())
            except services.BookingError as refusal:
                error = refusal.message
            else:
                return redirect(guest_links(booking).view_path)
        start_raw = request.POST.get("start", "")
    else:
        start_raw = request.GET.get("start", "")
        form = BookingPageForm(initial={"start": start_raw, "timezone": zone_name})
    try:
        start = parse_instant(start_raw)
    except ValidationError:
        return redirect(f"{event_url}?{urlencode({'tz': zone_name})}")
    zone = zoneinfo.ZoneInfo(zone_name)
    local_date = start.astimezone(zone).date().isoformat()
    context = {
        "event_type": event_type,
        "host": event_type.host,
        "form": form,
        "error": error,
        "local_start": start.astimezone(zone),
        "local_end": (start + event_type.duration).astimezone(zone),
        "zone_name": zone_name,
        "back_url": f"{event_url}?{urlencode({'tz': zone_name, 'date': local_date})}",
    }
    status = 409 if error else (400 if request.method == "POST" else 200)
    return render(request, "bookings/book.html", context, status=status)


def _link_token(request) -> str | None:
    return request.POST.get("token") or request.GET.get("token")


def _guest_booking(request, uid, purpose: Purpose):
    """The booking behind a guest link, or the friendly page that explains why not."""
    booking = get_object_or_404(Booking.objects.select_related("event_type__host", "host"), uid=uid)
    try:
        check_token(booking, purpose, _link_token(request))
    except TokenInvalid as problem:
        page = render(
            request,
            "bookings/link_invalid.html",
            {"problem": problem, "booking": booking},
            status=403,
        )
        return None, page
    return booking, None


def _booking_context(booking: Booking) -> dict:
    guest_zone = zoneinfo.ZoneInfo(booking.guest_timezone)
    host_zone = booking.host.zone
    return {
        "booking": booking,
        "event_type": booking.event_type,
        "host": booking.host,
        "guest_start": booking.start.astimezone(guest_zone),
        "guest_end": booking.end.astimezone(guest_zone),
        "host_start": booking.start.astimezone(host_zone),
        "host_end": booking.end.astimezone(host_zone),
        "links": guest_links(booking),
    }


def _google_calendar_url(booking: Booking, links) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    details = booking.event_type.description
    if links.reschedule_url:
        details = (
            f"{details}\n\nReschedule: {links.reschedule_url}\nCancel: {links.cancel_url}".strip()
        )
    query = urlencode(
        {
            "action": "TEMPLATE",
            "text": f"{booking.event_type.title} with {booking.host.public_name}",
            "dates": f"{booking.start:{fmt}}/{booking.end:{fmt}}",
            "details": details,
            "location": booking.event_type.location,
        },
        quote_via=quote,
    )
    return f"https://calendar.google.com/calendar/render?{query}"


@rate_limit("pages-per-ip")
def booking_detail(request, uid):
    booking, refusal_page = _guest_booking(request, uid, Purpose.VIEW)
    if refusal_page:
        return refusal_page
    context = _booking_context(booking)
    context["google_calendar_url"] = _google_calendar_url(booking, context["links"])
    return render(request, "bookings/booking_detail.html", context)


@rate_limit("guest-change-per-booking", "slots-per-ip")
@require_http_methods(["GET", "POST"])
def booking_reschedule(request, uid):
    booking, refusal_page = _guest_booking(request, uid, Purpose.RESCHEDULE)
    if refusal_page:
        return refusal_page
    token = _link_token(request)
    zone_name = _guest_zone_name(request, booking.guest_timezone)
    error = ""
    if request.method == "POST":
        form = RescheduleForm(request.POST)
        if form.is_valid():
            try:
                booking = services.reschedule_booking(
                    booking, start=form.cleaned_data["start"], by=CancelledBy.GUEST
                )
            except services.BookingError as refusal:
                error = refusal.message
            else:
                return redirect(guest_links(booking).view_path)
        else:
            error = "Pick one of the times offered."
    chosen = None
    start_raw = request.GET.get("start")
    if start_raw and not error:
        try:
            chosen = parse_instant(start_raw).astimezone(zoneinfo.ZoneInfo(zone_name))
        except ValidationError:
            chosen = None

    def slot_url(slot):
        query = {"token": token, "tz": zone_name, "start": slot.start.isoformat()}
        return f"{request.path}?{urlencode(query)}"

    picker = build_picker(
        booking.event_type,
        zone_name=zone_name,
        month_param=request.GET.get("month"),
        date_param=request.GET.get("date")
        or booking.start.astimezone(zoneinfo.ZoneInfo(zone_name)).date().isoformat(),
        base_path=request.path,
        slot_url=slot_url,
        extra_params={"token": token},
        exclude_booking_id=booking.pk,
    )
    context = {
        **_booking_context(booking),
        "picker": picker,
        "token": token,
        "chosen": chosen,
        "error": error,
        "zone_name": zone_name,
        "timezone_choices": timezone_choices(),
        "tz_was_given": "tz" in request.GET,
    }
    status = 409 if error else 200
    return render(
        request, _picker_template(request, "bookings/reschedule.html"), context, status=status
    )


@rate_limit("guest-change-per-booking", "pages-per-ip")
@require_http_methods(["GET", "POST"])
def booking_cancel(request, uid):
    booking, refusal_page = _guest_booking(request, uid, Purpose.CANCEL)
    if refusal_page:
        return refusal_page
    token = _link_token(request)
    error = ""
    form = CancelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            booking = services.cancel_booking(
                booking, by=CancelledBy.GUEST, reason=form.cleaned_data["reason"]
            )
        except services.BookingError as refusal:
            error = refusal.message
        else:
            return redirect(guest_links(booking).view_path)
    context = {**_booking_context(booking), "form": form, "token": token, "error": error}
    return render(request, "bookings/cancel.html", context, status=409 if error else 200)
