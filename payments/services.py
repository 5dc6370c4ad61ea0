"""Every change to money: connecting Stripe, checkout, holds, capture, refunds, webhooks.

The booking service calls the short hooks at the top (`initial_status`, `open_checkout`,
`on_cancelled`, `on_declined`); everything else is driven by Stripe's webhooks, the periodic
jobs and the host's refund button. Locks are always taken in the booking service's order — the
host row, then the booking, then the payment — so webhooks, jobs and pages never deadlock.

One rule keeps money and slots in agreement whatever Stripe delivers, late, twice or out of
order: we never trust an event's copy of an object, we read the object from Stripe
(`sync_payment`) and move our state forward to it; `_transition` refuses to move a payment
backwards. Every payment state change goes through `_transition`, which also writes the
payment's timeline.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.urls import reverse
from django.utils import timezone

from analytics import history
from bookings import services as booking_services
from bookings.links import absolute_url, guest_links
from bookings.models import Booking, BookingStatus, CancelledBy, EventType
from notifications import services as notifications
from notifications.models import EmailKind, Recipient
from payments import money, stripe_api
from payments.models import (
    STATUS_RANK,
    Payment,
    PaymentStatus,
    PaymentStep,
    Refund,
    RefundStatus,
    StripeAccount,
    WebhookEvent,
)

logger = logging.getLogger(__name__)

RECONCILE_AFTER = dt.timedelta(minutes=10)


class PaymentError(Exception):
    """A money action that cannot happen; the message is for people."""


# --- hosts' Stripe accounts --------------------------------------------------------------------


def can_take_payments(host) -> bool:
    if not stripe_api.is_configured():
        return False
    account = StripeAccount.objects.filter(host=host).first()
    return bool(account and account.charges_enabled)


def is_offered(event_type: EventType) -> bool:
    """A type with a price is offered only while its host's Stripe account takes charges."""
    return not event_type.takes_payment or can_take_payments(event_type.host)


def offered_only(host, event_types):
    """Narrow a host's event types to those guests can book: priced ones need Stripe."""
    if can_take_payments(host):
        return event_types
    return event_types.exclude(payment_mode__in=["deposit", "full"], price_amount__gt=0)


def onboarding_link(host) -> str:
    """The Stripe onboarding URL for the host, creating their Standard account the first time."""
    account = StripeAccount.objects.filter(host=host).first()
    if account is None:
        state = stripe_api.create_account(
            email=host.email, idempotency_key=f"slotbook-account-{host.pk}"
        )
        account, _ = StripeAccount.objects.get_or_create(
            host=host, defaults={"account_id": state.account_id}
        )
    return stripe_api.create_account_link(
        account_id=account.account_id,
        refresh_url=absolute_url(reverse("payments-stripe-refresh")),
        return_url=absolute_url(reverse("payments-stripe-return")),
    )


def refresh_account(host) -> StripeAccount | None:
    """Read the host's account back from Stripe (after onboarding returns)."""
    account = StripeAccount.objects.filter(host=host).first()
    if account is None:
        return None
    state = stripe_api.retrieve_account(account.account_id)
    return _store_account_state(state)


def _store_account_state(state: stripe_api.AccountState) -> StripeAccount | None:
    account = StripeAccount.objects.filter(account_id=state.account_id).first()
    if account is None:
        return None
    account.charges_enabled = state.charges_enabled
    account.details_submitted = state.details_submitted
    account.save(update_fields=["charges_enabled", "details_submitted", "updated_at"])
    return account


# --- hooks called by the booking service -------------------------------------------------------


def initial_status(event_type: EventType, *, by_host: bool) -> str | None:
    """AWAITING_PAYMENT for a guest booking a type with a price; None when no payment is due."""
    if by_host or not event_type.takes_payment:
        return None
    if not can_take_payments(event_type.host):
        raise booking_services.BookingRefused(
            "This event type is not taking bookings.", reason="event_inactive"
        )
    return BookingStatus.AWAITING_PAYMENT


def open_checkout(booking: Booking, now: dt.datetime) -> Payment:
    """Create the booking's payment and its Stripe Checkout Session.

    Runs inside the booking's transaction: if Stripe cannot be reached the booking is rolled
    back with it (PaymentUnavailable), so nothing is half made."""
    event_type = booking.event_type
    account = StripeAccount.objects.get(host_id=booking.host_id)
    payment = Payment.objects.create(
        booking=booking,
        account_id=account.account_id,
        mode=event_type.payment_mode,
        amount=event_type.price_amount,
        currency=event_type.price_currency.upper(),
        manual_capture=money.captures_later(start=booking.start, now=now),
        hold_expires_at=now + dt.timedelta(minutes=settings.PAYMENT_HOLD_MINUTES),
    )
    view_url = absolute_url(guest_links(booking).view_path)
    try:
        session = stripe_api.create_checkout_session(
            account_id=account.account_id,
            booking_uid=str(booking.uid),
            product_name=f"{event_type.title} with {booking.host.public_name}"
            + (" (deposit)" if payment.mode == "deposit" else ""),
            amount=payment.amount,
            currency=payment.currency,
            customer_email=booking.guest_email,
            manual_capture=payment.manual_capture,
            expires_at=payment.hold_expires_at,
            success_url=f"{view_url}&paid=1",
            cancel_url=view_url,
            idempotency_key=f"slotbook-checkout-{booking.uid}",
        )
    except stripe_api.StripeUnavailable as error:
        logger.warning("checkout session failed booking=%s: %s", booking.uid, error)
        raise booking_services.PaymentUnavailable(
            "Payments are not available right now, so nothing was booked. "
            "Please try again in a few minutes."
        ) from error
    payment.checkout_session_id = session.id
    payment.checkout_url = session.url
    payment.payment_intent_id = session.payment_intent_id
    payment.save(update_fields=["checkout_session_id", "checkout_url", "payment_intent_id"])
    _step(payment, "checkout", payment.amount, "Checkout opened", now)
    return payment


def payment_of(booking: Booking) -> Payment | None:
    try:
        return booking.payment
    except Payment.DoesNotExist:
        return None


def guest_cancel_refund(booking: Booking, now: dt.datetime | None = None) -> int:
    """What the guest gets back for cancelling now (shown before they confirm)."""
    payment = payment_of(booking)
    if payment is None or not payment.is_paid:
        return 0
    event_type = booking.event_type
    percent = money.refund_percent(
        start=booking.start,
        now=now or timezone.now(),
        full_hours=event_type.refund_full_hours,
        partial_percent=event_type.refund_partial_percent,
    )
    return min(money.share(payment.amount, percent), _unclaimed(payment))


def on_cancelled(booking: Booking, now: dt.datetime) -> None:
    """Inside cancel_booking: owe the guest the policy's share, or everything if the host
    cancelled. Carried out at Stripe after commit (and retried by the reconcile job)."""
    payment = _locked_payment(booking)
    if payment is None or not payment.is_paid:
        return
    if booking.cancelled_by == CancelledBy.HOST:
        amount = _unclaimed(payment)
    else:
        amount = guest_cancel_refund(booking, now)
    _owe_refund(payment, amount, reason="Cancelled", by=booking.cancelled_by, now=now)


def on_declined(booking: Booking, now: dt.datetime) -> None:
    """Inside decline_booking: a declined request is refunded in full."""
    payment = _locked_payment(booking)
    if payment is not None and payment.is_paid:
        _owe_refund(payment, _unclaimed(payment), reason="Declined", by="host", now=now)


# --- the one place a payment's status changes --------------------------------------------------


def _transition(payment: Payment, new_status: str, *, amount: int = 0, note: str = "", now=None):
    """Move the payment forward to `new_status` and write its timeline; refuse to go back.

    Returns True when the status changed; the booking's history records the change."""
    if STATUS_RANK[new_status] <= STATUS_RANK[payment.status]:
        return False
    old_status = payment.status
    payment.status = new_status
    now = now or timezone.now()
    with transaction.atomic():
        payment.save(
            update_fields=["status", "captured_amount", "refunded_amount", "payment_intent_id"]
        )
        _step(payment, new_status, amount, note, now)
        history.record(payment.booking, f"payment_{new_status}", "system", at=now, amount=amount)
    logger.info(
        "payment %s booking=%s %s -> %s", payment.pk, payment.booking_id, old_status, new_status
    )
    return True


def _step(payment: Payment, kind: str, amount: int, note: str, now: dt.datetime) -> None:
    PaymentStep.objects.create(payment=payment, kind=kind, amount=amount, note=note[:300], at=now)


def _locked_payment(booking: Booking) -> Payment | None:
    return Payment.objects.select_for_update().filter(booking_id=booking.pk).first()


def _unclaimed(payment: Payment) -> int:
    """What may still be given back: not refunded yet and not already owed."""
    owed = (
        payment.refunds.filter(status=RefundStatus.PENDING).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    return max(payment.amount - payment.refunded_amount - owed, 0)


def _owe_refund(payment: Payment, amount: int, *, reason: str, by: str, now) -> Refund | None:
    if amount <= 0:
        return None
    refund = Refund.objects.create(
        payment=payment, amount=amount, reason=reason[:300], requested_by=by, created_at=now
    )
    transaction.on_commit(lambda: _carry_out_quietly(refund.pk))
    return refund


def _carry_out_quietly(refund_id: int) -> None:
    try:
        carry_out_refund(refund_id)
    except Exception:  # recorded on the row; the reconcile job retries it
        logger.exception("refund %s failed", refund_id)


# --- applying Stripe's state -------------------------------------------------------------------


def sync_payment(payment: Payment, now: dt.datetime | None = None) -> Payment:
    """Read the payment's session and intent from Stripe and bring ours up to them."""
    session = stripe_api.retrieve_checkout_session(
        account_id=payment.account_id, session_id=payment.checkout_session_id
    )
    intent_id = session.payment_intent_id or payment.payment_intent_id
    intent = (
        stripe_api.retrieve_payment_intent(account_id=payment.account_id, intent_id=intent_id)
        if intent_id
        else None
    )
    return apply_stripe_state(payment, session=session, intent=intent, now=now)


def apply_stripe_state(
    payment: Payment,
    *,
    session: stripe_api.CheckoutSession | None,
    intent: stripe_api.IntentState | None,
    now: dt.datetime | None = None,
) -> Payment:
    now = now or timezone.now()
    with transaction.atomic():
        booking = booking_services._locked_booking(payment.booking)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if intent is not None:
            _apply_intent(payment, intent, now)
        if (
            session is not None
            and session.status == "expired"
            and not payment.is_paid
            and booking.status == BookingStatus.AWAITING_PAYMENT
        ):
            _expire_hold(booking, payment, now)
        if payment.is_paid and booking.status in (
            BookingStatus.AWAITING_PAYMENT,
            BookingStatus.EXPIRED,
        ):
            _book_paid(booking, payment, now)
    return payment


def _apply_intent(payment: Payment, intent: stripe_api.IntentState, now: dt.datetime) -> None:
    if intent.id and not payment.payment_intent_id:
        payment.payment_intent_id = intent.id
    if intent.status == "requires_capture":
        _transition(payment, PaymentStatus.AUTHORIZED, amount=intent.amount_capturable, now=now)
    elif intent.status == "succeeded":
        payment.captured_amount = max(payment.captured_amount, intent.amount_received)
        _transition(payment, PaymentStatus.CAPTURED, amount=intent.amount_received, now=now)
        if intent.amount_refunded > payment.refunded_amount:
            given_back = intent.amount_refunded - payment.refunded_amount
            payment.refunded_amount = intent.amount_refunded
            payment.save(update_fields=["refunded_amount"])
            final = payment.refunded_amount >= payment.amount
            status = PaymentStatus.REFUNDED if final else PaymentStatus.PARTIALLY_REFUNDED
            if not _transition(payment, status, amount=given_back, now=now):
                _step(payment, "refunded", given_back, "", now)
    elif intent.status == "canceled" and payment.status == PaymentStatus.AUTHORIZED:
        payment.refunded_amount = payment.amount
        _transition(payment, PaymentStatus.RELEASED, amount=payment.amount, now=now)


def _expire_hold(booking: Booking, payment: Payment, now: dt.datetime) -> None:
    booking_services.expire_unpaid_hold(booking, now=now)
    _transition(payment, PaymentStatus.EXPIRED, note="Not paid in time", now=now)


def _book_paid(booking: Booking, payment: Payment, now: dt.datetime) -> None:
    """The guest has paid: the booking goes on (its guest links stay valid: no new sequence).

    A payment that arrives after the hold expired re-books the slot if it is still free;
    otherwise the guest is refunded in full at once and told."""
    if not booking_services.turn_on_paid_booking(booking, now=now):
        _owe_refund(
            payment,
            _unclaimed(payment),
            reason="Paid after the hold expired; the time was taken",
            by="system",
            now=now,
        )
        notifications.announce(
            booking,
            EmailKind.PAYMENT_REFUNDED,
            Recipient.GUEST,
            key=f"{booking.uid}:payment_refunded",
        )
        return
    notifications.on_created(booking, now)
    logger.info("booking paid uid=%s status=%s", booking.uid, booking.status)


# --- refunds, captures, expiry -----------------------------------------------------------------


def refund_by_host(booking: Booking, *, amount: int, reason: str, now=None) -> Refund:
    """The host gives back some or all of what remains; never more, never twice."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = booking_services._locked_booking(booking)
        payment = _locked_payment(booking)
        if payment is None or payment.status not in (
            PaymentStatus.CAPTURED,
            PaymentStatus.PARTIALLY_REFUNDED,
        ):
            raise PaymentError("There is no captured payment to refund.")
        left = _unclaimed(payment)
        if left <= 0:
            raise PaymentError("This payment has been refunded in full already.")
        if amount <= 0 or amount > left:
            raise PaymentError(
                f"You can refund up to {money.format_money(left, payment.currency)}."
            )
        refund = _owe_refund(
            payment, amount, reason=reason or "Refunded by host", by="host", now=now
        )
    return refund


def carry_out_refund(refund_id: int, now: dt.datetime | None = None) -> bool:
    """Give owed money back at Stripe: capture only what is kept (or release) for a hold,
    refund for a captured payment. Idempotent: the row's key makes a retry a no-op at Stripe.
    Returns True when done."""
    now = now or timezone.now()
    refund = Refund.objects.select_related("payment__booking").get(pk=refund_id)
    try:
        with transaction.atomic():
            booking_services._locked_booking(refund.payment.booking)
            payment = Payment.objects.select_for_update().get(pk=refund.payment_id)
            refund = Refund.objects.select_for_update().get(pk=refund_id)
            if refund.status != RefundStatus.PENDING:
                return refund.status == RefundStatus.DONE
            _carry_out(refund, payment, now)
            refund.status = RefundStatus.DONE
            refund.attempts += 1
            refund.save(update_fields=["status", "attempts", "stripe_id"])
            return True
    except stripe_api.StripeUnavailable as error:
        Refund.objects.filter(pk=refund_id).update(
            attempts=refund.attempts + 1, last_error=str(error)[:2000]
        )
        logger.warning("refund %s not carried out yet: %s", refund_id, error)
        return False


def _carry_out(refund: Refund, payment: Payment, now: dt.datetime) -> None:
    key = refund.idempotency_key
    if payment.status == PaymentStatus.AUTHORIZED:
        keep = payment.amount - payment.refunded_amount - refund.amount
        if keep > 0:
            intent = stripe_api.capture_payment_intent(
                account_id=payment.account_id,
                intent_id=payment.payment_intent_id,
                amount=keep,
                idempotency_key=key,
            )
        else:
            intent = stripe_api.cancel_payment_intent(
                account_id=payment.account_id,
                intent_id=payment.payment_intent_id,
                idempotency_key=key,
            )
        _apply_intent(payment, intent, now)
        return
    refund.stripe_id = stripe_api.create_refund(
        account_id=payment.account_id,
        intent_id=payment.payment_intent_id,
        amount=refund.amount,
        idempotency_key=key,
    )
    intent = stripe_api.retrieve_payment_intent(
        account_id=payment.account_id, intent_id=payment.payment_intent_id
    )
    _apply_intent(payment, intent, now)
    if payment.refunded_amount < refund.amount:  # Stripe's charge not updated yet
        payment.refunded_amount = min(payment.refunded_amount + refund.amount, payment.amount)
        payment.save(update_fields=["refunded_amount"])


def capture_due(payment: Payment, now: dt.datetime | None = None) -> bool:
    """Capture a held payment whose meeting has started, or whose authorisation is about to
    lapse at Stripe (7 days; e.g. the booking was moved further out). True when captured now."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = booking_services._locked_booking(payment.booking)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        aging = payment.created_at <= now - money.HOLD_CAPTURE_WINDOW
        if payment.status != PaymentStatus.AUTHORIZED or (booking.start > now and not aging):
            return False
        on = [BookingStatus.CONFIRMED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW]
        if booking.status not in (on + [BookingStatus.PENDING] if aging else on):
            return False
        if payment.refunds.filter(status=RefundStatus.PENDING).exists():
            return False
        intent = stripe_api.capture_payment_intent(
            account_id=payment.account_id,
            intent_id=payment.payment_intent_id,
            amount=payment.amount,
            idempotency_key=f"slotbook-capture-{payment.pk}",
        )
        _apply_intent(payment, intent, now)
    return True


def expire_hold(payment: Payment, now: dt.datetime | None = None) -> Payment:
    """End an unpaid hold: close the session at Stripe so it can no longer be paid, then free
    the slot. If the guest paid meanwhile, the payment is applied instead."""
    now = now or timezone.now()
    try:
        session = stripe_api.expire_checkout_session(
            account_id=payment.account_id, session_id=payment.checkout_session_id
        )
    except stripe_api.StripeUnavailable:
        try:
            return sync_payment(payment, now)
        except stripe_api.StripeUnavailable:
            # Stripe is unreachable: free the slot anyway; a later payment is still handled.
            session = stripe_api.CheckoutSession(payment.checkout_session_id, "", "expired", "", "")
    return apply_stripe_state(payment, session=session, intent=None, now=now)


def expire_due_holds(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    due = Payment.objects.filter(
        status=PaymentStatus.OPEN,
        hold_expires_at__lte=now,
        booking__status=BookingStatus.AWAITING_PAYMENT,
    ).select_related("booking")
    count = 0
    for payment in due[:500]:
        expire_hold(payment, now)
        count += 1
    return count


def capture_due_payments(now: dt.datetime | None = None) -> int:
    now = now or timezone.now()
    due = (
        Payment.objects.filter(status=PaymentStatus.AUTHORIZED)
        .filter(Q(booking__start__lte=now) | Q(created_at__lte=now - money.HOLD_CAPTURE_WINDOW))
        .select_related("booking")
    )
    captured = 0
    for payment in due[:500]:
        try:
            captured += capture_due(payment, now)
        except stripe_api.StripeUnavailable as error:
            logger.warning("capture failed payment=%s: %s", payment.pk, error)
    return captured


def reconcile_payments(now: dt.datetime | None = None, *, older_than=RECONCILE_AFTER) -> dict:
    """Repair what lost webhooks left behind, by reading Stripe: bookings awaiting payment for
    longer than `older_than` (all of them when None), due captures, owed refunds and events
    that failed to process."""
    now = now or timezone.now()
    summary = {"synced": 0, "captured": 0, "refunds": 0, "events": 0, "errors": 0}
    waiting = Payment.objects.filter(
        booking__status=BookingStatus.AWAITING_PAYMENT, status=PaymentStatus.OPEN
    ).select_related("booking")
    if older_than is not None:
        waiting = waiting.filter(created_at__lte=now - older_than)
    for payment in waiting[:1000]:
        try:
            sync_payment(payment, now)
            summary["synced"] += 1
        except stripe_api.StripeUnavailable:
            summary["errors"] += 1
    summary["captured"] = capture_due_payments(now)
    for refund_id in Refund.objects.filter(status=RefundStatus.PENDING).values_list(
        "pk", flat=True
    )[:1000]:
        summary["refunds"] += carry_out_refund(refund_id, now)
    stale = WebhookEvent.objects.filter(
        processed_at__isnull=True, received_at__lte=now - dt.timedelta(minutes=1)
    ).values_list("event_id", flat=True)
    for event_id in stale[:1000]:
        summary["events"] += process_event(event_id)
    return summary


# --- webhooks ----------------------------------------------------------------------------------


def record_event(event: dict, *, endpoint: str, now: dt.datetime | None = None) -> None:
    """Store the event by its id before anything else; a duplicate changes nothing."""
    row = WebhookEvent(
        event_id=event["id"],
        type=event.get("type", ""),
        endpoint=endpoint,
        account=event.get("account") or "",
        payload=event,
        received_at=now or timezone.now(),
    )
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        pass


def process_event(event_id: str) -> bool:
    """Process a stored event once. Two deliveries at the same moment queue on the row lock;
    the second finds it processed. Returns True when it was processed now."""
    try:
        with transaction.atomic():
            row = WebhookEvent.objects.select_for_update().get(event_id=event_id)
            if row.processed_at is not None:
                return False
            _handle(row.payload)
            row.processed_at = timezone.now()
            row.attempts += 1
            row.last_error = ""
            row.save(update_fields=["processed_at", "attempts", "last_error"])
            return True
    except Exception as error:
        WebhookEvent.objects.filter(event_id=event_id).update(
            attempts=F("attempts") + 1, last_error=f"{type(error).__name__}: {error}"[:2000]
        )
        raise


def _as_uuid(value) -> uuid.UUID | None:
    try:
        return uuid.UUID(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _payment_for(obj: dict, account: str) -> Payment | None:
    """The payment an event's object is about, or None when it is not one of ours."""
    payments = Payment.objects.select_related("booking")
    metadata = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
    if obj.get("object") == "checkout.session":
        session_id = obj.get("id")
        if isinstance(session_id, str) and session_id:
            found = payments.filter(checkout_session_id=session_id).first()
            if found:
                return found
        uid = _as_uuid(obj.get("client_reference_id")) or _as_uuid(metadata.get("booking_uid"))
    else:
        intent_id = obj.get("id") if obj.get("object") == "payment_intent" else None
        intent_id = intent_id or obj.get("payment_intent")
        if isinstance(intent_id, str) and intent_id:
            found = payments.filter(payment_intent_id=intent_id).first()
            if found:
                return found
        uid = _as_uuid(metadata.get("booking_uid"))
    if uid is None:
        return None
    return payments.filter(booking__uid=uid, account_id=account).first()


HANDLED_PAYMENT_EVENTS = {
    "checkout.session.completed",
    "checkout.session.async_payment_succeeded",
    "checkout.session.async_payment_failed",
    "checkout.session.expired",
    "payment_intent.succeeded",
    "payment_intent.payment_failed",
    "payment_intent.canceled",
    "payment_intent.amount_capturable_updated",
    "charge.refunded",
}


def _handle(event: dict) -> None:
    kind = event.get("type")
    data = event.get("data") if isinstance(event.get("data"), dict) else {}
    obj = data.get("object")
    account = event.get("account") if isinstance(event.get("account"), str) else ""
    if not isinstance(obj, dict):
        return
    if kind == "account.updated":
        if isinstance(obj.get("id"), str):
            _store_account_state(stripe_api.account_state_of(obj))
        return
    if kind not in HANDLED_PAYMENT_EVENTS and kind != "charge.dispute.created":
        return
    payment = _payment_for(obj, account)
    if payment is None:
        logger.info("stripe event %s %s is not about a booking of ours", event.get("id"), kind)
        return
    if kind == "charge.dispute.created":
        _flag_dispute(payment, obj)
        return
    sync_payment(payment)


def _flag_dispute(payment: Payment, dispute: dict) -> None:
    with transaction.atomic():
        booking = booking_services._locked_booking(payment.booking)
        payment = Payment.objects.select_for_update().get(pk=payment.pk)
        if payment.disputed:
            return
        payment.disputed = True
        payment.save(update_fields=["disputed"])
        amount = dispute.get("amount") if isinstance(dispute.get("amount"), int) else 0
        reason = dispute.get("reason") if isinstance(dispute.get("reason"), str) else ""
        _step(payment, "disputed", max(amount, 0), reason, timezone.now())
        notifications.announce(
            booking,
            EmailKind.HOST_PAYMENT_DISPUTED,
            Recipient.HOST,
            key=f"{booking.uid}:dispute:{str(dispute.get('id'))[:100]}",
        )
