"""iCalendar (RFC 5545) invites for bookings, made with the icalendar package.

The VEVENT UID is derived from the booking's uid, so it stays the same for the life of the
booking and calendar clients update one event on reschedule and remove it on cancel.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event, vCalAddress

from bookings.models import Booking, BookingStatus
from bookings.validators import is_unsafe_character

PRODID = "-//Slotbook//Bookings//EN"

_EVENT_STATUS = {
    BookingStatus.PENDING: "TENTATIVE",
    BookingStatus.CONFIRMED: "CONFIRMED",
    BookingStatus.COMPLETED: "CONFIRMED",
    BookingStatus.NO_SHOW: "CONFIRMED",
    BookingStatus.CANCELLED: "CANCELLED",
    BookingStatus.DECLINED: "CANCELLED",
    BookingStatus.AWAITING_PAYMENT: "TENTATIVE",
    BookingStatus.EXPIRED: "CANCELLED",
}
_GUEST_PARTSTAT = {
    BookingStatus.PENDING: "TENTATIVE",
    BookingStatus.CONFIRMED: "ACCEPTED",
    BookingStatus.COMPLETED: "ACCEPTED",
    BookingStatus.NO_SHOW: "ACCEPTED",
    BookingStatus.CANCELLED: "DECLINED",
    BookingStatus.DECLINED: "DECLINED",
    BookingStatus.AWAITING_PAYMENT: "TENTATIVE",
    BookingStatus.EXPIRED: "DECLINED",
}


def event_uid(booking: Booking) -> str:
    domain = urlsplit(settings.BASE_URL).hostname or "localhost"
    return f"{booking.uid}@{domain}"


def is_cancellation(booking: Booking) -> bool:
    return booking.status in (
        BookingStatus.CANCELLED,
        BookingStatus.DECLINED,
        BookingStatus.EXPIRED,
    )


def _one_line(text: str) -> str:
    """Names as iCalendar parameter values: no control characters or bidi overrides."""
    return " ".join("".join(" " if is_unsafe_character(c) else c for c in text).split())


def booking_event(booking: Booking, *, for_host: bool = False) -> Event:
    """The meeting as one VEVENT; the host's copy is titled with the guest, the guest's with
    the host (each sees who they are meeting)."""
    event_type = booking.event_type
    host = booking.host
    organizer = vCalAddress.new(host.email, cn=_one_line(host.public_name), role="CHAIR")
    guest = vCalAddress.new(
        booking.guest_email,
        cn=_one_line(booking.guest_name),
        role="REQ-PARTICIPANT",
        partstat=_GUEST_PARTSTAT[booking.status],
        rsvp=False,
    )
    event = Event.new(
        uid=event_uid(booking),
        sequence=booking.sequence,
        stamp=timezone.now(),
        start=booking.start,
        end=booking.end,
        summary=f"{event_type.title} with "
        + _one_line(booking.guest_name if for_host else host.public_name),
        description=event_type.description or None,
        location=_location_text(booking),
        organizer=organizer,
        attendees=[guest],
        status=_EVENT_STATUS[booking.status],
    )
    place = booking.where
    if place is not None and place.is_online:
        event.add("url", place.url)
    return event


def _location_text(booking: Booking) -> str | None:
    """LOCATION as a calendar shows it: the address, number or link itself."""
    place = booking.where
    if place is None:
        return None
    return place.text or place.label


def booking_invite(booking: Booking, *, for_host: bool = False) -> bytes:
    """A one-event calendar: REQUEST while the booking stands, CANCEL once it is off."""
    method = "CANCEL" if is_cancellation(booking) else "REQUEST"
    event = booking_event(booking, for_host=for_host)
    calendar = Calendar.new(prodid=PRODID, method=method, subcomponents=[event])
    return calendar.to_ical()
