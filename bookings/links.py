"""The links a guest gets for a booking, each carrying its own purpose-bound token.

Pages link with paths (they are served from wherever the guest is); emails and the API use
absolute URLs on BASE_URL.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse

from bookings.models import Booking
from bookings.tokens import Purpose, make_token


def absolute_url(path: str | None) -> str | None:
    return f"{settings.BASE_URL}{path}" if path else None


def _with_token(route: str, booking: Booking, token: str) -> str:
    return f"{reverse(route, args=[booking.uid])}?{urlencode({'token': token})}"


@dataclass(frozen=True)
class GuestLinks:
    view_path: str
    ics_path: str
    reschedule_path: str | None = None
    cancel_path: str | None = None
    reschedule_token: str | None = None
    cancel_token: str | None = None

    @property
    def ics_url(self) -> str:
        return absolute_url(self.ics_path)

    @property
    def reschedule_url(self) -> str | None:
        return absolute_url(self.reschedule_path)

    @property
    def cancel_url(self) -> str | None:
        return absolute_url(self.cancel_path)


def guest_links(booking: Booking) -> GuestLinks:
    """Links for the booking as it is now; reschedule and cancel only while it can change.

    A booking awaiting payment gets them too: paying does not change its sequence, so the
    tokens handed out at booking time keep working once it is paid."""
    view_token = make_token(booking, Purpose.VIEW)
    links = GuestLinks(
        view_path=_with_token("booking-detail", booking, view_token),
        ics_path=_with_token("api-booking-ics", booking, view_token),
    )
    if not booking.holds_slot:
        return links
    reschedule_token = make_token(booking, Purpose.RESCHEDULE)
    cancel_token = make_token(booking, Purpose.CANCEL)
    return GuestLinks(
        view_path=links.view_path,
        ics_path=links.ics_path,
        reschedule_path=_with_token("booking-reschedule", booking, reschedule_token),
        cancel_path=_with_token("booking-cancel", booking, cancel_token),
        reschedule_token=reschedule_token,
        cancel_token=cancel_token,
    )
