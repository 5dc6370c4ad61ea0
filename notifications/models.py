"""What has to be said about bookings, and to whom.

EmailDelivery is an outbox: a row is written in the same transaction as the booking change
it announces (so a rolled-back change announces nothing), then sent by a Celery task after
commit. Its unique `key` makes every email exist once. Reminder rows carry their due time in
UTC; the dispatcher turns each due one into exactly one EmailDelivery.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q


class Recipient(models.TextChoices):
    GUEST = "guest", "Guest"
    HOST = "host", "Host"


class EmailKind(models.TextChoices):
    # To guests
    BOOKING_CONFIRMED = "booking_confirmed", "Booking confirmed"
    REQUEST_RECEIVED = "request_received", "Request received"
    REQUEST_CONFIRMED = "request_confirmed", "Request confirmed"
    REQUEST_DECLINED = "request_declined", "Request declined"
    BOOKING_CANCELLED = "booking_cancelled", "Booking cancelled"
    BOOKING_RESCHEDULED = "booking_rescheduled", "Booking rescheduled"
    REMINDER = "reminder", "Reminder"
    PAYMENT_REFUNDED = "payment_refunded", "Paid too late: refunded"
    FRESH_LINKS = "fresh_links", "Fresh links"
    MEETING_LINK = "meeting_link", "Google Meet link"
    # To hosts
    HOST_NEW_BOOKING = "host_new_booking", "New booking"
    HOST_NEW_REQUEST = "host_new_request", "New request to confirm"
    HOST_GUEST_RESCHEDULED = "host_guest_rescheduled", "Guest rescheduled"
    HOST_GUEST_CANCELLED = "host_guest_cancelled", "Guest cancelled"
    # Accounts (no booking): composed by accounts.emails when sent
    ACCOUNT_ACTIVATION = "account_activation", "Finish signing up"
    ACCOUNT_EXISTS = "account_exists", "Already registered"
    PASSWORD_RESET = "password_reset", "Password reset"
    HOST_PAYMENT_DISPUTED = "host_payment_disputed", "Payment disputed"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENDING = "sending", "Being sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed for good"
    # A password reset asked for an address with no active account: nothing to send (the
    # request did the same work either way, so its timing says nothing about the address).
    SKIPPED = "skipped", "Not sent (no account)"


class EmailDelivery(models.Model):
    # Booking emails name their booking; account emails (sign-up, password reset) their user.
    booking = models.ForeignKey(
        "bookings.Booking",
        on_delete=models.CASCADE,
        related_name="email_deliveries",
        null=True,
        blank=True,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="account_emails",
        null=True,
        blank=True,
    )
    kind = models.CharField(max_length=32, choices=EmailKind.choices)
    recipient_role = models.CharField(max_length=8, choices=Recipient.choices)
    recipient = models.EmailField(max_length=254)
    # The booking as it was when the email was decided: start, end, status, sequence, and
    # what the kind needs (old times, a reason).
    snapshot = models.JSONField(default=dict)
    key = models.CharField(max_length=200, unique=True, help_text="One email per key, ever.")
    status = models.CharField(
        max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    provider_message_id = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    # Not sent before this unless released: a Google Meet booking's emails wait for the
    # calendar write that makes the link (notifications.services.hold_for_meeting_link).
    held_until = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "email deliveries"
        indexes = [
            # The sweeper: unsent deliveries, oldest first.
            models.Index(
                fields=["status", "created_at"],
                condition=Q(status__in=["pending", "sending"]),
                name="delivery_unsent",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} to {self.recipient_role} ({self.status})"


class ReminderStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    SENT = "sent", "Sent"
    SKIPPED = "skipped", "Skipped (the meeting had started)"


class Reminder(models.Model):
    booking = models.ForeignKey(
        "bookings.Booking", on_delete=models.CASCADE, related_name="reminders"
    )
    minutes_before = models.PositiveIntegerField()
    recipient_role = models.CharField(max_length=8, choices=Recipient.choices)
    due_at = models.DateTimeField()
    status = models.CharField(
        max_length=8, choices=ReminderStatus.choices, default=ReminderStatus.PENDING
    )
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["booking", "minutes_before", "recipient_role"],
                name="reminder_once_per_booking_offset_recipient",
            ),
        ]
        indexes = [
            # The dispatcher: pending reminders that are due, oldest first.
            models.Index(
                fields=["due_at"], condition=Q(status="pending"), name="reminder_pending_due"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.minutes_before} min before, to {self.recipient_role} ({self.status})"


def new_feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A host's secret iCalendar subscription URL; rotating the token revokes the old URL."""

    host = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_feed"
    )
    token = models.CharField(max_length=64, unique=True, default=new_feed_token)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"Calendar feed of {self.host}"

    def rotate(self) -> None:
        self.token = new_feed_token()
        self.save(update_fields=["token"])
