"""Money for bookings: hosts' Stripe accounts, one Payment per paid booking, its refunds,
its timeline, and every Stripe webhook event received.

Amounts are integers in the currency's minor units (cents; yen for JPY). A Payment's status only
moves forward (see payments.services._transition); the timeline rows are written by that one
function, so the booking page can show held, captured, refunded and disputed with amounts.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q


class StripeAccount(models.Model):
    """A host's connected Stripe account (Standard, onboarded through Account Links)."""

    host = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stripe_account"
    )
    account_id = models.CharField(max_length=255, unique=True)
    charges_enabled = models.BooleanField(default=False)
    details_submitted = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.account_id} ({'connected' if self.charges_enabled else 'onboarding'})"


class PaymentStatus(models.TextChoices):
    OPEN = "open", "Waiting for payment"
    EXPIRED = "expired", "Not paid in time"
    AUTHORIZED = "authorized", "Held"
    CAPTURED = "captured", "Paid"
    PARTIALLY_REFUNDED = "partially_refunded", "Partly refunded"
    REFUNDED = "refunded", "Refunded"
    RELEASED = "released", "Released"


# The order a payment's status may move in: a status is only replaced by a higher one, so an
# event delivered late never undoes a newer state. Expired is below authorised and captured
# because Stripe may still take a payment for a session we considered expired.
STATUS_RANK = {
    PaymentStatus.OPEN: 0,
    PaymentStatus.EXPIRED: 1,
    PaymentStatus.AUTHORIZED: 2,
    PaymentStatus.CAPTURED: 3,
    PaymentStatus.PARTIALLY_REFUNDED: 4,
    PaymentStatus.REFUNDED: 5,
    PaymentStatus.RELEASED: 5,
}


class Payment(models.Model):
    booking = models.OneToOneField(
        "bookings.Booking", on_delete=models.CASCADE, related_name="payment"
    )
    account_id = models.CharField(max_length=255, help_text="The host's connected account.")
    mode = models.CharField(max_length=8)
    amount = models.PositiveIntegerField(help_text="Charged or held, in minor units.")
    currency = models.CharField(max_length=3)
    status = models.CharField(
        max_length=20, choices=PaymentStatus.choices, default=PaymentStatus.OPEN
    )
    manual_capture = models.BooleanField(
        default=False, help_text="Authorised only, captured at the start of the meeting."
    )
    captured_amount = models.PositiveIntegerField(default=0)
    refunded_amount = models.PositiveIntegerField(
        default=0, help_text="Given back to the guest: refunds plus released holds."
    )
    checkout_session_id = models.CharField(max_length=255, blank=True, db_index=True)
    checkout_url = models.URLField(max_length=2000, blank=True)
    payment_intent_id = models.CharField(max_length=255, blank=True, db_index=True)
    hold_expires_at = models.DateTimeField()
    disputed = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(refunded_amount__lte=models.F("amount")),
                name="payment_refund_within_amount",
            ),
        ]
        indexes = [
            # Capture job: authorisations whose meeting has started.
            models.Index(
                fields=["status"],
                condition=Q(status="authorized"),
                name="payment_authorized",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.amount} {self.currency} for {self.booking_id} ({self.status})"

    @property
    def refundable_amount(self) -> int:
        if self.status not in (PaymentStatus.CAPTURED, PaymentStatus.PARTIALLY_REFUNDED):
            return 0
        return self.amount - self.refunded_amount

    @property
    def is_paid(self) -> bool:
        return STATUS_RANK[self.status] >= STATUS_RANK[PaymentStatus.AUTHORIZED]


class PaymentStep(models.Model):
    """One line of a payment's timeline: held, captured, refunded, disputed..."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="steps")
    kind = models.CharField(max_length=20)
    amount = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=300, blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.amount}"


class RefundStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent to Stripe"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


class Refund(models.Model):
    """Money owed back to a guest. Written in the transaction that decides it (a cancellation,
    a decline, a host's refund), then carried out at Stripe with the row's own idempotency key,
    so retrying never gives the money back twice. For a held (authorised) payment it is done by
    capturing only what is kept, or releasing the hold entirely."""

    payment = models.ForeignKey(Payment, on_delete=models.CASCADE, related_name="refunds")
    amount = models.PositiveIntegerField()
    reason = models.CharField(max_length=300, blank=True)
    requested_by = models.CharField(max_length=8, blank=True)
    status = models.CharField(
        max_length=8, choices=RefundStatus.choices, default=RefundStatus.PENDING
    )
    stripe_id = models.CharField(max_length=255, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"refund {self.amount} ({self.status})"

    @property
    def idempotency_key(self) -> str:
        return f"slotbook-refund-{self.pk}"


class WebhookEvent(models.Model):
    """Every Stripe event received, stored once by its id before anything else happens."""

    event_id = models.CharField(max_length=255, unique=True)
    type = models.CharField(max_length=100)
    endpoint = models.CharField(max_length=16)
    account = models.CharField(max_length=255, blank=True)
    payload = models.JSONField()
    received_at = models.DateTimeField()
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True)

    class Meta:
        ordering = ["-received_at"]
        indexes = [
            # Retry job: events not processed yet, oldest first.
            models.Index(
                fields=["received_at"],
                condition=Q(processed_at__isnull=True),
                name="webhook_unprocessed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"
