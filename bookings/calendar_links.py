"""“Add to calendar” links for a guest: Google, Outlook.com and Office 365 compose pages.

They carry the title, time, place and description only: never the guest's reschedule or
cancel links, which go to the guest's email alone (anyone the event is shared with would
otherwise be able to change the booking).
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from bookings.models import Booking


def _title(booking: Booking) -> str:
    return f"{booking.event_type.title} with {booking.host.public_name}"


def _location(booking: Booking) -> str:
    place = booking.where
    return (place.text or place.label) if place else ""


def google_url(booking: Booking) -> str:
    fmt = "%Y%m%dT%H%M%SZ"
    query = urlencode(
        {
            "action": "TEMPLATE",
            "text": _title(booking),
            "dates": f"{booking.start:{fmt}}/{booking.end:{fmt}}",
            "details": booking.event_type.description,
            "location": _location(booking),
        },
        quote_via=quote,
    )
    return f"https://calendar.google.com/calendar/render?{query}"


def _outlook(base: str, booking: Booking) -> str:
    fmt = "%Y-%m-%dT%H:%M:%SZ"
    query = urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": _title(booking),
            "startdt": f"{booking.start:{fmt}}",
            "enddt": f"{booking.end:{fmt}}",
            "body": booking.event_type.description,
            "location": _location(booking),
        },
        quote_via=quote,
    )
    return f"{base}/calendar/0/deeplink/compose?{query}"


def outlook_com_url(booking: Booking) -> str:
    return _outlook("https://outlook.live.com", booking)


def office365_url(booking: Booking) -> str:
    return _outlook("https://outlook.office.com", booking)
