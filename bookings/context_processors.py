"""Display preferences every template may use: the reader's 12/24-hour clock (from the cookie
static/js/tz-head.js sets from the browser's locale) and the picker's weekday names."""

from __future__ import annotations

WEEKDAYS = [
    ("M", "Monday"),
    ("T", "Tuesday"),
    ("W", "Wednesday"),
    ("T", "Thursday"),
    ("F", "Friday"),
    ("S", "Saturday"),
    ("S", "Sunday"),
]


def display(request) -> dict:
    raw = request.GET.get("clock") or request.COOKIES.get("clock")
    return {"clock": 12 if raw == "12" else 24, "weekday_names": WEEKDAYS}
