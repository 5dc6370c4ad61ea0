"""Template helpers shared by every page: fields tied to their help and errors, clock times."""

from __future__ import annotations

import datetime as dt
from functools import lru_cache

from django import template
from django.template.loader import render_to_string
from django.utils.translation import get_language

from bookings.context_processors import WEEKDAYS

register = template.Library()


@register.filter
def described_by(field) -> str:
    """The ids of a field's help text and error messages, as `_field.html` renders them."""
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-help")
    for index, _message in enumerate(field.errors, start=1):
        ids.append(f"{field.auto_id}-error" + (f"-{index}" if index > 1 else ""))
    return " ".join(ids)


@register.simple_tag
def field_widget(field, described: str = ""):
    """The widget with aria-describedby naming elements that exist (aria-invalid on errors)."""
    attrs = {"aria-describedby": described} if described else {}
    return field.as_widget(attrs=attrs)


@register.filter
def hm(value: dt.datetime | dt.time | None, clock: object = 24) -> str:
    """A time of day on the reader's clock: "14:30" or "2:30pm"."""
    if value is None:
        return ""
    if str(clock) != "12":
        return f"{value.hour:02d}:{value.minute:02d}"
    hour = value.hour % 12 or 12
    return f"{hour}:{value.minute:02d}{'am' if value.hour < 12 else 'pm'}"


@register.simple_tag
def picker_grid(picker) -> str:
    """The picker's month grid. Its HTML follows from the weeks (frozen, hashable) and the
    language alone, and a month's grid stays the same for every guest until a slot is taken or
    a day passes: each distinct grid is rendered once per worker, not once per page view."""
    return _grid_html(picker.weeks, get_language())


@lru_cache(maxsize=512)
def _grid_html(weeks, language: str | None) -> str:
    return render_to_string(
        "bookings/_picker_grid.html", {"weeks": weeks, "weekday_names": WEEKDAYS}
    )
