"""Public booking pages: thin views over the picker, the booking service and guest tokens."""

from __future__ import annotations

import zoneinfo
from urllib.parse import unquote, urlencode

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import handle_is
from analytics import pageviews
from availability.timezones import is_known_timezone, resolve_timezone, timezone_label
from bookings import calendar_links, services
from bookings.forms import BookingPageForm, CancelForm, RescheduleForm, parse_instant
from bookings.links import guest_links, send_fresh_links
from bookings.models import Booking, CancelledBy, EventType
from bookings.picker import build_picker
from bookings.tokens import Purpose, TokenInvalid, check_token, is_genuine_for
from payments import services as payments
from security.captcha import outage_refusal
from security.ratelimits import rate_limit

# Cookies the head script (static/js/tz-head.js) sets from the browser before the first render.
TZ_COOKIE = "tz"  # a zone the guest picked on a page
BROWSER_TZ_COOKIE = "tzb"  # the browser's own zone
CLOCK_COOKIE = "clock"
COOKIE_AGE = 365 * 24 * 3600


def _guest_zone(request, fallback: str) -> tuple[str, str]:
    """The zone to show times in and where it came from: the page's ?tz= (a choice the guest
    made or a shared link), the zone they picked before, the browser's, or the host's."""
    asked = resolve_timezone(request.GET.get("tz") or request.POST.get("timezone"))
    if asked:
        return asked, "url"
    for name in (TZ_COOKIE, BROWSER_TZ_COOKIE):
        cookie = unquote(request.COOKIES.get(name, ""))  # set with encodeURIComponent
        if is_known_timezone(cookie):
            return cookie, "cookie"
    return fallback, "host"


def _guest_zone_name(request, fallback: str) -> str:
    return _guest_zone(request, fallback)[0]


def _clock(request) -> int:
    raw = request.GET.get("clock") or request.COOKIES.get(CLOCK_COOKIE)
    return 12 if raw == "12" else 24


def _guest_display(request, zone_name: str, zone_source: str = "url") -> dict:
    clock = _clock(request)
    return {
        "zone_name": zone_name,
        "zone_source": zone_source,
        "zone_label": timezone_label(zone_name, timezone.now()),
        "clock": clock,
        "page_zone": zone_name,
        "page_clock": clock,
    }


def _remember_choices(request, response):
    """A zone or clock the guest picked on the page sticks for their next pages."""
    asked = resolve_timezone(request.GET.get("tz"))
    if asked and "tz" in request.GET and not request.htmx:
        response.set_cookie(TZ_COOKIE, asked, max_age=COOKIE_AGE, samesite="Lax")
    if request.GET.get("clock") in ("12", "24"):
        response.set_cookie(CLOCK_COOKIE, request.GET["clock"], max_age=COOKIE_AGE, samesite="Lax")
    return response


def _active_event_type(handle: str, slug: str, event_types=EventType.objects) -> EventType:
    event_type = get_object_or_404(event_types.public(handle, slug))
    if not event_type.is_active or not payments.is_offered(event_type):
        raise Http404("This event type is not taking bookings.")
    return event_type


def _picker_template(request, full: str) -> str:
    if not request.htmx:
        return full
    if request.htmx.target == "picker-area":
        return "bookings/_picker_area.html"
    return "bookings/_picker.html"


@rate_limit("pages-per-ip")
def home(request):
    handle = request.GET.get("handle", "").strip()
    error = ""
    if handle:
        if get_user_model().objects.filter(handle_is(handle), is_active=True).exists():
            return redirect("host-page", handle=handle)
        error = "No one books under that name. Check the link you were given."
    return render(request, "bookings/home.html", {"error": error, "handle": handle[:40]})


@rate_limit("pages-per-ip")
def host_page(request, handle: str):
    host = get_object_or_404(get_user_model(), handle_is(handle), is_active=True)
    event_types = payments.offered_only(host, EventType.objects.for_host(host).active())
    context = {"host": host, "event_types": event_types}
    return render(request, "bookings/host_page.html", context)


@rate_limit("slots-per-ip")
def event_page(request, handle: str, slug: str):
    event_type = _active_event_type(handle, slug, EventType.objects.with_availability_stamp())
    zone_name, zone_source = _guest_zone(request, event_type.host.timezone)
    book_path = reverse("event-book", args=[event_type.host.handle, event_type.slug])
    # Drawn in the host's zone only for want of the guest's: the links must not pin it, so
    # the next page reads the zone the browser has reported by then.
    pin_zone = zone_source != "host"

    def slot_url(slot):
        query = {"start": slot.start.isoformat(), **({"tz": zone_name} if pin_zone else {})}
        return f"{book_path}?{urlencode(query)}"

    picker = build_picker(
        event_type,
        zone_name=zone_name,
        month_param=request.GET.get("month"),
        date_param=request.GET.get("date"),
        base_path=request.path,
        slot_url=slot_url,
        pin_zone=pin_zone,
        stamp=event_type.availability_stamp,
    )
    context = {
        "event_type": event_type,
        "host": event_type.host,
        "picker": picker,
        **_guest_display(request, zone_name, zone_source),
    }
    pageviews.count_view(request, event_type)
    response = render(request, _picker_template(request, "bookings/event_page.html"), context)
    return _remember_choices(request, response)


@rate_limit("booking-per-ip", "booking-per-email", "pages-per-ip")
@require_http_methods(["GET", "POST"])
def book(request, handle: str, slug: str):
    event_type = _active_event_type(handle, slug)
    zone_name = _guest_zone_name(request, event_type.host.timezone)
    event_url = reverse("event-page", args=[event_type.host.handle, event_type.slug])
    error = ""
    if request.method == "POST":
        form = BookingPageForm(request.POST, event_type=event_type)
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
        form = BookingPageForm(
            initial={"start": start_raw, "timezone": zone_name}, event_type=event_type
        )
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
        **_guest_display(request, zone_name),
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
        return None, _link_refused(request, booking, problem)
    return booking, None


def _link_refused(request, booking: Booking, problem: TokenInvalid, status=403, **extra):
    """A link that no longer works. When it is genuinely ours (expired or replaced), show the
    booking as it is now, read-only, with a way to get fresh links by email."""
    context = {"problem": problem, "booking": booking, "token": _link_token(request), **extra}
    if problem.genuine:
        context.update(_booking_context(booking, request))
    return render(request, "bookings/link_invalid.html", context, status=status)


def _booking_context(booking: Booking, request=None) -> dict:
    guest_zone = zoneinfo.ZoneInfo(booking.guest_timezone)
    host_zone = booking.host.zone
    return {
        "clock": _clock(request) if request is not None else 24,
        "booking": booking,
        "event_type": booking.event_type,
        "host": booking.host,
        "guest_start": booking.start.astimezone(guest_zone),
        "guest_end": booking.end.astimezone(guest_zone),
        "host_start": booking.start.astimezone(host_zone),
        "host_end": booking.end.astimezone(host_zone),
        "links": guest_links(booking),
    }


@rate_limit("pages-per-ip")
def booking_detail(request, uid):
    """The guest's page behind the VIEW token (also the .ics link's): it shows the booking and
    never prints reschedule or cancel links, which only the guest's email carries."""
    booking, refusal_page = _guest_booking(request, uid, Purpose.VIEW)
    if refusal_page:
        return refusal_page
    context = _booking_context(booking, request)
    context["calendar_links"] = {
        "google": calendar_links.google_url(booking),
        "outlook": calendar_links.outlook_com_url(booking),
        "office365": calendar_links.office365_url(booking),
    }
    if booking.rescheduled_from:
        context["was_start"] = booking.rescheduled_from.astimezone(booking.guest_zone)
    return render(request, "bookings/booking_detail.html", context)


@rate_limit("guest-change-per-booking", "public-post-per-ip")
@require_POST
def booking_fresh_link(request, uid):
    """ "Email me a fresh link" from a stale or expired link: to the booking's own address."""
    booking = get_object_or_404(Booking.objects.select_related("event_type__host", "host"), uid=uid)
    token = _link_token(request)
    if not is_genuine_for(booking, token):
        return _link_refused(request, booking, TokenInvalid("This link is not valid."))
    sent = send_fresh_links(booking)
    problem = TokenInvalid("Fresh links replace this one.", genuine=True)
    return _link_refused(
        request,
        booking,
        problem,
        status=200 if sent else 429,
        fresh_sent=sent,
        fresh_refused=not sent,
    )


@rate_limit("public-post-per-ip", "pages-per-ip")
@require_http_methods(["GET", "POST"])
def host_confirm(request, uid):
    """The one-click Confirm link of the host's email. Opening it (as mail scanners do) only
    shows the request; the Confirm button posts. The token works once."""
    booking = get_object_or_404(Booking.objects.select_related("event_type__host", "host"), uid=uid)
    token = _link_token(request)
    context = {
        "booking": booking,
        "token": token,
        "host_start": booking.start.astimezone(booking.host.zone),
        "host_end": booking.end.astimezone(booking.host.zone),
        "done": False,
        "problem": "",
    }
    try:
        check_token(booking, Purpose.HOST_CONFIRM, token)
    except TokenInvalid as problem:
        context["problem"] = (
            f"This request is already {booking.get_status_display().lower()}."
            if problem.genuine
            else problem.message
        )
        return render(request, "bookings/host_confirm.html", context, status=403)
    if request.method == "POST":
        try:
            services.confirm_booking(booking)
        except services.BookingError as refusal:
            context["problem"] = refusal.message
            return render(request, "bookings/host_confirm.html", context, status=409)
        context["done"] = True
    return render(request, "bookings/host_confirm.html", context)


@rate_limit("guest-change-per-booking", "slots-per-ip")
@require_http_methods(["GET", "POST"])
def booking_reschedule(request, uid):
    booking, refusal_page = _guest_booking(request, uid, Purpose.RESCHEDULE)
    if refusal_page:
        return refusal_page
    token = _link_token(request)
    zone_name, zone_source = _guest_zone(request, booking.guest_timezone)
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
        **_booking_context(booking, request),
        **_guest_display(request, zone_name, zone_source),
        "picker": picker,
        "token": token,
        "chosen": chosen,
        "error": error,
    }
    status = 409 if error else 200
    response = render(
        request, _picker_template(request, "bookings/reschedule.html"), context, status=status
    )
    return _remember_choices(request, response)


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
    context = {**_booking_context(booking, request), "form": form, "token": token, "error": error}
    return render(request, "bookings/cancel.html", context, status=409 if error else 200)
