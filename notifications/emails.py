"""Composing booking emails: words per kind, one shared layout, an .ics invite attached.

Every time is shown in the recipient's timezone and, where the other party's differs, in
theirs too: "Tue 3 Mar, 09:00–09:30 EST · 14:00–14:30 GMT".
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from bookings.ics import booking_invite, is_cancellation
from bookings.links import absolute_url, guest_links, host_confirm_url
from bookings.models import Booking
from notifications.headers import delivery_headers, header_safe
from notifications.models import EmailDelivery, EmailKind, Recipient
from payments.emails import payment_lines


def _local(instant: dt.datetime, zone: ZoneInfo) -> dt.datetime:
    return instant.astimezone(zone)


def describe_range(
    start: dt.datetime, end: dt.datetime, zone: ZoneInfo, other: ZoneInfo | None
) -> str:
    """'Tue 3 Mar, 09:00–09:30 EST', plus ' · 14:00–14:30 GMT' in the other zone if it differs."""
    mine_start, mine_end = _local(start, zone), _local(end, zone)
    day = f"{mine_start:%a} {mine_start.day} {mine_start:%b}"
    text = f"{day}, {mine_start:%H:%M}–{mine_end:%H:%M} {mine_start:%Z}"
    if other is None or other.key == zone.key:
        return text
    theirs_start, theirs_end = _local(start, other), _local(end, other)
    if (
        theirs_start.utcoffset() == mine_start.utcoffset()
        and theirs_start.tzname() == mine_start.tzname()
    ):
        return text
    day = (
        ""
        if theirs_start.date() == mine_start.date()
        else (f"{theirs_start:%a} {theirs_start.day} {theirs_start:%b}, ")
    )
    return f"{text} · {day}{theirs_start:%H:%M}–{theirs_end:%H:%M} {theirs_start:%Z}"


def booking_as_snapshot(delivery: EmailDelivery) -> Booking:
    """The booking as it was when the email was decided."""
    booking = copy.copy(delivery.booking)
    snapshot = delivery.snapshot
    booking.start = dt.datetime.fromisoformat(snapshot["start"])
    booking.end = dt.datetime.fromisoformat(snapshot["end"])
    booking.status = snapshot["status"]
    booking.sequence = snapshot["sequence"]
    return booking


@dataclass
class Composed:
    subject: str
    headline: str
    paragraphs: list[str] = field(default_factory=list)
    actions: list[tuple[str, str]] = field(default_factory=list)


def _reminder_lead(minutes: int) -> str:
    if minutes % (24 * 60) == 0:
        days = minutes // (24 * 60)
        return "tomorrow" if days == 1 else f"in {days} days"
    if minutes % 60 == 0:
        hours = minutes // 60
        return "in 1 hour" if hours == 1 else f"in {hours} hours"
    return f"in {minutes} minutes"


def compose(delivery: EmailDelivery, booking: Booking, when: str, old_when: str) -> Composed:
    kind = delivery.kind
    snapshot = delivery.snapshot
    title = booking.event_type.title
    host_name = booking.host.public_name
    guest_name = booking.guest_name
    reason = snapshot.get("reason") or ""
    reason_line = [f"Reason given: {reason}"] if reason else []
    notes_line = [f"Their note: {booking.notes}"] if booking.notes else []
    host_page = absolute_url(reverse("dashboard-booking", args=[booking.uid]))

    if kind == EmailKind.BOOKING_CONFIRMED:
        return Composed(
            f"Confirmed: {title} with {host_name}, {when}",
            "You're booked",
            [f"{title} with {host_name} is confirmed."],
        )
    if kind == EmailKind.REQUEST_RECEIVED:
        return Composed(
            f"Request sent: {title} with {host_name}",
            "Your request is in",
            [
                f"{host_name} will confirm or decline your request for {title}. "
                "The time is held for you until then."
            ],
        )
    if kind == EmailKind.REQUEST_CONFIRMED:
        return Composed(
            f"Confirmed: {title} with {host_name}, {when}",
            "Your request was confirmed",
            [f"{host_name} confirmed {title}."],
        )
    if kind == EmailKind.REQUEST_DECLINED:
        return Composed(
            f"Declined: {title} with {host_name}",
            "Your request was declined",
            [f"{host_name} could not take your request for {title}.", *reason_line],
        )
    if kind == EmailKind.BOOKING_CANCELLED:
        who = (
            "You cancelled" if snapshot.get("cancelled_by") == "guest" else f"{host_name} cancelled"
        )
        return Composed(
            f"Cancelled: {title} with {host_name}",
            "Booking cancelled",
            [f"{who} {title}.", *reason_line],
        )
    if kind == EmailKind.BOOKING_RESCHEDULED:
        return Composed(
            f"New time: {title} with {host_name}, {when}",
            "Your booking has a new time",
            [f"{title} with {host_name} moved.", f"Was: {old_when}"],
        )
    if kind == EmailKind.FRESH_LINKS:
        return Composed(
            f"Your links: {title} with {host_name}",
            "Here are your current links",
            [f"You asked for fresh links to {title} with {host_name}."],
        )
    if kind == EmailKind.MEETING_LINK:
        meeting_url = booking.meeting_url
        return Composed(
            f"Google Meet link: {title} with {host_name}, {when}",
            "Your Google Meet link",
            [f"Join {title} with {host_name} with Google Meet, at the link below."],
            [("Join with Google Meet", meeting_url)] if meeting_url else [],
        )
    if kind == EmailKind.REMINDER:
        lead = _reminder_lead(snapshot.get("minutes_before", 60))
        other = guest_name if delivery.recipient_role == Recipient.HOST else host_name
        return Composed(
            f"Reminder: {title} with {other} {lead}",
            f"Coming up {lead}",
            [f"{title} with {other}."],
        )
    if kind == EmailKind.HOST_NEW_BOOKING:
        return Composed(
            f"New booking: {title} with {guest_name}, {when}",
            "New booking",
            [f"{guest_name} ({booking.guest_email}) booked {title}.", *notes_line],
            [("See the booking", host_page)],
        )
    if kind == EmailKind.HOST_NEW_REQUEST:
        return Composed(
            f"Please confirm: {title} with {guest_name}, {when}",
            "New request to confirm",
            [
                f"{guest_name} ({booking.guest_email}) asked for {title}. "
                "The time is held until you confirm or decline.",
                *notes_line,
            ],
            [
                ("Confirm", host_confirm_url(booking)),
                ("Decline", f"{host_page}?action=decline"),
            ],
        )
    if kind == EmailKind.HOST_GUEST_RESCHEDULED:
        return Composed(
            f"Rescheduled: {title} with {guest_name}, {when}",
            "A guest moved their booking",
            [f"{guest_name} moved {title}.", f"Was: {old_when}"],
            [("See the booking", host_page)],
        )
    if kind == EmailKind.PAYMENT_REFUNDED:
        return Composed(
            f"Refunded: {title} with {host_name}",
            "Your payment came too late",
            [
                f"Your payment for {title} arrived after the time was released, and someone "
                "else has booked it since. Nothing is booked; the payment is refunded in full."
            ],
        )
    if kind == EmailKind.HOST_PAYMENT_DISPUTED:
        return Composed(
            f"Payment disputed: {title} with {guest_name}",
            "A guest disputed their payment",
            [
                f"{guest_name} ({booking.guest_email}) disputed the payment for {title}. "
                "Answer the dispute in your Stripe dashboard."
            ],
            [("See the booking", host_page)],
        )
    if kind == EmailKind.HOST_GUEST_CANCELLED:
        return Composed(
            f"Cancelled: {title} with {guest_name}",
            "A guest cancelled",
            [f"{guest_name} cancelled {title}.", *reason_line],
        )
    raise ValueError(f"unknown email kind {kind}")


def build_message(delivery: EmailDelivery) -> EmailMultiAlternatives:
    booking = booking_as_snapshot(delivery)
    guest_zone = ZoneInfo(booking.guest_timezone)
    host_zone = booking.host.zone
    to_guest = delivery.recipient_role == Recipient.GUEST
    zone, other = (guest_zone, host_zone) if to_guest else (host_zone, guest_zone)
    when = describe_range(booking.start, booking.end, zone, other)
    old_when = ""
    if "old_start" in delivery.snapshot:
        old_when = describe_range(
            dt.datetime.fromisoformat(delivery.snapshot["old_start"]),
            dt.datetime.fromisoformat(delivery.snapshot["old_end"]),
            zone,
            other,
        )
    composed = compose(delivery, booking, when, old_when)
    composed.paragraphs += payment_lines(delivery.kind, delivery.snapshot, to_guest=to_guest)
    links = guest_links(booking) if to_guest else None
    context = {
        "composed": composed,
        "booking": booking,
        "when": when,
        "cancelled": is_cancellation(booking),
        "links": links,
        "recipient_zone": zone.key,
        "place": booking.place,
        # Guests' answers go to the host; the guest gets them back on their own confirmation.
        "answers": booking.answers,
    }
    message = EmailMultiAlternatives(
        subject=header_safe(composed.subject),
        body=render_to_string("notifications/email/layout.txt", context),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[delivery.recipient],
        # A reply reaches the other party, not a no-reply mailbox.
        reply_to=[booking.host.email if to_guest else booking.guest_email],
        headers=delivery_headers(delivery.key),
    )
    message.attach_alternative(
        render_to_string("notifications/email/layout.html", context), "text/html"
    )
    method = "CANCEL" if is_cancellation(booking) else "REQUEST"
    invite = booking_invite(booking, for_host=not to_guest)
    message.attach("invite.ics", invite, f"text/calendar; method={method}")
    return message
