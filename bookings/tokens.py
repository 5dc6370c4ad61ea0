"""Signed guest links and the host's one-click confirm link.

A guest token names the booking, what it may do (view, reschedule or cancel) and the booking's
link version when it was issued. The link version moves only when the guest's links must stop
working: a reschedule. Confirming or declining a request leaves every link sent so far valid
(the guest is on the pending page; the links sit in their calendar event). A reschedule or
cancel link of a booking that is no longer active still opens, read-only: its page shows the
booking's current state and offers no change. Tokens expire after GUEST_LINK_MAX_AGE_DAYS.

The host's confirm token (purpose "host-confirm") is bound to the booking's sequence, so it
works once: confirming (or any other change) raises the sequence.
"""

from __future__ import annotations

import enum

from django.conf import settings
from django.core import signing

from bookings.models import Booking

SALT = "bookings.guest-link"


class Purpose(enum.StrEnum):
    VIEW = "view"
    RESCHEDULE = "reschedule"
    CANCEL = "cancel"
    HOST_CONFIRM = "host-confirm"


class TokenInvalid(Exception):
    """The link is forged, expired, meant for something else or issued before a change.

    `genuine` is True when the signature is ours and names this booking (an expired or stale
    link): the page may then show the booking's current state and offer a fresh link."""

    def __init__(self, message: str, *, expired: bool = False, genuine: bool = False):
        super().__init__(message)
        self.message = message
        self.expired = expired
        self.genuine = genuine


def make_token(booking: Booking, purpose: Purpose) -> str:
    payload = {"b": booking.uid.hex, "p": purpose.value}
    if purpose is Purpose.HOST_CONFIRM:
        payload["s"] = booking.sequence
    else:
        payload["g"] = booking.link_version
    return signing.dumps(payload, salt=SALT, compress=False)


def _payload(token: object, *, max_age: int | None) -> dict:
    if not isinstance(token, str) or not token or len(token) > 500:
        raise TokenInvalid("This link is not valid.")
    try:
        payload = signing.loads(token, salt=SALT, max_age=max_age)
    except signing.SignatureExpired:
        raise TokenInvalid("This link has expired.", expired=True) from None
    except signing.BadSignature:
        raise TokenInvalid("This link is not valid.") from None
    if not isinstance(payload, dict):
        raise TokenInvalid("This link is not valid.")
    return payload


def is_genuine_for(booking: Booking, token: object) -> bool:
    """Whether the token was signed by us for this booking, however old or stale."""
    try:
        payload = _payload(token, max_age=None)
    except TokenInvalid:
        return False
    return payload.get("b") == booking.uid.hex


def check_token(booking: Booking, purpose: Purpose, token: object) -> None:
    """Raise TokenInvalid unless the token was issued for this booking and purpose and is
    still current."""
    max_age = settings.GUEST_LINK_MAX_AGE_DAYS * 24 * 3600
    try:
        payload = _payload(token, max_age=max_age)
    except TokenInvalid as problem:
        if problem.expired and is_genuine_for(booking, token):
            problem.genuine = True
        raise
    if payload.get("b") != booking.uid.hex:
        raise TokenInvalid("This link is not valid.")
    if payload.get("p") != purpose.value:
        raise TokenInvalid("This link cannot be used for that.")
    if purpose is Purpose.HOST_CONFIRM:
        current = payload.get("s") == booking.sequence
    elif "g" in payload:
        current = payload["g"] == booking.link_version
    else:  # links issued before link versions existed were bound to the sequence
        current = payload.get("s") == booking.sequence
    if not current:
        raise TokenInvalid(
            "This link was replaced: the booking has changed since it was sent.", genuine=True
        )
