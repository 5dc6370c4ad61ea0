"""Host input for hours, overrides and blocked time.

Hours are typed as ranges, "09:00-12:00, 13:00-17:00"; "24:00" (or "00:00" as an end) means
midnight at the end of the day.
"""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

from django import forms
from django.utils import timezone

from availability.models import Weekday
from availability.services import AvailabilityError, TimeRange, check_ranges
from availability.timezones import resolve_timezone, timezone_label
from availability.zone_picker import ZonePickerField

_RANGE = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")


def parse_ranges(text: str) -> list[TimeRange]:
    ranges = []
    for part in filter(None, (piece.strip() for piece in text.split(","))):
        match = _RANGE.match(part)
        if not match:
            raise forms.ValidationError(f"“{part[:30]}” is not a range like 09:00-17:00.")
        start_hour, start_minute, end_hour, end_minute = (int(group) for group in match.groups())
        if (
            start_hour > 23
            or start_minute > 59
            or end_minute > 59
            or end_hour > 24
            or (end_hour == 24 and end_minute)
        ):
            raise forms.ValidationError(f"“{part}” is not a time of day.")
        ranges.append((dt.time(start_hour, start_minute), dt.time(end_hour % 24, end_minute)))
    try:
        check_ranges(ranges)
    except AvailabilityError as error:
        raise forms.ValidationError(error.message) from None
    return ranges


def format_ranges(ranges: list[TimeRange]) -> str:
    def label(value: dt.time, is_end: bool) -> str:
        return "24:00" if is_end and value == dt.time(0) else f"{value:%H:%M}"

    return ", ".join(f"{label(start, False)}-{label(end, True)}" for start, end in ranges)


class RangesField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("max_length", 300)
        super().__init__(**kwargs)

    def clean(self, value):
        return parse_ranges(super().clean(value) or "")


class WeeklyHoursForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day in Weekday:
            self.fields[f"day_{day.value}"] = RangesField(
                label=day.label,
                widget=forms.TextInput(attrs={"placeholder": "Unavailable", "autocomplete": "off"}),
            )

    @classmethod
    def initial_for(cls, hours: dict[int, list[TimeRange]]) -> dict[str, str]:
        return {f"day_{day}": format_ranges(ranges) for day, ranges in hours.items()}

    def hours(self) -> dict[int, list[TimeRange]]:
        return {day.value: self.cleaned_data[f"day_{day.value}"] for day in Weekday}


class CopyDayForm(forms.Form):
    source = forms.TypedChoiceField(choices=Weekday.choices, coerce=int, label="Copy the hours of")
    targets = forms.TypedMultipleChoiceField(
        choices=Weekday.choices, coerce=int, label="to", widget=forms.CheckboxSelectMultiple
    )


class TimezoneForm(forms.Form):
    timezone = ZonePickerField(label="Timezone of your hours")


class DateOverrideForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    unavailable = forms.BooleanField(required=False, label="Unavailable all day")
    hours = RangesField(
        label="Hours that day", widget=forms.TextInput(attrs={"placeholder": "10:00-14:00"})
    )

    def clean(self):
        data = super().clean()
        if not data.get("unavailable") and not data.get("hours") and "hours" not in self.errors:
            self.add_error("hours", "Give the hours of that day, or mark it unavailable.")
        return data


# Further from now than this is a typing mistake (and would overflow date maths).
FURTHEST = dt.timedelta(days=5 * 366)


class LocalDateTimeField(forms.DateTimeField):
    """A date-time typed as wall-clock time in `zone` (the form sets it), cleaned to UTC."""

    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.zone = ZoneInfo("UTC")

    def to_python(self, value):
        parsed = super().to_python(value)  # aware in UTC, the current zone
        if parsed is None:
            return None
        try:
            instant = parsed.replace(tzinfo=None).replace(tzinfo=self.zone).astimezone(dt.UTC)
        except OverflowError:
            raise forms.ValidationError("That date is out of range.") from None
        if abs(instant - timezone.now()) > FURTHEST:
            raise forms.ValidationError("That date is out of range.")
        return instant


def read_in_zone(form: forms.Form, zone: ZoneInfo) -> None:
    """Make every LocalDateTimeField of a form read wall-clock times in `zone`."""
    for field in form.fields.values():
        if isinstance(field, LocalDateTimeField):
            field.zone = zone


class BusyBlockForm(forms.Form):
    """Start and end as local date-times in the host's timezone."""

    start = LocalDateTimeField()
    end = LocalDateTimeField()
    reason = forms.CharField(required=False, max_length=200)

    def __init__(self, *args, zone: ZoneInfo, **kwargs):
        super().__init__(*args, **kwargs)
        read_in_zone(self, zone)

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            self.add_error("end", "The end must be after the start.")
        return data


_TIME = re.compile(r"^(\d{2}):(\d{2})$")


def _parse_clock(raw: str, *, is_end: bool) -> dt.time | None:
    match = _TIME.match(raw.strip())
    if not match:
        return None
    hour, minute = int(match.group(1)), int(match.group(2))
    if is_end and (hour, minute) == (24, 0):
        return dt.time(0)
    if hour > 23 or minute > 59:
        return None
    return dt.time(hour, minute)


class WeeklyHoursEditor:
    """The weekly hours editor's post: per day an on/off toggle and start/end time pickers
    (`day_N_on`, `day_N_start`, `day_N_end` repeated per range), plus the timezone, saved
    together. An end of 00:00 means midnight at the end of the day."""

    def __init__(self, data=None, *, hours: dict[int, list[TimeRange]], zone_name: str):
        self.data = data
        self.errors: dict[int, str] = {}
        self.zone_error = ""
        self.cleaned_hours: dict[int, list[TimeRange]] = {}
        self.cleaned_zone = zone_name
        self.days = [
            {
                "value": day.value,
                "label": day.label,
                "on": bool(hours.get(day.value)),
                "ranges": [
                    (f"{start:%H:%M}", "24:00" if end == dt.time(0) else f"{end:%H:%M}")
                    for start, end in hours.get(day.value, [])
                ],
                "error": "",
            }
            for day in Weekday
        ]
        self.zone_name = zone_name
        self.zone_text = ""  # what was typed, when it named no zone

    @property
    def zone_label(self) -> str:
        """The timezone box's text: the typed text that failed, else the zone as read."""
        return self.zone_text or timezone_label(self.zone_name, timezone.now())

    def is_valid(self) -> bool:
        data = self.data
        typed = data.get("timezone", self.zone_name)
        zone = resolve_timezone(typed)
        if zone is None:
            self.zone_error = "Type a city in that timezone, such as London, and choose it."
            self.zone_text = str(typed)[:100]
        else:
            self.cleaned_zone = zone
            self.zone_name = zone
        for day in self.days:
            number = day["value"]
            starts = data.getlist(f"day_{number}_start")
            ends = data.getlist(f"day_{number}_end")
            day["on"] = data.get(f"day_{number}_on") == "on"
            day["ranges"] = [(start[:5], end[:5]) for start, end in zip(starts, ends, strict=False)]
            if not day["on"]:
                self.cleaned_hours[number] = []
                continue
            ranges = []
            for start_raw, end_raw in zip(starts, ends, strict=False):
                if not start_raw and not end_raw:
                    continue
                start = _parse_clock(start_raw, is_end=False)
                end = _parse_clock(end_raw, is_end=True)
                if start is None or end is None:
                    day["error"] = "Give each range a start and an end time."
                    break
                ranges.append((start, end))
            if not day["error"] and not ranges:
                day["error"] = "Give the hours of this day, or switch it off."
            if not day["error"]:
                try:
                    check_ranges(ranges)
                except AvailabilityError as error:
                    day["error"] = error.message
            if day["error"]:
                self.errors[number] = day["error"]
            else:
                self.cleaned_hours[number] = ranges
        return not self.errors and not self.zone_error
