"""Undo for deleting blocked time or a date override: the deleted rows, signed, offered back
for a few seconds. Restoring goes through the same services (so overlaps are still refused)."""

from __future__ import annotations

import datetime as dt

from django.core import signing

from availability import services

SALT = "availability.undo"
UNDO_SECONDS = 10
# The page offers the button for UNDO_SECONDS; the server allows a little slack for slow clicks.
UNDO_MAX_AGE = UNDO_SECONDS + 20
SESSION_KEY = "availability_undo"


def offer_block(request, block) -> None:
    payload = {
        "kind": "block",
        "start": block.start.isoformat(),
        "end": block.end.isoformat(),
        "reason": block.reason,
    }
    request.session[SESSION_KEY] = signing.dumps(payload, salt=SALT)


def offer_override(request, day: dt.date, ranges) -> None:
    payload = {
        "kind": "override",
        "date": day.isoformat(),
        "ranges": [[f"{start:%H:%M}", f"{end:%H:%M}"] for start, end in ranges] or None,
    }
    request.session[SESSION_KEY] = signing.dumps(payload, salt=SALT)


def take_offer(request) -> str | None:
    """The undo token to show once, on the page the host lands on after deleting."""
    return request.session.pop(SESSION_KEY, None)


def restore(host, token: str) -> str:
    """Put back what the token names; returns where to send the host. Raises
    signing.BadSignature (including expired) or services.AvailabilityError."""
    payload = signing.loads(token, salt=SALT, max_age=UNDO_MAX_AGE)
    if payload["kind"] == "block":
        services.save_busy_block(
            host,
            start=dt.datetime.fromisoformat(payload["start"]),
            end=dt.datetime.fromisoformat(payload["end"]),
            reason=payload["reason"],
        )
        return "blocks"
    ranges = [
        (dt.time.fromisoformat(start), dt.time.fromisoformat(end))
        for start, end in payload["ranges"] or []
    ]
    services.set_date_override(host, dt.date.fromisoformat(payload["date"]), ranges or None)
    return "overrides"
