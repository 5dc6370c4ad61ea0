"""Deciding, sending and reminding: the notification side of every booking change.

The booking service calls the `on_*` functions inside its transaction. They only write rows
(EmailDelivery, Reminder) and ask for a Celery task after commit, so nothing here can slow a
booking down for long, and no email failure can undo one.

Delivery is at-least-once. A worker claims a row (pending -> sending), sends, marks it sent. If
it dies between the server accepting the message and the mark, the row's lease
(EMAIL_SENDING_LEASE_SECONDS) runs out and the sweeper hands it out again: the recipient may get
a second copy, but with the same Message-ID (derived from the delivery key), which mail servers
and clients treat as the same message. Nothing is ever lost: a row is only "sent" after the
server accepted it, and only "failed" after EMAIL_MAX_ATTEMPTS refusals.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from bookings.models import Booking, BookingStatus, CancelledBy
from notifications.models import (
    DeliveryStatus,
    EmailDelivery,
    EmailKind,
    Recipient,
    Reminder,
    ReminderStatus,
)
from payments.emails import payment_snapshot

logger = logging.getLogger(__name__)

REMINDER_OFFSETS = {"remind_24h": 24 * 60, "remind_1h": 60}


def snapshot_of(booking: Booking, **extra) -> dict:
    return {
        "start": booking.start.isoformat(),
        "end": booking.end.isoformat(),
        "status": booking.status,
        "sequence": booking.sequence,
        **payment_snapshot(booking),
        **extra,
    }


def _recipient_address(booking: Booking, role: str) -> str:
    return booking.guest_email if role == Recipient.GUEST else booking.host.email


def _delivery_key(booking: Booking, kind: str, role: str) -> str:
    return f"{booking.uid}:{kind}:{role}:{booking.sequence}"


def announce(booking: Booking, kind: str, role: str, *, key: str | None = None, **extra):
    """Queue one email about the booking as it is now; sent by Celery after commit."""
    delivery, created = EmailDelivery.objects.get_or_create(
        key=key or _delivery_key(booking, kind, role),
        defaults={
            "booking": booking,
            "kind": kind,
            "recipient_role": role,
            "recipient": _recipient_address(booking, role),
            "snapshot": snapshot_of(booking, **extra),
            "next_attempt_at": timezone.now(),
        },
    )
    if created:
        transaction.on_commit(lambda: enqueue(delivery.pk))
    return delivery


def announce_all(booking: Booking, messages: list[tuple[str, str]]) -> list[EmailDelivery]:
    """Queue several emails (kind, role) about the booking as it is now: one INSERT, and one
    after-commit callback that hands them all to Celery.

    As with `announce`, a key that exists keeps its row as it is: the ON CONFLICT update sets
    the key to itself only so that the INSERT returns that row's id too. Such a row is handed
    to Celery again, which sends nothing twice: a worker sends only a row it claims as pending,
    as when the sweeper re-enqueues.
    """
    snapshot = snapshot_of(booking)
    now = timezone.now()
    deliveries = EmailDelivery.objects.bulk_create(
        [
            EmailDelivery(
                booking=booking,
                kind=kind,
                recipient_role=role,
                recipient=_recipient_address(booking, role),
                key=_delivery_key(booking, kind, role),
                snapshot=snapshot,
                next_attempt_at=now,
            )
            for kind, role in messages
        ],
        update_conflicts=True,
        unique_fields=["key"],
        update_fields=["key"],
    )
    delivery_ids = [delivery.pk for delivery in deliveries]
    transaction.on_commit(lambda: enqueue_all(delivery_ids))
    return deliveries


def announce_account_email(kind: str, *, recipient: str, user=None) -> EmailDelivery:
    """Queue an account email (sign-up, password reset) through the same outbox.

    Only the user (or, for a password reset, the address typed) is stored: links and their
    tokens are made when the email is built, so no secret sits in the table. Each call is a
    new email.
    """
    delivery = EmailDelivery.objects.create(
        user=user,
        kind=kind,
        recipient_role=Recipient.HOST,
        recipient=recipient,
        key=f"account:{kind}:{uuid.uuid4().hex}",
        next_attempt_at=timezone.now(),
    )
    transaction.on_commit(lambda: enqueue(delivery.pk))
    return delivery


def enqueue(delivery_id: int) -> None:
    """Hand a delivery to Celery; if the broker is down the sweeper picks it up later.

    One publish attempt and no retries (a broker outage must cost a request milliseconds, not
    seconds); the row is already committed, so nothing is lost when this fails.
    """
    from notifications.tasks import send_email_delivery

    _publish_once(send_email_delivery, delivery_id, f"email delivery id={delivery_id}")


def enqueue_all(delivery_ids: list[int]) -> None:
    """Hand several deliveries to Celery in one message (a publish costs the request about a
    millisecond); a worker gives each its own task (notifications.tasks). Like `enqueue`: one
    attempt, and the sweeper picks them up if the broker is down."""
    from notifications.tasks import send_email_deliveries

    if len(delivery_ids) == 1:
        enqueue(delivery_ids[0])
        return
    _publish_once(send_email_deliveries, delivery_ids, f"email deliveries ids={delivery_ids}")


def _publish_once(task, argument, what: str, countdown: float | None = None) -> None:
    try:
        task.apply_async((argument,), countdown=countdown, retry=False)
    except Exception as error:  # the broker being down must not fail the request that booked
        logger.warning("could not enqueue %s (%s); the sweeper will", what, type(error).__name__)


# --- booking events ---------------------------------------------------------------------------


def on_created(booking: Booking, now: dt.datetime) -> None:
    if booking.status == BookingStatus.PENDING:
        announce_all(
            booking,
            [
                (EmailKind.REQUEST_RECEIVED, Recipient.GUEST),
                (EmailKind.HOST_NEW_REQUEST, Recipient.HOST),
            ],
        )
    else:
        announce_all(
            booking,
            [
                (EmailKind.BOOKING_CONFIRMED, Recipient.GUEST),
                (EmailKind.HOST_NEW_BOOKING, Recipient.HOST),
            ],
        )
        schedule_reminders(booking, now)


def on_confirmed(booking: Booking, now: dt.datetime) -> None:
    announce(booking, EmailKind.REQUEST_CONFIRMED, Recipient.GUEST)
    schedule_reminders(booking, now)


def on_declined(booking: Booking) -> None:
    announce(booking, EmailKind.REQUEST_DECLINED, Recipient.GUEST, reason=booking.cancel_reason)
    drop_reminders(booking)


def on_cancelled(booking: Booking) -> None:
    extra = {"reason": booking.cancel_reason, "cancelled_by": booking.cancelled_by}
    announce(booking, EmailKind.BOOKING_CANCELLED, Recipient.GUEST, **extra)
    if booking.cancelled_by == CancelledBy.GUEST:
        announce(booking, EmailKind.HOST_GUEST_CANCELLED, Recipient.HOST, **extra)
    drop_reminders(booking)


def on_rescheduled(
    booking: Booking, *, old_start: dt.datetime, old_end: dt.datetime, by: str, now: dt.datetime
) -> None:
    extra = {"old_start": old_start.isoformat(), "old_end": old_end.isoformat(), "by": by}
    announce(booking, EmailKind.BOOKING_RESCHEDULED, Recipient.GUEST, **extra)
    if by == CancelledBy.GUEST:
        announce(booking, EmailKind.HOST_GUEST_RESCHEDULED, Recipient.HOST, **extra)
    drop_reminders(booking)
    if booking.status == BookingStatus.CONFIRMED:
        schedule_reminders(booking, now)


# --- Google Meet links ------------------------------------------------------------------------

# How long a Google Meet booking's emails wait for the calendar write that makes the link. After
# that they go without it, saying it follows (a Google outage must never hold a confirmation
# back), and the link comes in an email of its own once it exists.
MEETING_LINK_WAIT = dt.timedelta(minutes=2)

# The emails that say where the meeting is (all but cancellations and declines).
_PLACE_KINDS = (
    EmailKind.BOOKING_CONFIRMED,
    EmailKind.REQUEST_RECEIVED,
    EmailKind.REQUEST_CONFIRMED,
    EmailKind.BOOKING_RESCHEDULED,
    EmailKind.REMINDER,
    EmailKind.HOST_NEW_BOOKING,
    EmailKind.HOST_NEW_REQUEST,
    EmailKind.HOST_GUEST_RESCHEDULED,
)


def hold_for_meeting_link(booking: Booking, now: dt.datetime | None = None) -> int:
    """Hold the booking's unsent emails until its Google Meet link is stored.

    Called in the booking's transaction, after the `on_*` functions decided its emails, when
    the calendar write queued with them will create the link. The calendar write releases the
    emails (`release_for_meeting_link`); if it has not by MEETING_LINK_WAIT, a task queued for
    that moment sends them anyway (and the sweeper, should that task be lost). Emails render
    the booking when they are sent, so a released one carries the link.
    """
    now = now or timezone.now()
    until = now + MEETING_LINK_WAIT
    held = list(
        EmailDelivery.objects.filter(
            booking=booking,
            status=DeliveryStatus.PENDING,
            held_until__isnull=True,
            kind__in=_PLACE_KINDS,
        ).values_list("pk", flat=True)
    )
    if not held:
        return 0
    EmailDelivery.objects.filter(pk__in=held).update(held_until=until, next_attempt_at=until)
    from notifications.tasks import send_email_delivery

    # A second past the deadline, so the worker's clock finds the hold over.
    countdown = MEETING_LINK_WAIT.total_seconds() + 1
    for delivery_id in held:
        transaction.on_commit(
            lambda delivery_id=delivery_id: _publish_once(
                send_email_delivery, delivery_id, f"held email delivery id={delivery_id}", countdown
            )
        )
    return len(held)


def release_for_meeting_link(booking: Booking, meeting_url: str) -> int:
    """The calendar write is over (the link stored, or failed for good): held emails go now.

    A guest whose email went out without the link (the wait ran out first) gets the link in
    an email of its own, once. Returns how many held emails were released."""
    now = timezone.now()
    held = list(
        EmailDelivery.objects.filter(
            booking=booking, status=DeliveryStatus.PENDING, held_until__isnull=False
        ).values_list("pk", flat=True)
    )
    if held:
        EmailDelivery.objects.filter(pk__in=held).update(held_until=None, next_attempt_at=now)
        for delivery_id in held:
            transaction.on_commit(lambda delivery_id=delivery_id: enqueue(delivery_id))
    # A delivery still marked held but no longer pending went out when the wait ran out.
    sent_without_link = EmailDelivery.objects.filter(
        booking=booking,
        recipient_role=Recipient.GUEST,
        held_until__isnull=False,
        status__in=[DeliveryStatus.SENDING, DeliveryStatus.SENT],
    )
    if meeting_url and booking.is_active and sent_without_link.exists():
        announce(
            booking, EmailKind.MEETING_LINK, Recipient.GUEST, key=f"{booking.uid}:meeting_link"
        )
    return len(held)


# --- reminders --------------------------------------------------------------------------------


def schedule_reminders(booking: Booking, now: dt.datetime) -> list[Reminder]:
    """Reminder rows for a confirmed booking; those already due are not made at all."""
    event_type = booking.event_type
    roles = [Recipient.GUEST] + ([Recipient.HOST] if booking.host.wants_reminders else [])
    reminders = [
        Reminder(
            booking=booking,
            minutes_before=minutes,
            recipient_role=role,
            due_at=booking.start - dt.timedelta(minutes=minutes),
        )
        for setting, minutes in REMINDER_OFFSETS.items()
        if getattr(event_type, setting)
        for role in roles
        if booking.start - dt.timedelta(minutes=minutes) > now
    ]
    return Reminder.objects.bulk_create(reminders)


def drop_reminders(booking: Booking) -> None:
    Reminder.objects.filter(booking=booking, status=ReminderStatus.PENDING).delete()


def dispatch_one_reminder(now: dt.datetime | None = None) -> bool:
    """Claim one due reminder and turn it into its email; False when none is due.

    The claim, the status change and the EmailDelivery row commit together, and rows locked
    by another dispatcher are skipped: concurrent or re-run dispatchers neither skip nor
    repeat a reminder.
    """
    now = now or timezone.now()
    with transaction.atomic():
        reminder = (
            Reminder.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("booking__event_type__host", "booking__host")
            .filter(status=ReminderStatus.PENDING, due_at__lte=now)
            .order_by("due_at")
            .first()
        )
        if reminder is None:
            return False
        booking = reminder.booking
        if booking.start <= now or booking.status != BookingStatus.CONFIRMED:
            reminder.status = ReminderStatus.SKIPPED
        else:
            announce(
                booking,
                EmailKind.REMINDER,
                reminder.recipient_role,
                key=f"reminder:{reminder.pk}",
                minutes_before=reminder.minutes_before,
            )
            reminder.status = ReminderStatus.SENT
        reminder.processed_at = now
        reminder.save(update_fields=["status", "processed_at"])
    return True


def dispatch_due_reminders(now: dt.datetime | None = None, *, limit: int = 10_000) -> int:
    handled = 0
    while handled < limit and dispatch_one_reminder(now):
        handled += 1
    return handled


# --- sending --------------------------------------------------------------------------------


def retry_delay(attempts: int) -> float:
    """Seconds before the next attempt: 30 s, 1 min, 2 min, 4 min... capped at an hour."""
    return min(settings.EMAIL_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), 3600)


def build_email(delivery: EmailDelivery):
    from accounts.emails import build_account_message
    from notifications.emails import build_message

    return build_message(delivery) if delivery.booking_id else build_account_message(delivery)


def attempt_delivery(delivery_id: int, now: dt.datetime | None = None) -> float | None:
    """Send a pending delivery once. Returns seconds to wait before retrying, or None."""
    now = now or timezone.now()
    claimed = (
        EmailDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING)
        .filter(Q(held_until__isnull=True) | Q(held_until__lte=now))  # see hold_for_meeting_link
        .update(status=DeliveryStatus.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )
    if not claimed:
        return None  # sent already, being sent, or given up on
    delivery = EmailDelivery.objects.select_related(
        "booking__event_type__host", "booking__host", "user"
    ).get(pk=delivery_id)
    try:
        message = build_email(delivery)
        if message is None:
            delivery.status = DeliveryStatus.SKIPPED
            delivery.save(update_fields=["status"])
            return None
        message.send()
    except Exception as error:
        delivery.last_error = f"{type(error).__name__}: {error}"[:2000]
        if delivery.attempts >= settings.EMAIL_MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delay = None
        else:
            delivery.status = DeliveryStatus.PENDING
            delay = retry_delay(delivery.attempts)
            delivery.next_attempt_at = now + dt.timedelta(seconds=delay)
        delivery.save(update_fields=["status", "last_error", "next_attempt_at"])
        logger.warning(
            "email delivery failed id=%s kind=%s attempt=%s final=%s",
            delivery.pk,
            delivery.kind,
            delivery.attempts,
            delay is None,
        )
        return delay
    delivery.status = DeliveryStatus.SENT
    delivery.sent_at = timezone.now()
    delivery.provider_message_id = getattr(message, "provider_message_id", "")[:200]
    delivery.save(update_fields=["status", "sent_at", "provider_message_id"])
    logger.info("email delivered id=%s kind=%s", delivery.pk, delivery.kind)
    return None


def requeue_stalled_deliveries(now: dt.datetime | None = None) -> int:
    """Re-enqueue deliveries whose task was lost (broker down, worker killed mid-send).

    A row still "sending" after its lease was claimed by a worker that died: it goes back to
    pending (the copy it may cause carries the same Message-ID). A pending row whose retry
    time passed a while ago has no task any more.
    """
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.EMAIL_SENDING_LEASE_SECONDS)
    grace = dt.timedelta(seconds=settings.EMAIL_REQUEUE_GRACE_SECONDS)
    EmailDelivery.objects.filter(status=DeliveryStatus.SENDING, claimed_at__lt=now - lease).update(
        status=DeliveryStatus.PENDING, next_attempt_at=now - grace
    )
    stalled = list(
        EmailDelivery.objects.filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now - grace
        ).values_list("pk", flat=True)[:1000]
    )
    for delivery_id in stalled:
        enqueue(delivery_id)
    return len(stalled)
