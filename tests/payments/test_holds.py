"""Holds end: an unpaid booking expires and frees its slot; lost webhooks are repaired by
reading Stripe; a payment that arrives after its hold is honoured or refunded."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command

from bookings.models import BookingStatus
from payments import services
from payments.models import PaymentStatus, Refund
from tests.conftest import NOW, book
from tests.payments.conftest import LATER, SOON, deliver_all

pytestmark = pytest.mark.usefixtures("frozen_now")

HOLD_OVER = NOW + dt.timedelta(minutes=30)


def test_an_unpaid_hold_expires_frees_the_slot_and_closes_the_session(deposit, stripe_fake):
    booking = book(deposit, SOON)

    assert services.expire_due_holds(HOLD_OVER - dt.timedelta(seconds=1)) == 0
    assert services.expire_due_holds(HOLD_OVER) == 1

    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED
    assert booking.payment.status == PaymentStatus.EXPIRED
    assert stripe_fake.sessions[booking.payment.checkout_session_id]["status"] == "expired"
    with time_machine.travel(HOLD_OVER, tick=False):
        assert book(deposit, SOON, email="next@example.com").status == "awaiting_payment"


def test_the_slot_loader_counts_a_hold_like_a_booking(client, deposit, stripe_fake):
    from availability.loader import find_slots

    day = SOON.astimezone(deposit.host.zone).date()
    before = {slot.start for slot in find_slots(deposit, day, day, deposit.host.zone)}
    booking = book(deposit, SOON)
    held = {slot.start for slot in find_slots(deposit, day, day, deposit.host.zone)}
    services.expire_due_holds(HOLD_OVER)
    freed = {slot.start for slot in find_slots(deposit, day, day, deposit.host.zone)}

    assert SOON in before and SOON not in held and SOON in freed
    assert booking.pk


def test_a_hold_that_was_paid_but_whose_webhook_was_lost_is_confirmed_not_expired(
    deposit, stripe_fake
):
    booking = book(deposit, SOON)
    stripe_fake.pay(booking.payment.checkout_session_id)  # events never delivered

    services.expire_due_holds(HOLD_OVER)

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.payment.status == PaymentStatus.AUTHORIZED


def test_reconciliation_repairs_a_lost_webhook_after_ten_minutes(deposit, stripe_fake):
    booking = book(deposit, LATER)
    stripe_fake.pay(booking.payment.checkout_session_id)

    assert services.reconcile_payments(NOW + dt.timedelta(minutes=9))["synced"] == 0
    with time_machine.travel(NOW + dt.timedelta(minutes=10), tick=False):
        summary = services.reconcile_payments()

    assert summary["synced"] == 1
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.payment.status == PaymentStatus.CAPTURED


def test_the_command_checks_every_booking_awaiting_payment_whatever_its_age(
    deposit, stripe_fake, capsys
):
    booking = book(deposit, LATER)
    stripe_fake.pay(booking.payment.checkout_session_id)

    call_command("reconcile_payments")

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert "Synced 1 awaiting payment" in capsys.readouterr().out


def test_a_payment_after_expiry_rebooks_the_slot_when_it_is_still_free(
    client, deposit, stripe_fake, after_commit
):
    booking = book(deposit, LATER)
    session_id = booking.payment.checkout_session_id
    stripe_fake.down = True  # could not close the session at Stripe
    services.expire_due_holds(HOLD_OVER)
    stripe_fake.down = False
    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED

    with time_machine.travel(HOLD_OVER + dt.timedelta(minutes=5), tick=False):
        after_commit(deliver_all, client, stripe_fake, stripe_fake.pay(session_id))

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.payment.status == PaymentStatus.CAPTURED
    assert any(m.subject.startswith("Confirmed") for m in mail.outbox)


def test_a_payment_after_expiry_is_refunded_in_full_when_the_slot_was_taken(
    client, deposit, stripe_fake, after_commit
):
    booking = book(deposit, LATER)
    session_id = booking.payment.checkout_session_id
    stripe_fake.down = True
    services.expire_due_holds(HOLD_OVER)
    stripe_fake.down = False
    with time_machine.travel(HOLD_OVER, tick=False):
        taker = book(deposit, LATER, email="quick@example.com")
        after_commit(
            deliver_all, client, stripe_fake, stripe_fake.pay(taker.payment.checkout_session_id)
        )
        after_commit(deliver_all, client, stripe_fake, stripe_fake.pay(session_id))

    booking.refresh_from_db()
    taker.refresh_from_db()
    assert taker.status == BookingStatus.CONFIRMED
    assert booking.status == BookingStatus.EXPIRED
    assert booking.payment.refunded_amount == 5000
    assert booking.payment.status == PaymentStatus.REFUNDED
    assert Refund.objects.get(payment=booking.payment).requested_by == "system"
    told = [m for m in mail.outbox if m.subject.startswith("Refunded")]
    assert [m.to for m in told] == [["gina@example.com"]]
    assert "you will get $50.00 back" in told[0].body


def test_a_late_held_payment_for_a_taken_slot_is_released_not_captured(
    client, deposit, stripe_fake, after_commit
):
    booking = book(deposit, SOON)
    session_id = booking.payment.checkout_session_id
    stripe_fake.down = True
    services.expire_due_holds(HOLD_OVER)
    stripe_fake.down = False
    with time_machine.travel(HOLD_OVER, tick=False):
        taker = book(deposit, SOON, email="quick@example.com")
        deliver_all(client, stripe_fake, stripe_fake.pay(taker.payment.checkout_session_id))
        after_commit(deliver_all, client, stripe_fake, stripe_fake.pay(session_id))

    booking.payment.refresh_from_db()
    assert booking.payment.status == PaymentStatus.RELEASED
    assert stripe_fake.intents[booking.payment.payment_intent_id]["status"] == "canceled"


def test_stripe_expiring_the_session_itself_frees_the_slot(client, deposit, stripe_fake):
    booking = book(deposit, SOON)

    deliver_all(client, stripe_fake, [stripe_fake.expire(booking.payment.checkout_session_id)])

    booking.refresh_from_db()
    assert booking.status == BookingStatus.EXPIRED


def test_a_guest_who_backs_out_can_pay_again_while_the_hold_lasts(client, deposit, stripe_fake):
    from bookings.links import guest_links

    booking = book(deposit, SOON)
    page = client.get(guest_links(booking).view_path)

    html = page.content.decode()
    assert page.status_code == 200
    assert booking.payment.checkout_url in html
    assert "Pay $50.00 with Stripe" in html


def test_a_booking_awaiting_payment_gets_no_emails_reminders_or_feed_entry(
    client, deposit, stripe_fake
):
    from notifications.models import CalendarFeed, Reminder

    booking = book(deposit, LATER)
    feed = CalendarFeed.objects.create(host=deposit.host)

    assert not Reminder.objects.filter(booking=booking).exists()
    assert not booking.email_deliveries.exists()
    assert str(booking.uid) not in client.get(f"/feeds/{feed.token}.ics").content.decode()
    listing_client = client
    listing_client.force_login(deposit.host)
    assert "Awaiting payment" in listing_client.get("/dashboard/bookings/").content.decode()
