"""Guest input: what a guest types (or posts as JSON) to book, reschedule or cancel."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.text import slugify

from availability.forms import FURTHEST, LocalDateTimeField, read_in_zone
from availability.timezones import is_known_timezone
from availability.zone_picker import ZonePickerField
from bookings.locations import KINDS, LocationKind
from bookings.models import MAX_BUFFER_MINUTES, EventType, Question, QuestionKind, slug_validator
from bookings.validators import refuse_unsafe_characters
from payments.forms import PriceFieldsMixin
from security.captcha import CaptchaFormMixin

# Paths under /<handle>/ that belong to other pages (the booking assistant's chat).
RESERVED_SLUGS = frozenset({"assistant"})


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
    name = forms.CharField(max_length=200, label="Your name", validators=[refuse_unsafe_characters])
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


class BookingPageForm(CaptchaFormMixin, BookingRequestForm):
    """The public booking page's form: the API's fields plus hCaptcha when it is configured."""


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


UNITS = [(1, "minutes"), (60, "hours"), (24 * 60, "days")]


class MinutesWidget(forms.MultiWidget):
    """A number and a unit (minutes, hours, days) for a length kept in minutes."""

    def __init__(self, attrs=None):
        super().__init__(
            [
                forms.NumberInput(attrs={"min": 0, "inputmode": "numeric"}),
                forms.Select(choices=UNITS),
            ],
            attrs,
        )

    def value_from_datadict(self, data, files, name):
        if name in data:  # a plain number of minutes (scripts, older forms)
            return [data.get(name), 1]
        return super().value_from_datadict(data, files, name)

    def decompress(self, value):
        if value in (None, ""):
            return [None, 1]
        value = int(value)
        for factor, _label in reversed(UNITS):
            if value and value % factor == 0:
                return [value // factor, factor]
        return [value, 1]


class MinutesField(forms.MultiValueField):
    widget = MinutesWidget

    def __init__(self, *, max_minutes: int, **kwargs):
        self.max_minutes = max_minutes
        fields = (
            forms.IntegerField(min_value=0, max_value=max_minutes, required=False),
            forms.TypedChoiceField(choices=UNITS, coerce=int, required=False),
        )
        kwargs.setdefault("initial", 0)
        super().__init__(fields, require_all_fields=False, **kwargs)
        # A MultiWidget's <label> points at nothing (Django), so each part names itself.
        label = str(kwargs.get("label", ""))
        self.widget.widgets[0].attrs["aria-label"] = label
        self.widget.widgets[1].attrs["aria-label"] = f"{label}: unit"

    def compress(self, data_list):
        if not data_list or data_list[0] in (None, ""):
            return 0
        minutes = int(data_list[0]) * int(data_list[1] or 1)
        if minutes > self.max_minutes:
            raise forms.ValidationError(f"At most {self.max_minutes // 60} hours.")
        return minutes


DURATION_PRESETS = [15, 30, 45, 60, 90]


class EventTypeForm(PriceFieldsMixin, forms.ModelForm):
    """Every setting of an event type, validated; the slug is made from the title if left blank.

    The template groups the fields (Basics, When people can book, Confirmation and reminders,
    Advanced) by the names in GROUPS."""

    GROUPS = {
        "basics": ["title", "slug", "description", "duration_minutes", "duration_other"],
        "location": ["location_kind", "location"],
        "when": ["minimum_notice_minutes", "booking_window_days"],
        "confirmation": ["requires_confirmation", "remind_24h", "remind_1h", "is_active"],
        "payment": [
            "payment_mode",
            "price",
            "price_currency",
            "refund_full_hours",
            "refund_partial_percent",
        ],
        "advanced": [
            "slot_interval_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "seats",
        ],
    }

    duration_minutes = forms.IntegerField(
        label="Duration",
        required=False,
        min_value=5,
        max_value=12 * 60,
        widget=forms.RadioSelect(
            choices=[(minutes, f"{minutes} min") for minutes in DURATION_PRESETS]
        ),
    )
    duration_other = forms.IntegerField(
        label="Other duration (minutes)",
        required=False,
        min_value=5,
        max_value=12 * 60,
        help_text="Overrides the choice above.",
    )
    minimum_notice_minutes = MinutesField(
        label="Minimum notice",
        max_minutes=60 * 24 * 365,
        required=False,
        help_text="How long before its start a booking must be made.",
    )
    buffer_before_minutes = MinutesField(
        label="Buffer before",
        max_minutes=MAX_BUFFER_MINUTES,
        required=False,
        help_text="Free time kept before each meeting.",
    )
    buffer_after_minutes = MinutesField(
        label="Buffer after",
        max_minutes=MAX_BUFFER_MINUTES,
        required=False,
        help_text="Free time kept after each meeting.",
    )

    class Meta:
        model = EventType
        fields = [
            "title",
            "slug",
            "description",
            "duration_minutes",
            "location_kind",
            "location",
            "slot_interval_minutes",
            "buffer_before_minutes",
            "buffer_after_minutes",
            "minimum_notice_minutes",
            "booking_window_days",
            "seats",
            "requires_confirmation",
            "remind_24h",
            "remind_1h",
            "payment_mode",
            "price_currency",
            "refund_full_hours",
            "refund_partial_percent",
            "is_active",
        ]
        labels = {
            "slug": "Link name",
            "location": "Address, phone number or link",
            "slot_interval_minutes": "Start times every (minutes)",
            "booking_window_days": "Bookable up to (days ahead)",
            "seats": "Guests per slot",
            "requires_confirmation": "I confirm each booking myself",
            "is_active": "Taking bookings",
        }
        help_texts = {
            "location": "In person: the address. Phone call I take: your number. "
            "Link: the https:// address of the meeting. Google Meet: nothing, each booking "
            "gets its own link.",
        }
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, host, **kwargs):
        super().__init__(*args, **kwargs)
        self.host = host
        self.fields["slug"].required = False
        self.fields["slug"].help_text = "Part of the booking URL; made from the title when empty."
        self._offer_google_meet()
        duration = self.instance.duration_minutes if self.instance.pk else 30
        if duration not in DURATION_PRESETS:
            self.initial.setdefault("duration_other", duration)
        else:
            self.initial.setdefault("duration_minutes", duration)

    def _offer_google_meet(self) -> None:
        """Google Meet links are made with the event in the host's Google Calendar: without
        one the choice says what to do first, and choosing it is refused (see clean)."""
        from calendars.services import google_meet_available

        self.meet_available = google_meet_available(self.host)
        if self.meet_available:
            return
        field = self.fields["location_kind"]
        field.choices = [
            (value, f"{label} (connect Google Calendar first)")
            if value == LocationKind.GOOGLE_MEET
            else (value, label)
            for value, label in field.choices
        ]
        field.help_text = (
            "Google Meet needs your Google Calendar: connect it under Calendars and choose "
            "a calendar for new bookings."
        )

    def clean_slug(self):
        slug = (self.cleaned_data.get("slug") or slugify(self.data.get("title", ""))[:50]).lower()
        slug = slug.strip("-")
        if not slug:
            raise forms.ValidationError("Give the link name: letters, digits and hyphens.")
        slug_validator(slug)
        if slug in RESERVED_SLUGS:
            raise forms.ValidationError(f"/{slug}/ is taken by another page; choose another name.")
        taken = EventType.objects.filter(host=self.host, slug=slug).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("You already have an event type at that link name.")
        return slug

    def clean(self):
        data = super().clean()
        duration = data.get("duration_other") or data.get("duration_minutes")
        if not duration and "duration_other" not in self.errors:
            self.add_error("duration_minutes", "Choose how long the meeting is.")
        else:
            data["duration_minutes"] = duration
        kind = data.get("location_kind", "")
        detail = (data.get("location") or "").strip()
        if kind in (LocationKind.IN_PERSON, LocationKind.PHONE_HOST, LocationKind.LINK) and not (
            detail
        ):
            self.add_error("location", f"Give the {KINDS[kind].detail_label.lower()}.")
        elif kind == LocationKind.LINK and not detail.startswith(("https://", "http://")):
            self.add_error("location", "Give the full link, starting with https://")
        elif kind in (LocationKind.PHONE_GUEST, LocationKind.GOOGLE_MEET):
            data["location"] = ""
        if (
            kind == LocationKind.GOOGLE_MEET
            and not self.meet_available
            and "location_kind" in self.changed_data
        ):
            self.add_error(
                "location_kind",
                "Google Meet links are made in your Google Calendar. Connect Google Calendar "
                "under Calendars and choose a calendar for new bookings, then choose Google "
                "Meet here.",
            )
        return data

    def _post_clean(self):
        if isinstance(self.cleaned_data.get("duration_minutes"), int):
            self.instance.duration_minutes = self.cleaned_data["duration_minutes"]
        super()._post_clean()

    def save(self, commit=True):
        self.instance.host = self.host
        if not self.instance.pk and self.instance.position == 0:
            last = EventType.objects.for_host(self.host).order_by("-position").first()
            self.instance.position = (last.position + 1) if last else 0
        return super().save(commit=commit)


class QuestionForm(forms.ModelForm):
    class Meta:
        model = Question
        fields = ["label", "kind", "required", "choices"]
        labels = {"label": "Question", "kind": "Answer type", "required": "Required"}
        widgets = {"choices": forms.Textarea(attrs={"rows": 3})}

    def clean(self):
        data = super().clean()
        if (
            data.get("kind") == QuestionKind.CHOICE
            and len([line for line in (data.get("choices") or "").splitlines() if line.strip()]) < 2
        ):
            self.add_error("choices", "Give at least two options, one per line.")
        return data


QuestionFormSet = forms.inlineformset_factory(
    EventType, Question, form=QuestionForm, extra=1, can_delete=True, max_num=20
)


class HostBookingForm(forms.Form):
    """A booking the host makes for a guest (by phone): local date and time in the host's zone."""

    event_type = forms.ModelChoiceField(queryset=None, label="Event type")
    start = LocalDateTimeField(label="Starts")
    name = forms.CharField(
        max_length=200, label="Guest name", validators=[refuse_unsafe_characters]
    )
    email = forms.EmailField(max_length=254, label="Guest email")
    timezone = ZonePickerField(label="Guest timezone")
    notes = forms.CharField(
        required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args, host, **kwargs):
        super().__init__(*args, **kwargs)
        self.host = host
        self.fields["event_type"].queryset = EventType.objects.for_host(host)
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
