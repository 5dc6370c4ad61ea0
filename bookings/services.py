"""Every change to a booking: create, reschedule, cancel, confirm, decline.

Pages, the API, the admin and commands call these functions and nothing else saves a booking.
Each one owns its transaction, takes the host's row lock so that checks and writes for one host
happen one at a time, and re-checks the rules under that lock. On PostgreSQL the exclusion
constraint `booking_no_overlap` backs the check; on SQLite the IMMEDIATE transactions of the
settings serialise writers.

Each change also records, in the same transaction, the emails and reminders it causes
(notifications.services); they are sent by Celery after commit and cannot undo the change.
"""

from __future__ import annotations

import datetime as dt
import logging

import psycopg.errors
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.utils import timezone

from analytics import history
from availability.loader import busy_of, load_slot_inputs
from availability.models import BusyBlock
from availability.slots import BusyIndex, Refusal, collides, refusal_for_start, seats_left
from bookings.models import (
    ACTIVE_STATUSES,
    MAX_BUFFER_MINUTES,
    MAX_DURATION_MINUTES,
    Booking,
    BookingStatus,
    CancelledBy,
    EventType,
)
from calendars import services as calendar_sync
from notifications import services as notifications
from payments import services as payments

logger = logging.getLogger(__name__)


class BookingError(Exception):
    """A booking change that cannot happen; `code` is the API's error code."""

    code = "INVALID_INPUT"

    def __init__(self, message: str, *, reason: str = ""):
        super().__init__(message)
        self.message = message
        self.reason = reason


class SlotUnavailable(BookingError):
    """Someone else holds the time (or every seat of it)."""

    code = "SLOT_UNAVAILABLE"

    def __init__(self, message: str, *, reason: str = "", conflicts: list[str] | None = None):
        super().__init__(message, reason=reason)
        self.conflicts = conflicts or []


class BookingRefused(BookingError):
    """The start breaks one of the event's rules: past, notice, window, hours or grid."""

    code = "INVALID_INPUT"


class PaymentUnavailable(BookingError):
    """Stripe could not be reached to take the payment; nothing was booked."""

    code = "PAYMENT_UNAVAILABLE"


class InvalidState(BookingError):
    """The booking's status or timing does not allow this change."""

    code = "INVALID_STATE"


def _lock_host(host_id: int) -> None:
    """Serialise every booking write of one host until the transaction ends."""
    get_user_model().objects.select_for_update().only("id").get(pk=host_id)


def _locked_event_type(event_type_id: int) -> EventType:
    """The event type and its host read afresh, with the host's row lock of `_lock_host` taken
    by the same query (FOR UPDATE OF the host's row only): one round trip instead of two."""
    return (
        EventType.objects.select_related("host")
        .select_for_update(of=("host",))
        .get(pk=event_type_id)
    )


def describe_conflicts(
    event_type: EventType, start: dt.datetime, *, exclude_booking_id=None
) -> list[str]:
    """What a start at this time would collide with, in words for the host."""
    zone = event_type.host.zone
    rules = event_type.rules()
    end = start + event_type.duration
    reach = dt.timedelta(minutes=2 * MAX_BUFFER_MINUTES)
    found = []
    bookings = (
        Booking.objects.for_host(event_type.host)
        .holding()
        .overlapping(start - reach, end + reach)
        # A lower bound on start lets the index skip the host's history (durations are capped).
        .filter(start__gte=start - reach - dt.timedelta(minutes=MAX_DURATION_MINUTES))
        .exclude(pk=exclude_booking_id)
        .select_related("event_type")
    )
    for booking in bookings:
        if collides(start, rules, busy_of(booking)):
            local = booking.start.astimezone(zone)
            found.append(
                f"{booking.event_type.title} with {booking.guest_name}, "
                f"{local:%a %d %b %H:%M}–{booking.end.astimezone(zone):%H:%M}"
            )
    for block in BusyBlock.objects.filter(host=event_type.host, start__lt=end, end__gt=start):
        local = block.start.astimezone(zone)
        label = block.reason or block.get_source_display()
        found.append(f"Blocked: {label}, {local:%a %d %b %H:%M}–{block.end.astimezone(zone):%H:%M}")
    return found


def _check_start(
    event_type: EventType,
    start: dt.datetime,
    now: dt.datetime,
    *,
    exclude_booking_id=None,
    by_host: bool = False,
) -> None:
    """Refuse a start the rules forbid. Hosts booking by hand may ignore hours, grid, notice
    and window, but never the past or a conflict."""
    if not event_type.is_active and not by_host:
        raise BookingRefused("This event type is not taking bookings.", reason="event_inactive")
    end = start + event_type.duration
    inputs = load_slot_inputs(event_type, start, end, exclude_booking_id=exclude_booking_id)
    if by_host:
        if start < now:
            raise BookingRefused(Refusal.IN_PAST.message, reason=Refusal.IN_PAST.value)
        free = seats_left(start, inputs.rules, BusyIndex(inputs.busy))
        refusal = Refusal.TAKEN if free == 0 else None
    else:
        refusal = refusal_for_start(
            inputs.schedule, inputs.rules, inputs.busy, now=now, start=start
        )
    if refusal is Refusal.TAKEN:
        conflicts = (
            describe_conflicts(event_type, start, exclude_booking_id=exclude_booking_id)
            if by_host
            else []
        )
        raise SlotUnavailable(refusal.message, reason=refusal.value, conflicts=conflicts)
    if refusal is not None:
        raise BookingRefused(refusal.message, reason=refusal.value)


def _check_connected_calendars(event_type: EventType, start: dt.datetime, **kwargs) -> None:
    """Ask the host's connected calendars about just this interval (2 s at most). Runs before
    the host lock is taken: a provider call never holds up other bookings of the host."""
    end = start + event_type.duration
    if calendar_sync.live_conflict(event_type.host, start, end, **kwargs):
        raise SlotUnavailable(
            Refusal.TAKEN.message,
            reason=Refusal.TAKEN.value,
            conflicts=["Busy in a connected calendar"],
        )


def _save_guarded(booking: Booking, *, savepoint: bool = True, **save_kwargs) -> None:
    """Save, turning the database's overlap veto into SlotUnavailable.

    `savepoint=False` (two round trips fewer) is for callers that let SlotUnavailable leave
    their own atomic block, which then rolls back as a whole; a caller that catches it and goes
    on in the same transaction needs the savepoint."""
    try:
        with transaction.atomic(savepoint=savepoint):
            booking.save(**save_kwargs)
    except IntegrityError as error:
        if isinstance(error.__cause__, psycopg.errors.ExclusionViolation):
            raise SlotUnavailable(Refusal.TAKEN.message, reason=Refusal.TAKEN.value) from error
        raise


def create_booking(
    *,
    event_type: EventType,
    start: dt.datetime,
    guest_name: str,
    guest_email: str,
    guest_timezone: str,
    notes: str = "",
    guest_phone: str = "",
    answers: list[dict] | None = None,
    now: dt.datetime | None = None,
    by_host: bool = False,
) -> Booking:
    """Book a start. `by_host`: the host books for a guest (phone bookings), confirmed at once."""
    now = now or timezone.now()
    start = start.astimezone(dt.UTC)
    # An event type read with `with_calendar_presence()` tells whether the host has a calendar
    # to ask at all; otherwise the live check finds out itself.
    has_calendars = getattr(event_type, "host_has_calendars", True)
    if has_calendars:
        _check_connected_calendars(event_type, start)
    with transaction.atomic():
        event_type = _locked_event_type(event_type.pk)
        _check_start(event_type, start, now, by_host=by_host)
        awaiting_payment = payments.initial_status(event_type, by_host=by_host)
        booking = Booking(
            event_type=event_type,
            host=event_type.host,
            start=start,
            end=start + event_type.duration,
            guest_name=guest_name,
            guest_email=guest_email,
            guest_timezone=guest_timezone,
            notes=notes,
            guest_phone=guest_phone,
            answers=answers or [],
            status=awaiting_payment
            or (
                BookingStatus.PENDING
                if event_type.requires_confirmation and not by_host
                else BookingStatus.CONFIRMED
            ),
            created_at=now,
        )
        _save_guarded(booking, savepoint=False)  # SlotUnavailable rolls all of this back
        history.record(
            booking, "created", "host" if by_host else "guest", at=now, status=booking.status
        )
        if awaiting_payment:
            payments.open_checkout(booking, now)  # emails follow once paid
        else:
            # No hold, so no payment row: the emails' snapshots and the API's answer need not
            # look for one.
            Booking.payment.related.set_cached_value(booking, None)
            notifications.on_created(booking, now)
            # A host known to have no active calendar connection has nowhere to write it.
            if has_calendars:
                calendar_sync.booking_changed(booking, created=True)
    logger.info("booking created uid=%s status=%s", booking.uid, booking.status)
    return booking


def _locked_booking(booking: Booking) -> Booking:
    _lock_host(booking.host_id)
    return (
        Booking.objects.select_for_update(of=("self",))
        .select_related("event_type__host", "host")
        .get(pk=booking.pk)
    )


def reschedule_booking(
    booking: Booking, *, start: dt.datetime, by: str = CancelledBy.GUEST, now=None
) -> Booking:
    """Move a booking to another start; its uid stays so calendars update the same event."""
    now = now or timezone.now()
    start = start.astimezone(dt.UTC)
    _check_connected_calendars(booking.event_type, start, exclude_booking_id=booking.pk)
    with transaction.atomic():
        booking = _locked_booking(booking)
        if booking.status not in ACTIVE_STATUSES:
            raise InvalidState(
                f"A {booking.get_status_display().lower()} booking cannot be rescheduled."
            )
        if booking.has_started(now):
            raise InvalidState("This booking has already started and cannot be rescheduled.")
        if start == booking.start:
            raise BookingRefused("The booking is already at that time.", reason="same_time")
        _check_start(booking.event_type, start, now, exclude_booking_id=booking.pk)
        old_start, old_end = booking.start, booking.end
        booking.start = start
        booking.end = start + booking.event_type.duration
        booking.sequence += 1
        # The guest's old links named the old time: they stop working (the email has new ones).
        booking.link_version += 1
        booking.rescheduled_from = old_start
        _save_guarded(
            booking,
            update_fields=["start", "end", "sequence", "link_version", "rescheduled_from"],
        )
        history.record(booking, "rescheduled", by, at=now, from_start=old_start, to_start=start)
        notifications.on_rescheduled(booking, old_start=old_start, old_end=old_end, by=by, now=now)
        calendar_sync.booking_changed(booking)
    logger.info("booking rescheduled uid=%s by=%s sequence=%s", booking.uid, by, booking.sequence)
    return booking


def cancel_booking(booking: Booking, *, by: str, reason: str = "", now=None) -> Booking:
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked_booking(booking)
        if booking.status not in ACTIVE_STATUSES:
            raise InvalidState(
                f"A {booking.get_status_display().lower()} booking cannot be cancelled."
            )
        if by == CancelledBy.GUEST and booking.has_started(now):
            raise InvalidState("This booking has already started and cannot be cancelled.")
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_by = by
        booking.cancel_reason = reason
        booking.sequence += 1
        booking.save(update_fields=["status", "cancelled_by", "cancel_reason", "sequence"])
        payments.on_cancelled(booking, now)
        history.record(booking, "cancelled", by, at=now, reason=reason)
        notifications.on_cancelled(booking)
        calendar_sync.booking_changed(booking)
    logger.info("booking cancelled uid=%s by=%s", booking.uid, by)
    return booking


def confirm_booking(booking: Booking, *, now=None) -> Booking:
    """Accept a pending request; its time was held since it was made."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked_booking(booking)
        if booking.status != BookingStatus.PENDING:
            raise InvalidState("Only pending bookings can be confirmed.")
        if booking.has_started(now):
            raise InvalidState("This booking's time has passed; it can only be declined.")
        booking.status = BookingStatus.CONFIRMED
        booking.sequence += 1
        booking.save(update_fields=["status", "sequence"])
        history.record(booking, "confirmed", "host", at=now)
        notifications.on_confirmed(booking, now)
        calendar_sync.booking_changed(booking)
    logger.info("booking confirmed uid=%s", booking.uid)
    return booking


def decline_booking(booking: Booking, *, reason: str = "", now=None) -> Booking:
    """Refuse a pending request and free its time."""
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked_booking(booking)
        if booking.status != BookingStatus.PENDING:
            raise InvalidState("Only pending bookings can be declined.")
        booking.status = BookingStatus.DECLINED
        booking.cancel_reason = reason
        booking.cancelled_by = CancelledBy.HOST
        booking.sequence += 1
        booking.save(update_fields=["status", "cancel_reason", "cancelled_by", "sequence"])
        payments.on_declined(booking, now)
        history.record(booking, "declined", "host", at=now, reason=reason)
        notifications.on_declined(booking)
        calendar_sync.booking_changed(booking)
    logger.info("booking declined uid=%s", booking.uid)
    return booking


def expire_unpaid_hold(booking: Booking, *, now: dt.datetime) -> None:
    """A hold nobody paid for ran out: the booking expires and frees its time. Payments call
    it with the booking locked (payments.services)."""
    with transaction.atomic():
        booking.status = BookingStatus.EXPIRED
        booking.save(update_fields=["status"])
        history.record(booking, "expired", "system", at=now)
    logger.info("booking hold expired uid=%s", booking.uid)


def turn_on_paid_booking(booking: Booking, *, now: dt.datetime) -> bool:
    """The guest has paid: the booking goes on (pending when the host confirms requests). One
    that expired meanwhile is re-booked only while its time is still free; False when it is
    not. Guest links stay valid (no new sequence). Payments call it with the booking locked."""
    event_type = booking.event_type
    next_status = (
        BookingStatus.PENDING if event_type.requires_confirmation else BookingStatus.CONFIRMED
    )
    with transaction.atomic():
        if booking.status == BookingStatus.EXPIRED:
            try:
                _check_start(
                    event_type, booking.start, now, exclude_booking_id=booking.pk, by_host=True
                )
                booking.status = next_status
                _save_guarded(booking, update_fields=["status"])
            except BookingError:
                booking.status = BookingStatus.EXPIRED
                return False
        else:
            booking.status = next_status
            booking.save(update_fields=["status"])
        history.record(booking, "paid", "guest", at=now, status=booking.status)
        calendar_sync.booking_changed(booking)
    return True


def mark_attendance(booking: Booking, *, status: str, now=None) -> Booking:
    """After its start, record a confirmed meeting as completed or as a no-show."""
    if status not in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW):
        raise ValueError(status)
    now = now or timezone.now()
    with transaction.atomic():
        booking = _locked_booking(booking)
        if booking.status not in (
            BookingStatus.CONFIRMED,
            BookingStatus.COMPLETED,
            BookingStatus.NO_SHOW,
        ):
            raise InvalidState("Only confirmed bookings can be marked completed or no-show.")
        if not booking.has_started(now):
            raise InvalidState("A booking can be marked only after its start time.")
        history.record(booking, status, "host", at=now, previous=booking.status)
        booking.status = status
        booking.save(update_fields=["status"])
    logger.info("booking marked uid=%s status=%s", booking.uid, status)
    return booking


# --- event types ------------------------------------------------------------------------------


def duplicate_event_type(event_type: EventType) -> EventType:
    """A copy with a free slug ("intro-copy", "intro-copy-2", ...), no bookings."""
    taken = set(EventType.objects.for_host(event_type.host).values_list("slug", flat=True))
    base = f"{event_type.slug[:40]}-copy"
    slug = base
    number = 2
    while slug in taken:
        slug = f"{base}-{number}"
        number += 1
    copy = EventType.objects.get(pk=event_type.pk)
    copy.pk = None
    copy._state.adding = True
    copy.slug = slug
    copy.title = f"{event_type.title} (copy)"[:120]
    copy.save()
    return copy


def remove_event_type(event_type: EventType) -> bool:
    """Delete a type that was never booked; deactivate one that was, keeping its bookings.

    Returns True when it was deleted."""
    with transaction.atomic():
        if Booking.objects.filter(event_type=event_type).exists():
            event_type.is_active = False
            event_type.save(update_fields=["is_active"])
            return False
        event_type.delete()
        return True


def reorder_event_types(host, ordered_ids: list[int]) -> bool:
    """Put the host's types in the order given (a drag in the list), renumbering 0..n-1.

    The ids must be exactly the host's types, each once: a list made from a stale page (a
    type added or deleted since) is refused with False and nothing changes."""
    with transaction.atomic():
        _lock_host(host.pk)
        current = {item.pk: item for item in EventType.objects.for_host(host.pk)}
        if len(ordered_ids) != len(set(ordered_ids)) or set(ordered_ids) != set(current):
            return False
        for position, pk in enumerate(ordered_ids):
            item = current[pk]
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
    return True


def move_event_type(event_type: EventType, *, up: bool) -> None:
    """Swap the type with its neighbour in the host's order, renumbering 0..n-1 as it goes."""
    with transaction.atomic():
        _lock_host(event_type.host_id)
        ordered = list(
            EventType.objects.for_host(event_type.host_id).order_by("position", "title", "pk")
        )
        index = next(i for i, item in enumerate(ordered) if item.pk == event_type.pk)
        other = index - 1 if up else index + 1
        if 0 <= other < len(ordered):
            ordered[index], ordered[other] = ordered[other], ordered[index]
        for position, item in enumerate(ordered):
            if item.position != position:
                item.position = position
                item.save(update_fields=["position"])
