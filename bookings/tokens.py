"""Signed guest links.

A token names the booking, what it may do (view, reschedule or cancel) and the booking's
sequence when it was issued, so a cancel token cannot reschedule and every link issued before a
change stops working once the booking changes. Tokens expire after GUEST_LINK_MAX_AGE_DAYS.
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


class TokenInvalid(Exception):
    """The link is forged, expired, meant for something else or issued before a change."""

    def __init__(self, message: str, *, expired: bool = False):
        super().__init__(message)
        self.message = message
        self.expired = expired


def make_token(booking: Booking, purpose: Purpose) -> str:
    payload = {"b": booking.uid.hex, "p": purpose.value, "s": booking.sequence}
    return signing.dumps(payload, salt=SALT, compress=False)


def check_token(booking: Booking, purpose: Purpose, token: object) -> None:
    """Raise TokenInvalid unless the token was issued for this booking, purpose and sequence."""
    if not isinstance(token, str) or not token or len(token) > 500:
        raise TokenInvalid("This link is not valid.")
    try:
        payload = signing.loads(
            token, salt=SALT, max_age=settings.GUEST_LINK_MAX_AGE_DAYS * 24 * 3600
        )
    except signing.SignatureExpired:
        raise TokenInvalid("This link has expired.", expired=True) from None
    except signing.BadSignature:
        raise TokenInvalid("This link is not valid.") from None
    if not isinstance(payload, dict) or payload.get("b") != booking.uid.hex:
        raise TokenInvalid("This link is not valid.")
    if payload.get("p") != purpose.value:
        raise TokenInvalid("This link cannot be used for that.")
    if payload.get("s") != booking.sequence:
        raise TokenInvalid("This link was replaced: the booking has changed since it was sent.")
