"""Booking history and the figures rolled up from it.

BookingEvent is the history: one row per change a booking service makes, written in the same
transaction (analytics.history.record). DailyStats rows are per host, event type and host-local
day, recomputed from the history (analytics.rollup); PageViewCount rows are daily counters bumped
when a public event page is rendered. Figures are always read from these three tables.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class EventKind(models.TextChoices):
    CREATED = "created", "Booked"
    CONFIRMED = "confirmed", "Confirmed"
    DECLINED = "declined", "Declined"
    RESCHEDULED = "rescheduled", "Rescheduled"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Marked completed"
    NO_SHOW = "no_show", "Marked no-show"
    # Payments (payments.services): the hold of an unpaid booking, then each payment status.
    EXPIRED = "expired", "Payment hold expired"
    PAID = "paid", "Paid"
    PAYMENT_OPEN = "payment_open", "Payment opened"
    PAYMENT_EXPIRED = "payment_expired", "Payment not made in time"
    PAYMENT_AUTHORIZED = "payment_authorized", "Payment held"
    PAYMENT_CAPTURED = "payment_captured", "Payment captured"
    PAYMENT_PARTIALLY_REFUNDED = "payment_partially_refunded", "Payment partly refunded"
    PAYMENT_REFUNDED = "payment_refunded", "Payment refunded"
    PAYMENT_RELEASED = "payment_released", "Payment hold released"


# The latest of these per booking says whether the guest turned up; it counts on the
# meeting's day, not on the day it was marked.
ATTENDANCE_KINDS = (EventKind.COMPLETED, EventKind.NO_SHOW)


class Actor(models.TextChoices):
    GUEST = "guest", "Guest"
    HOST = "host", "Host"
    SYSTEM = "system", "System"


class BookingEvent(models.Model):
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.CASCADE, related_name="history"
    )
    # Copied from the booking so rollups read one table.
    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event_type = models.ForeignKey("bookings.EventType", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=32, choices=EventKind.choices)
    actor = models.CharField(max_length=8, choices=Actor.choices)
    at = models.DateTimeField(help_text="When the change happened (UTC).")
    start = models.DateTimeField(help_text="The meeting's start once the change was made.")
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            # Rollup of a host's day and the drill-down lists: events of a host in [lo, hi).
            models.Index(fields=["host", "at"], name="bookingevent_host_at"),
            # Attendance counted on the meeting's day: a host's marks by meeting start.
            models.Index(
                fields=["host", "start"],
                condition=Q(kind__in=["completed", "no_show"]),
                name="bookingevent_host_attendance",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.actor} at {self.at:%Y-%m-%d %H:%M} UTC"


class DailyStats(models.Model):
    """What happened on one host-local day for one event type, and the meetings held on it;
    recomputed, never incremented."""

    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event_type = models.ForeignKey("bookings.EventType", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    created = models.PositiveIntegerField(default=0)
    confirmed = models.PositiveIntegerField(default=0)
    completed = models.PositiveIntegerField(default=0)
    no_shows = models.PositiveIntegerField(default=0)
    cancelled_by_guest = models.PositiveIntegerField(default=0)
    cancelled_by_host = models.PositiveIntegerField(default=0)
    rescheduled = models.PositiveIntegerField(default=0)
    declined = models.PositiveIntegerField(default=0)
    # Minutes from booking to start of each booking made this day, sorted: exact medians over
    # any period come from merging these lists.
    lead_times = models.JSONField(default=list, blank=True)
    # The same bookings counted per lead-time bucket (analytics.rollup.LEAD_BUCKET_EDGES) and
    # their total, so the distribution chart and the average read these few numbers.
    lead_time_buckets = models.JSONField(default=list, blank=True)
    lead_time_minutes = models.BigIntegerField(default=0)
    # Meetings starting this day that are held (not cancelled, declined or expired), per
    # host-local hour 0-23, from the bookings' present status: the weekday x hour heatmap.
    # Empty when there are none.
    meetings_by_hour = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "daily stats"
        constraints = [
            models.UniqueConstraint(fields=["event_type", "date"], name="dailystats_one_per_day"),
        ]
        indexes = [
            # Dashboard and API: a host's rows between two dates (and the previous period).
            models.Index(fields=["host", "date"], name="dailystats_host_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} event type {self.event_type_id}: {self.created} made"


class PageViewCount(models.Model):
    """Views of a public event page on one host-local day, bumped by one upsert per view."""

    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event_type = models.ForeignKey("bookings.EventType", on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    views = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["event_type", "date"], name="pageviews_one_per_day"),
        ]
        indexes = [
            # Dashboard and API: a host's counters between two dates.
            models.Index(fields=["host", "date"], name="pageviews_host_date"),
        ]

    def __str__(self) -> str:
        return f"{self.date} event type {self.event_type_id}: {self.views} views"


class DirtyDay(models.Model):
    """A host-local day whose DailyStats must be recomputed: marked by every history write,
    claimed and cleared by the rollup task."""

    host = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    date = models.DateField()
    marked_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["host", "date"], name="dirtyday_one_per_host_day"),
        ]

    def __str__(self) -> str:
        return f"{self.date} of host {self.host_id}"


class RollupState(models.Model):
    """Per host: the zone its rows were computed in (a zone change means a rebuild) and the
    row lock that keeps two rollups of one host from writing at once."""

    host = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    timezone = models.CharField(max_length=64, blank=True)
    rebuilt_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Rollup of host {self.host_id} ({self.timezone or 'not built'})"
