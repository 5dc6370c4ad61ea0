"""The timezone field of the host's forms: the guest page's searchable picker, not a select.

The field renders a text box holding the zone as people read it ("London (GMT+0) · 07:20");
app.js turns every `[data-zone-picker]` box into a combobox of readable zones with their
offset and current time, which posts the IANA name. Without the script the host types a city
or a zone name, and `resolve_timezone` reads it the same way as the guest's box.
"""

from __future__ import annotations

from django import forms
from django.utils import timezone

from availability.timezones import is_known_timezone, resolve_timezone, timezone_label

HELP = "Type a city or region, then choose from the list."


class ZonePickerInput(forms.TextInput):
    def __init__(self, attrs=None):
        defaults = {
            "data-zone-picker": "",
            "autocomplete": "off",
            "spellcheck": "false",
            "maxlength": "100",
        }
        super().__init__({**defaults, **(attrs or {})})

    def format_value(self, value):
        if is_known_timezone(value):
            return timezone_label(value, timezone.now())
        return super().format_value(value)

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        # The zone the script starts from; empty while the box holds text it could not read.
        zone = value if is_known_timezone(value) else resolve_timezone(value) or ""
        context["widget"]["attrs"]["data-zone"] = zone
        return context


class ZonePickerField(forms.CharField):
    """An IANA zone name from the picker, a typed city ("london") or a zone name."""

    widget = ZonePickerInput

    def __init__(self, **kwargs):
        kwargs.setdefault("help_text", HELP)
        kwargs.setdefault("max_length", 100)
        super().__init__(**kwargs)

    def clean(self, value):
        text = super().clean(value)
        if not text and not self.required:
            return ""
        zone = resolve_timezone(text)
        if zone is None:
            raise forms.ValidationError(
                "Type a city in that timezone, such as London or New York, and choose it "
                "from the list."
            )
        return zone
