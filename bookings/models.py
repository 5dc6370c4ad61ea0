"""Event types and bookings.

A booking's instants are stored in UTC. On PostgreSQL an exclusion constraint makes it
impossible for two active bookings of one host to overlap unless they are guests of the same
seated slot; how many guests share a seat group is counted by the booking service under a lock
on the host (see bookings.services).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import uuid
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from availability.slots import EventRules, seat_group_of
from bookings.locations import (
    MEET_LINK_FROM_HOST,
    LocationKind,
    Place,
    asks_guest_phone,
    describe_location,
)
from bookings.querysets import BookingQuerySet, EventTypeQuerySet
from config.constraints import (
    PostgresOnlyCheckConstraint,
    PostgresOnlyExclusionConstraint,
    half_open_range,
)

MAX_BUFFER_MINUTES = 12 * 60
# The slot loader bounds its index scan by this (availability.loader); a check enforces it.
MAX_DURATION_MINUTES = 12 * 60

slug_validator = RegexValidator(
    r"^[a-z0-9](?:[a-z0-9-]{0,48}[a-z0-9])?$",
    "Use lowercase letters, digits and hyphens, starting and ending with a letter or digit.",
)


class PaymentMode(models.TextChoices):
    NONE = "none", "No payment"
    DEPOSIT = "deposit", "Deposit"
    FULL = "full", "Full price"


class EventType(models.Model):
    """A kind of meeting a host offers: how long, when it may start and who may join."""

    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="event_types"
    )
    slug = models.CharField(max_length=50, validators=[slug_validator])
    title = models.CharField(max_length=120)
    description = models.TextField(blank=True, max_length=5000)
    duration_minutes = models.PositiveIntegerField(
        default=30, validators=[MinValueValidator(5), MaxValueValidator(MAX_DURATION_MINUTES)]
    )
    slot_interval_minutes = models.PositiveIntegerField(
        default=30,
        validators=[MinValueValidator(5), MaxValueValidator(12 * 60)],
        help_text="Distance between offered start times.",
    )
    buffer_before_minutes = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(MAX_BUFFER_MINUTES)]
    )
    buffer_after_minutes = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(MAX_BUFFER_MINUTES)]
    )
    minimum_notice_minutes = models.PositiveIntegerField(
        default=0,
        validators=[MaxValueValidator(60 * 24 * 365)],
        help_text="How long before its start a booking must be made.",
    )
    booking_window_days = models.PositiveIntegerField(
        default=60,
        validators=[MinValueValidator(1), MaxValueValidator(730)],
        help_text="How many days ahead guests may book.",
    )
    seats = models.PositiveIntegerField(
        default=1,
        validators=[MinValueValidator(1), MaxValueValidator(1000)],
        help_text="Guests per slot; 1 is a one-to-one meeting.",
    )
    requires_confirmation = models.BooleanField(default=False)
    remind_24h = models.BooleanField("Remind 24 hours before", default=True)
    remind_1h = models.BooleanField("Remind 1 hour before", default=True)
    location_kind = models.CharField(
        "Location", max_length=20, choices=LocationKind.choices, blank=True, default=""
    )
    # The host's part of the location: an address, their phone number or a meeting link.
    location = models.CharField(max_length=300, blank=True)
    # Payment (payments app): amounts in the currency's minor units (cents; yen for JPY).
    payment_mode = models.CharField(
        max_length=8, choices=PaymentMode.choices, default=PaymentMode.NONE
    )
    price_amount = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(99_999_999)], help_text="In minor units."
    )
    price_currency = models.CharField(max_length=3, default="USD")
    refund_full_hours = models.PositiveIntegerField(
        default=24,
        validators=[MaxValueValidator(24 * 365)],
        help_text="Full refund when cancelled at least this many hours before the start.",
    )
    refund_partial_percent = models.PositiveIntegerField(
        default=50,
        validators=[MaxValueValidator(100)],
        help_text="Percent refunded when cancelled later than that (before the start).",
    )
    is_active = models.BooleanField(default=True)
    # The host's order on their public page and in the dashboard list.
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = EventTypeQuerySet.as_manager()

    class Meta:
        ordering = ["position", "title"]
        constraints = [
            models.UniqueConstraint(fields=["host", "slug"], name="eventtype_slug_unique_per_host"),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=1), name="eventtype_duration_positive"
            ),
            models.CheckConstraint(
                condition=Q(slot_interval_minutes__gte=1), name="eventtype_interval_positive"
            ),
            models.CheckConstraint(condition=Q(seats__gte=1), name="eventtype_seats_positive"),
            models.CheckConstraint(
                condition=Q(booking_window_days__gte=1), name="eventtype_window_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.slug})"

    @property
    def duration(self) -> dt.timedelta:
        return dt.timedelta(minutes=self.duration_minutes)

    @property
    def is_seated(self) -> bool:
        return self.seats > 1

    @property
    def takes_payment(self) -> bool:
        return self.payment_mode != PaymentMode.NONE and self.price_amount > 0

    def place(self) -> Place | None:
        return describe_location(self.location_kind, self.location)

    @property
    def asks_guest_phone(self) -> bool:
        return asks_guest_phone(self.location_kind)

    def rules(self) -> EventRules:
        """The settings the slot engine needs."""
        return EventRules(
            event_type_id=self.pk,
            duration=self.duration,
            interval=dt.timedelta(minutes=self.slot_interval_minutes),
            buffer_before=dt.timedelta(minutes=self.buffer_before_minutes),
            buffer_after=dt.timedelta(minutes=self.buffer_after_minutes),
            minimum_notice=dt.timedelta(minutes=self.minimum_notice_minutes),
            window_days=self.booking_window_days,
            seats=self.seats,
        )


class BookingStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"
    NO_SHOW = "no_show", "No-show"
    # Paid event types: the slot is held while the guest pays (payments app), then the
    # booking becomes pending/confirmed, or expired when the hold runs out unpaid.
    AWAITING_PAYMENT = "awaiting_payment", "Awaiting payment"
    EXPIRED = "expired", "Expired"


# Bookings that are on: shown as upcoming, reminded, can be rescheduled and cancelled.
ACTIVE_STATUSES = (BookingStatus.PENDING, BookingStatus.CONFIRMED)
# Bookings that hold their time: they block slots and count against seats. A booking awaiting
# payment holds its slot too, but is not yet on (no emails, reminders or calendar entries).
HOLDING_STATUSES = (*ACTIVE_STATUSES, BookingStatus.AWAITING_PAYMENT)


class CancelledBy(models.TextChoices):
    GUEST = "guest", "Guest"
    HOST = "host", "Host"


def new_booking_uid() -> uuid.UUID:
    return uuid.uuid4()


class Booking(models.Model):
    uid = models.UUIDField(default=new_booking_uid, unique=True, editable=False)
    event_type = models.ForeignKey(EventType, on_delete=models.PROTECT, related_name="bookings")
    # Copied from the event type so the overlap constraint can name it. No index of its own:
    # booking_host_status_start (and booking_host_active_start) lead with host.
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="bookings", db_index=False
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    guest_name = models.CharField(max_length=200)
    guest_email = models.EmailField(max_length=254)
    guest_timezone = models.CharField(max_length=64)
    notes = models.TextField(blank=True, max_length=5000)
    status = models.CharField(max_length=16, choices=BookingStatus.choices)
    cancel_reason = models.TextField(blank=True, max_length=2000)
    cancelled_by = models.CharField(max_length=8, choices=CancelledBy.choices, blank=True)
    # Bookings that may share time: guests of one seated slot share a group; anyone else
    # is alone in theirs. The overlap constraint only allows overlaps within a group.
    seat_group = models.CharField(max_length=80, editable=False)
    sequence = models.PositiveIntegerField(
        default=0, help_text="iCalendar SEQUENCE: raised on every change the guest must see."
    )
    # Raised only when the guest's links must stop working (a reschedule); confirming or
    # declining changes the sequence but leaves the links sent so far valid.
    link_version = models.PositiveIntegerField(default=0)
    # The start before the last reschedule, shown struck through on the guest's page.
    rescheduled_from = models.DateTimeField(null=True, blank=True)
    guest_phone = models.CharField(max_length=40, blank=True)
    # The guest's answers to the event type's questions as asked at booking time:
    # [{"label": ..., "kind": ..., "value": ...}], so later edits of a question keep them readable.
    answers = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    objects = BookingQuerySet.as_manager()

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="booking_start_before_end"
            ),
            # What lets the slot loader bound `start` from below (see MAX_DURATION_MINUTES).
            PostgresOnlyCheckConstraint(
                condition=Q(end__lte=F("start") + dt.timedelta(minutes=MAX_DURATION_MINUTES)),
                name="booking_duration_capped",
            ),
            PostgresOnlyExclusionConstraint(
                name="booking_no_overlap",
                expressions=[
                    ("host", RangeOperators.EQUAL),
                    (half_open_range("start", "end"), RangeOperators.OVERLAPS),
                    ("seat_group", RangeOperators.NOT_EQUAL),
                ],
                condition=Q(status__in=HOLDING_STATUSES),
                violation_error_message="This time overlaps another booking.",
            ),
        ]
        indexes = [
            # Slot loader (availability.loader, busy query: host, active, start between two
            # bounds) and conflict checks: a host's active bookings around a date range.
            models.Index(
                fields=["host", "start"],
                condition=Q(status__in=HOLDING_STATUSES),
                name="booking_host_active_start",
            ),
            # Host's booking lists (upcoming, past, cancelled) ordered by start.
            models.Index(fields=["host", "status", "start"], name="booking_host_status_start"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type.title} at {self.start:%Y-%m-%d %H:%M} UTC ({self.status})"

    def save(self, *args, **kwargs):
        self.host_id = self.event_type.host_id
        self.seat_group = self.compute_seat_group()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "seat_group", "host", "updated_at"}
        super().save(*args, **kwargs)

    def clean(self) -> None:
        if self.start and self.end and self.end <= self.start:
            raise ValidationError({"end": "A booking must end after it starts."})

    def compute_seat_group(self) -> str:
        if self.event_type.is_seated:
            return seat_group_of(self.event_type_id, self.start)
        return f"solo:{self.uid}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def holds_slot(self) -> bool:
        return self.status in HOLDING_STATUSES

    @property
    def guest_zone(self) -> ZoneInfo:
        return ZoneInfo(self.guest_timezone)

    @property
    def where(self) -> Place | None:
        """The meeting's place as stored: what exports, invites and calendar links carry."""
        return describe_location(
            self.event_type.location_kind,
            self.event_type.location,
            self.guest_phone,
            self.meeting_url,
        )

    @property
    def place(self) -> Place | None:
        """The place as pages and emails show it, with a true note on a link still to come
        (that check costs a query, so lists and exports read `where`)."""
        place = self.where
        if place is not None and place.note and not self._meeting_link_expected():
            place = dataclasses.replace(place, note=MEET_LINK_FROM_HOST)
        return place

    def _meeting_link_expected(self) -> bool:
        """Whether Google will still make this Meet booking's link: a Google calendar takes the
        host's bookings and the write has not failed for good. Otherwise the guest must not be
        told the link follows by email."""
        from calendars.models import WriteStatus
        from calendars.services import google_meet_available

        try:
            if self.calendar_event.status == WriteStatus.FAILED:
                return False
        except ObjectDoesNotExist:
            pass
        return google_meet_available(self.host_id)

    @property
    def meeting_url(self) -> str:
        """The Google Meet link stored when the calendar event was written ("" until then)."""
        if self.event_type.location_kind != LocationKind.GOOGLE_MEET:
            return ""
        try:
            return self.calendar_event.meeting_url
        except ObjectDoesNotExist:
            return ""

    def has_started(self, now: dt.datetime | None = None) -> bool:
        return self.start <= (now or timezone.now())


class QuestionKind(models.TextChoices):
    SHORT = "short", "Short text"
    LONG = "long", "Long text"
    CHOICE = "choice", "Single choice"
    CHECKBOX = "checkbox", "Checkbox"


class Question(models.Model):
    """A question the host asks every guest of an event type on the booking form."""

    event_type = models.ForeignKey(EventType, on_delete=models.CASCADE, related_name="questions")
    label = models.CharField(max_length=200)
    kind = models.CharField(max_length=10, choices=QuestionKind.choices, default=QuestionKind.SHORT)
    required = models.BooleanField(default=False)
    choices = models.TextField(
        blank=True, max_length=2000, help_text="For a single choice: one option per line."
    )
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.label

    @property
    def options(self) -> list[str]:
        return [line.strip() for line in self.choices.splitlines() if line.strip()][:50]
