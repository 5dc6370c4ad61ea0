"""The <option> list of the guest's timezone picker, rendered once per selected zone.

About 430 zones: looping over them in the template was most of the public event page's time
(more than finding the month's slots), so the list is built in Python and kept.
"""

from __future__ import annotations

from functools import lru_cache

from django import template
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe

from availability.timezones import timezone_choices

register = template.Library()

_SELECTED = mark_safe(" selected")
_NOT_SELECTED = mark_safe("")


@lru_cache(maxsize=128)
def _options(selected: str) -> SafeString:
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        (
            (value, _SELECTED if value == selected else _NOT_SELECTED, label)
            for value, label in timezone_choices()
        ),
    )


@register.filter
def timezone_options(selected: str) -> SafeString:
    """`{{ zone_name|timezone_options }}`: every known zone, this one selected."""
    return _options(str(selected))
