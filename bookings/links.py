"""The links a guest gets for a booking, each carrying its own purpose-bound token."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from bookings.models import Booking
from bookings.tokens import Purpose, make_token


def absolute_url(path: str) -> str:
    return f"{settings.BASE_URL}{path}"


def _with_token(path: str, token: str) -> str:
    return f"{path}?{urlencode({'token': token})}"


@dataclass(frozen=True)
class GuestLinks:
    view_path: str
    view_url: str
    ics_url: str
    reschedule_url: str | None
    cancel_url: str | None
    reschedule_token: str | None
    cancel_token: str | None


def guest_links(booking: Booking) -> GuestLinks:
    """Absolute links; reschedule and cancel only while the booking can still change."""
    view_token = make_token(booking, Purpose.VIEW)
    view_path = _with_token(reverse("booking-detail", args=[booking.uid]), view_token)
    view_url = absolute_url(view_path)
    ics_url = absolute_url(_with_token(reverse("api-booking-ics", args=[booking.uid]), view_token))
    if not booking.is_active:
        return GuestLinks(view_path, view_url, ics_url, None, None, None, None)
    reschedule_token = make_token(booking, Purpose.RESCHEDULE)
    cancel_token = make_token(booking, Purpose.CANCEL)
    return GuestLinks(
        view_path=view_path,
        view_url=view_url,
        ics_url=ics_url,
        reschedule_url=absolute_url(
            _with_token(reverse("booking-reschedule", args=[booking.uid]), reschedule_token)
        ),
        cancel_url=absolute_url(
            _with_token(reverse("booking-cancel", args=[booking.uid]), cancel_token)
        ),
        reschedule_token=reschedule_token,
        cancel_token=cancel_token,
    )
