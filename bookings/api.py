"""Public JSON API v1: slots, bookings, reschedule, cancel and .ics, over the booking service.

Every error is `{"error": message, "code": CODE, "details": {...}}`. The API authenticates
guests by the signed tokens of their links, not by cookies, so it is exempt from CSRF.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import zoneinfo

from django.core.exceptions import RequestDataTooBig
from django.http import Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt

from availability.loader import find_slots
from availability.timezones import is_known_timezone
from bookings import services
from bookings.forms import BookingRequestForm, CancelForm, RescheduleForm
from bookings.ics import booking_invite
from bookings.links import guest_links
from bookings.models import Booking, EventType
from bookings.openapi import openapi_document
from bookings.questions import question_field_names
from bookings.services import BookingError
from bookings.tokens import Purpose, TokenInvalid, check_token
from payments import services as payments
from payments.api import payment_payload
from security.ratelimits import rate_limit

MAX_RANGE_DAYS = 62
STATUS_FOR_CODE = {
    "INVALID_INPUT": 400,
    "UNAUTHORIZED": 401,
    "FORBIDDEN": 403,
    "NOT_FOUND": 404,
    "METHOD_NOT_ALLOWED": 405,
    "SLOT_UNAVAILABLE": 409,
    "INVALID_STATE": 409,
    "PAYMENT_UNAVAILABLE": 503,
    "RATE_LIMITED": 429,
}


class ApiError(Exception):
    def __init__(self, message: str, code: str = "INVALID_INPUT", details: dict | None = None):
        super().__init__(message)
        self.message = message
        self.code = code
        self.details = details or {}


def error_response(message: str, code: str, details: dict | None = None) -> JsonResponse:
    return JsonResponse(
        {"error": message, "code": code, "details": details or {}},
        status=STATUS_FOR_CODE.get(code, 400),
    )


def api_view(*methods: str):
    """Allow only `methods` and turn every expected failure into the JSON error shape."""

    def decorate(view):
        @csrf_exempt
        @functools.wraps(view)
        def wrapped(request, *args, **kwargs):
            if request.method not in methods:
                response = error_response(f"Use {' or '.join(methods)} here.", "METHOD_NOT_ALLOWED")
                response["Allow"] = ", ".join(methods)
                return response
            try:
                return view(request, *args, **kwargs)
            except ApiError as error:
                return error_response(error.message, error.code, error.details)
            except BookingError as error:
                details = {"reason": error.reason} if error.reason else {}
                return error_response(error.message, error.code, details)
            except TokenInvalid as error:
                return error_response(error.message, "FORBIDDEN")
            except Http404:
                return error_response("Not found.", "NOT_FOUND")

        return wrapped

    return decorate


def read_json_object(request, fields: dict[str, bool]) -> dict:
    """The body as a JSON object whose listed fields (name: required) are strings."""
    try:
        raw = request.body
    except RequestDataTooBig:
        raise ApiError("The request body is too large.") from None
    try:
        body = json.loads(raw or b"null")
    except (ValueError, UnicodeDecodeError):
        raise ApiError("The request body is not valid JSON.") from None
    except RecursionError:  # thousands of nested brackets: refused, not a 500
        raise ApiError("The request body is nested too deeply.") from None
    if not isinstance(body, dict):
        raise ApiError("The request body must be a JSON object.")
    type_errors = {
        name: ["Must be a string."]
        for name in fields
        if body.get(name) is not None and not isinstance(body[name], str)
    }
    if type_errors:
        raise ApiError("Some fields have the wrong type.", details=type_errors)
    return {name: body[name] for name in fields if body.get(name) is not None}


def validated(form) -> dict:
    if not form.is_valid():
        details = {
            field: [error["message"] for error in errors]
            for field, errors in form.errors.get_json_data().items()
        }
        raise ApiError("Some fields are missing or invalid.", details=details)
    return form.cleaned_data


def booking_payload(booking: Booking) -> dict:
    zone = zoneinfo.ZoneInfo(booking.guest_timezone)
    links = guest_links(booking)
    return {
        "uid": str(booking.uid),
        "status": booking.status,
        "start": booking.start.astimezone(zone).isoformat(),
        "end": booking.end.astimezone(zone).isoformat(),
        "timezone": booking.guest_timezone,
        "ics_url": links.ics_url,
        "reschedule_url": links.reschedule_url,
        "cancel_url": links.cancel_url,
        "reschedule_token": links.reschedule_token,
        "cancel_token": links.cancel_token,
        **payment_payload(booking),
    }


def _date_param(request, name: str, default: dt.date) -> dt.date:
    raw = request.GET.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = dt.date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        value = None
    if value is None:
        raise ApiError(f"{name} must be a date as YYYY-MM-DD.", details={name: ["Invalid date."]})
    today = timezone.now().date()
    if abs((value - today).days) > 5 * 366:
        raise ApiError(f"{name} is out of range.", details={name: ["Out of range."]})
    return value


@rate_limit("slots-per-ip")
@api_view("GET")
def slots(request, handle: str, slug: str):
    event_type = get_object_or_404(EventType.objects.public(handle, slug).with_availability_stamp())
    if not event_type.is_active or not payments.is_offered(event_type):
        raise Http404
    zone_name = request.GET.get("timezone") or event_type.host.timezone
    if not is_known_timezone(zone_name):
        raise ApiError(
            "Unknown timezone: use an IANA name such as Europe/London.",
            details={"timezone": ["Unknown timezone."]},
        )
    zone = zoneinfo.ZoneInfo(zone_name)
    today = timezone.now().astimezone(zone).date()
    first_day = _date_param(request, "start", today)
    last_day = _date_param(request, "end", first_day + dt.timedelta(days=6))
    if last_day < first_day:
        raise ApiError("end must not be before start.", details={"end": ["Before start."]})
    if (last_day - first_day).days + 1 > MAX_RANGE_DAYS:
        raise ApiError(
            f"Ask for at most {MAX_RANGE_DAYS} days at a time.",
            details={"end": [f"At most {MAX_RANGE_DAYS} days after start."]},
        )
    found = find_slots(event_type, first_day, last_day, zone, stamp=event_type.availability_stamp)
    return JsonResponse({"timezone": zone_name, "slots": _slot_payloads(found, zone)})


def _slot_payloads(found, zone: zoneinfo.ZoneInfo) -> list[dict]:
    """Slots with local ISO 8601 times. Back-to-back slots share a boundary (one's end is the
    next one's start), so that instant is converted once: the conversion is most of the cost."""
    payloads = []
    last_end = last_end_text = None
    for slot in found:
        if slot.start == last_end:
            start_text = last_end_text
        else:
            start_text = slot.start.astimezone(zone).isoformat()
        last_end, last_end_text = slot.end, slot.end.astimezone(zone).isoformat()
        payloads.append({"start": start_text, "end": last_end_text, "seats_left": slot.seats_left})
    return payloads


@rate_limit("booking-per-ip", "booking-per-email")
@api_view("POST")
def create(request, handle: str, slug: str):
    # The questions are read once, for the field names and the form both.
    event_type = get_object_or_404(
        EventType.objects.public(handle, slug)
        .with_calendar_presence()
        .prefetch_related("questions")
    )
    # The event type's own questions (q_<id>) and the guest's phone for a call are asked too.
    fields = {"start": True, "name": True, "email": True, "timezone": True, "notes": False}
    fields.update({"phone": False, **{name: False for name in question_field_names(event_type)}})
    body = read_json_object(request, fields)
    form = BookingRequestForm(body, event_type=event_type)
    validated(form)
    booking = services.create_booking(event_type=event_type, **form.booking_fields())
    return JsonResponse(booking_payload(booking), status=201)


def _guest_booking(uid, purpose: Purpose, token, *, any_purpose: bool = False) -> Booking:
    if not token:
        raise ApiError(
            "The token from the guest's link is required.",
            details={"token": ["This field is required."]},
        )
    booking = get_object_or_404(Booking.objects.select_related("event_type__host", "host"), uid=uid)
    if not any_purpose:
        check_token(booking, purpose, token)
        return booking
    for each in Purpose:
        try:
            check_token(booking, each, token)
            return booking
        except TokenInvalid as problem:
            refusal = problem
    raise refusal


@rate_limit("pages-per-ip")
@api_view("GET")
def detail(request, uid):
    """The booking as it is now, for any of its guest tokens (a client polls this to learn
    when a payment is confirmed)."""
    token = request.GET.get("token")
    booking = _guest_booking(uid, Purpose.VIEW, token, any_purpose=True)
    return JsonResponse(booking_payload(booking))


@rate_limit("guest-change-per-booking", "public-post-per-ip")
@api_view("POST")
def cancel(request, uid):
    body = read_json_object(request, {"token": True, "reason": False})
    booking = _guest_booking(uid, Purpose.CANCEL, body.get("token"))
    data = validated(CancelForm(body))
    booking = services.cancel_booking(booking, by="guest", reason=data["reason"])
    return JsonResponse(booking_payload(booking))


@rate_limit("guest-change-per-booking", "public-post-per-ip")
@api_view("POST")
def reschedule(request, uid):
    body = read_json_object(request, {"token": True, "start": True})
    booking = _guest_booking(uid, Purpose.RESCHEDULE, body.get("token"))
    data = validated(RescheduleForm(body))
    booking = services.reschedule_booking(booking, start=data["start"], by="guest")
    return JsonResponse(booking_payload(booking))


@rate_limit("pages-per-ip")
@api_view("GET")
def ics(request, uid):
    booking = _guest_booking(uid, Purpose.VIEW, request.GET.get("token"))
    response = HttpResponse(booking_invite(booking), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="booking-{booking.uid}.ics"'
    return response


@rate_limit("pages-per-ip")
@api_view("GET")
def openapi(request):
    return JsonResponse(openapi_document())
