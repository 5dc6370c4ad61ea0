"""Booking a paid type: the slot is held while the guest pays at Stripe Checkout."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from bookings.models import Booking, BookingStatus
from bookings.services import PaymentUnavailable, SlotUnavailable
from payments import services
from payments.models import PaymentStatus
from tests.conftest import book
from tests.payments.conftest import LATER, SOON, deliver_all

pytestmark = pytest.mark.usefixtures("frozen_now")


def test_booking_a_paid_type_holds_the_slot_and_opens_a_checkout_session(deposit, stripe_fake):
    booking = book(deposit, SOON)

    assert booking.status == BookingStatus.AWAITING_PAYMENT
    payment = booking.payment
    assert payment.status == PaymentStatus.OPEN
    assert (payment.amount, payment.currency) == (5000, "USD")
    session = stripe_fake.sessions[payment.checkout_session_id]
    assert session["client_reference_id"] == str(booking.uid)
    assert session["metadata"] == {"booking_uid": str(booking.uid)}
    assert session["_account"] == payment.account_id
    assert session["url"] == payment.checkout_url
    assert session["expires_at"] == int((payment.hold_expires_at).timestamp())
    assert payment.hold_expires_at - booking.created_at == dt.timedelta(minutes=30)
    (create,) = stripe_fake.calls("POST", "/v1/checkout/sessions")
    assert create[2]["idempotency-key"] == f"slotbook-checkout-{booking.uid}"
    assert create[2]["stripe-account"] == payment.account_id
    assert "success_url" in create[3] and "token=" in create[3]["success_url"]
    # No email before the money: the guest is told once paid.
    assert mail.outbox == []
    with pytest.raises(SlotUnavailable):
        book(deposit, SOON, email="other@example.com")


def test_a_meeting_within_six_days_is_only_authorised_and_later_ones_captured_at_once(
    deposit, stripe_fake
):
    soon = book(deposit, SOON)
    later = book(deposit, LATER)

    assert soon.payment.manual_capture is True
    assert later.payment.manual_capture is False
    assert stripe_fake.intent_of(soon.payment.checkout_session_id)["capture_method"] == "manual"
    assert stripe_fake.intent_of(later.payment.checkout_session_id)["capture_method"] == "automatic"


def test_paying_confirms_the_booking_and_sends_the_emails_with_the_amount(
    client, deposit, stripe_fake, after_commit
):
    booking = book(deposit, LATER)
    events = stripe_fake.pay(booking.payment.checkout_session_id)

    assert after_commit(deliver_all, client, stripe_fake, events) == [200, 200]

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.sequence == 0  # the guest's links keep working
    assert booking.payment.status == PaymentStatus.CAPTURED
    assert booking.payment.captured_amount == 5000
    guest_email = next(m for m in mail.outbox if m.to == ["gina@example.com"])
    assert "$50.00 deposit paid." in guest_email.body
    assert "full refund when cancelled at least 24 hours before the start, 50%" in guest_email.body
    host_email = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    assert "$50.00 deposit paid." in host_email.body


def test_a_held_deposit_says_so(client, deposit, stripe_fake):
    booking = book(deposit, SOON)
    deliver_all(client, stripe_fake, stripe_fake.pay(booking.payment.checkout_session_id))

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.payment.status == PaymentStatus.AUTHORIZED
    assert stripe_fake.intent_of(booking.payment.checkout_session_id)["status"] == (
        "requires_capture"
    )


def test_requires_confirmation_types_are_paid_first_then_wait_for_the_host(
    client, deposit, stripe_fake
):
    deposit.requires_confirmation = True
    deposit.save()
    booking = book(deposit, LATER)
    deliver_all(client, stripe_fake, stripe_fake.pay(booking.payment.checkout_session_id))

    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING


def test_stripe_down_refuses_the_booking_and_leaves_nothing_behind(deposit, stripe_fake):
    stripe_fake.down = True

    with pytest.raises(PaymentUnavailable):
        book(deposit, SOON)

    assert not Booking.objects.exists()
    stripe_fake.down = False
    assert book(deposit, SOON).status == BookingStatus.AWAITING_PAYMENT


def test_a_paid_type_is_not_offered_until_the_host_can_take_charges(alice, stripe_fake, client):
    from tests.conftest import make_event_type

    priced = make_event_type(alice, "paid", payment_mode="full", price_amount=2000)

    assert services.is_offered(priced) is False
    assert client.get("/alice/paid/").status_code == 404
    assert "Paid" not in client.get("/alice/").content.decode()
