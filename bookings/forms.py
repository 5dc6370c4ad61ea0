"""Guest input: what a guest types (or posts as JSON) to book, reschedule or cancel."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone

from availability.timezones import is_known_timezone

# Start times further than this from now are nonsense, and would overflow date maths.
FURTHEST = dt.timedelta(days=5 * 366)


def parse_instant(value: str) -> dt.datetime:
    """An ISO 8601 date-time with an offset, as an aware UTC datetime."""
    if len(value) > 40:
        raise forms.ValidationError("Give the start as an ISO 8601 date-time.")
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError:
        raise forms.ValidationError(
            "Give the start as an ISO 8601 date-time, e.g. 2026-03-02T09:00:00-05:00."
        ) from None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        raise forms.ValidationError("Include the UTC offset, e.g. 2026-03-02T09:00:00-05:00.")
    try:
        parsed = parsed.astimezone(dt.UTC)
    except OverflowError:
        raise forms.ValidationError("That start is out of range.") from None
    if abs(parsed - timezone.now()) > FURTHEST:
        raise forms.ValidationError("That start is out of range.")
    return parsed


class TimezoneField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 64)
        super().__init__(**kwargs)

    def validate(self, value):
        super().validate(value)
        if value and not is_known_timezone(value):
            raise forms.ValidationError("Unknown timezone: use an IANA name such as Europe/London.")


class StartField(forms.CharField):
    def to_python(self, value):
        value = super().to_python(value)
        return parse_instant(value) if value else None


class BookingRequestForm(forms.Form):
    start = StartField()
    name = forms.CharField(max_length=200, label="Your name")
    email = forms.EmailField(max_length=254, label="Email")
    timezone = TimezoneField()
    notes = forms.CharField(
        required=False,
        max_length=5000,
        label="Anything to share before the meeting?",
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def booking_fields(self) -> dict:
        """The cleaned input under the booking service's names."""
        data = self.cleaned_data
        return {
            "start": data["start"],
            "guest_name": data["name"],
            "guest_email": data["email"],
            "guest_timezone": data["timezone"],
            "notes": data["notes"],
        }


class RescheduleForm(forms.Form):
    start = StartField()


class ReasonForm(forms.Form):
    """An optional reason the other party is shown (cancel, decline)."""

    reason_label = "Reason (optional)"
    reason = forms.CharField(
        required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = self.reason_label


class CancelForm(ReasonForm):
    reason_label = "Reason for cancelling (optional)"
