"""Guest input: what a guest types (or posts as JSON) to book, reschedule or cancel."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.text import slugify

from availability.forms import FURTHEST, LocalDateTimeField, read_in_zone
from availability.timezones import is_known_timezone, timezone_choices
from bookings.models import EventType, slug_validator


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

    def __init__(self, *args, event_type: EventType | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget.attrs["autocomplete"] = "name"
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        if event_type is not None:
            from bookings.questions import add_question_fields

            add_question_fields(self, event_type)

    def booking_fields(self) -> dict:
        """The cleaned input under the booking service's names."""
        from bookings.questions import collect_answers

        data = self.cleaned_data
        return {
            "start": data["start"],
            "guest_name": data["name"],
            "guest_email": data["email"],
            "guest_timezone": data["timezone"],
            "notes": data["notes"],
            "guest_phone": data.get("phone", ""),
            "answers": collect_answers(self),
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


class EventTypeForm(forms.ModelForm):
    """Every setting of an event type, validated; the slug is made from the title if left blank."""

    class Meta:
        model = EventType
        fields = [
            "title",
            "slug",
            "description",
            "location",
            "duration_minutes",
            "slot_interval_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "minimum_notice_minutes",
            "booking_window_days",
            "seats",
            "requires_confirmation",
            "remind_24h",
            "remind_1h",
            "is_active",
        ]
        labels = {
            "slug": "Link name",
            "duration_minutes": "Duration (minutes)",
            "slot_interval_minutes": "Start times every (minutes)",
            "buffer_before_minutes": "Buffer before (minutes)",
            "buffer_after_minutes": "Buffer after (minutes)",
            "minimum_notice_minutes": "Minimum notice (minutes)",
            "booking_window_days": "Bookable up to (days ahead)",
            "seats": "Guests per slot",
            "requires_confirmation": "I confirm each booking myself",
            "is_active": "Taking bookings",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, host, **kwargs):
        super().__init__(*args, **kwargs)
        self.host = host
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Part of the booking URL; made from the title when empty."

    def clean_slug(self):
        slug = (self.cleaned_data.get("slug") or slugify(self.data.get("title", ""))[:50]).lower()
        slug = slug.strip("-")
        if not slug:
            raise forms.ValidationError("Give the link name: letters, digits and hyphens.")
        slug_validator(slug)
        taken = EventType.objects.filter(host=self.host, slug=slug).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("You already have an event type at that link name.")
        return slug

    def save(self, commit=True):
        self.instance.host = self.host
        return super().save(commit=commit)


class HostBookingForm(forms.Form):
    """A booking the host makes for a guest (by phone): local date and time in the host's zone."""

    event_type = forms.ModelChoiceField(queryset=None, label="Event type")
    start = LocalDateTimeField(label="Starts")
    name = forms.CharField(max_length=200, label="Guest name")
    email = forms.EmailField(max_length=254, label="Guest email")
    timezone = TimezoneField(label="Guest timezone")
    notes = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, host, **kwargs):
        super().__init__(*args, **kwargs)
        self.host = host
        self.fields["event_type"].queryset = EventType.objects.for_host(host)
        self.fields["timezone"].widget = forms.Select(choices=timezone_choices())
        self.fields["timezone"].initial = host.timezone
        read_in_zone(self, host.zone)

    def booking_fields(self) -> dict:
        data = self.cleaned_data
        return {
            "event_type": data["event_type"],
            "start": data["start"],
            "guest_name": data["name"],
            "guest_email": data["email"],
            "guest_timezone": data["timezone"],
            "notes": data["notes"],
            "by_host": True,
        }
