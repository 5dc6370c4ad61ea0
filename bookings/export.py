"""Bookings as CSV for the host: one row per booking, the guest's answers as columns."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from bookings.models import Booking

BASE_COLUMNS = [
    "Start",
    "End",
    "Timezone",
    "Status",
    "Event type",
    "Guest name",
    "Guest email",
    "Guest timezone",
    "Guest phone",
    "Location",
    "Notes",
]


def _cell(value: object) -> str:
    """Spreadsheets run cells that start with = + - @ as formulas: guests typed these."""
    text = str(value)
    return f"'{text}" if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def bookings_csv(bookings: Iterable[Booking], zone) -> str:
    rows = list(bookings)
    questions: list[str] = []
    for booking in rows:
        for answer in booking.answers or []:
            if answer.get("label") not in questions:
                questions.append(answer.get("label"))
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(BASE_COLUMNS + questions)
    for booking in rows:
        answers = {answer.get("label"): answer.get("value") for answer in booking.answers or []}
        place = booking.where
        writer.writerow(
            [
                booking.start.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                booking.end.astimezone(zone).strftime("%Y-%m-%d %H:%M"),
                zone.key,
                booking.get_status_display(),
                _cell(booking.event_type.title),
                _cell(booking.guest_name),
                _cell(booking.guest_email),
                booking.guest_timezone,
                _cell(booking.guest_phone),
                _cell(place or ""),
                _cell(booking.notes),
            ]
            + [_cell(answers.get(label, "")) for label in questions]
        )
    return out.getvalue()
