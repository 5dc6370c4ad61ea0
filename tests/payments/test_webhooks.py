"""Stripe's webhooks: signed, stored once, processed once, never moving state backwards."""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.core import mail

from bookings.models import BookingStatus
from payments.models import PaymentStatus, StripeAccount, WebhookEvent
from tests.conftest import book
from tests.payments.conftest import CONNECT_SECRET, LATER, SOON, deliver_all, webhook

pytestmark = pytest.mark.usefixtures("frozen_now")


def test_a_bad_signature_is_refused_and_changes_nothing(client, deposit, stripe_fake):
    booking = book(deposit, LATER)
    events = stripe_fake.pay(booking.payment.checkout_session_id)

    response = webhook(client, stripe_fake, events[0], secret="whsec_wrong")
    unsigned = client.post(
        "/payments/stripe/connect-webhook/", data=b"{}", content_type="application/json"
    )
    platform_secret_on_connect = webhook(
        client, stripe_fake, {**events[0], "account": None}, secret=CONNECT_SECRET
    )

    assert response.status_code == 400
    assert unsigned.status_code == 400
    assert platform_secret_on_connect.status_code == 400
    assert not WebhookEvent.objects.exists()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.AWAITING_PAYMENT


def test_a_stale_signature_is_refused(client, deposit, stripe_fake):
    booking = book(deposit, LATER)
    event = stripe_fake.pay(booking.payment.checkout_session_id)[0]

    stale = webhook(client, stripe_fake, event, timestamp=int(time.time()) - 301)
    fresh_enough = webhook(client, stripe_fake, event, timestamp=int(time.time()) - 299)

    assert stale.status_code == 400
    assert fresh_enough.status_code == 200


def test_a_duplicate_delivery_is_answered_200_and_not_processed_again(
    client, deposit, stripe_fake, after_commit
):
    booking = book(deposit, LATER)
    events = stripe_fake.pay(booking.payment.checkout_session_id)

    first = after_commit(deliver_all, client, stripe_fake, events)
    emails_after_first = len(mail.outbox)
    again = after_commit(deliver_all, client, stripe_fake, events + events)

    assert first == again[:2] == [200, 200]
    assert again == [200, 200, 200, 200]
    assert WebhookEvent.objects.count() == 2
    assert all(row.attempts == 1 for row in WebhookEvent.objects.all())
    assert len(mail.outbox) == emails_after_first
    assert booking.payment.steps.filter(kind="captured").count() == 1


def test_reordered_events_never_undo_a_newer_state(client, deposit, stripe_fake, after_commit):
    """Paid, then refunded by the host; Stripe delivers the events newest first."""
    from payments import services

    booking = book(deposit, LATER)
    paid_events = stripe_fake.pay(booking.payment.checkout_session_id)
    services.sync_payment(booking.payment)
    refund = services.refund_by_host(booking, amount=5000, reason="Goodwill")
    services.carry_out_refund(refund.pk)
    refunded_events = [e for e in stripe_fake.events if e["type"] == "charge.refunded"]

    codes = deliver_all(client, stripe_fake, refunded_events + paid_events[::-1])

    assert codes == [200, 200, 200]
    booking.payment.refresh_from_db()
    assert booking.payment.status == PaymentStatus.REFUNDED
    assert booking.payment.refunded_amount == 5000


def test_an_old_event_arriving_after_the_refund_does_not_bring_the_payment_back(
    deposit, stripe_fake
):
    from payments import services
    from payments.stripe_api import IntentState

    booking = book(deposit, LATER)
    stripe_fake.pay(booking.payment.checkout_session_id)
    services.sync_payment(booking.payment)
    refund = services.refund_by_host(booking, amount=5000, reason="")
    services.carry_out_refund(refund.pk)

    stale_intent = IntentState(
        booking.payment.payment_intent_id, "succeeded", 5000, 0, 5000, 0, "USD"
    )
    services.apply_stripe_state(booking.payment, session=None, intent=stale_intent)

    booking.payment.refresh_from_db()
    assert booking.payment.status == PaymentStatus.REFUNDED
    assert booking.payment.refunded_amount == 5000


@pytest.mark.django_db(transaction=True)
def test_two_deliveries_of_one_event_at_the_same_moment_are_processed_once(stripe_fake):
    """Two threads with their own connections post the same event behind a barrier."""
    import threading

    from django.db import connection
    from django.test import Client

    from tests.conftest import make_event_type, make_host
    from tests.payments.conftest import connect

    host = make_host("carol@example.com", "carol", "America/New_York")
    connect(host, stripe_fake)
    paid = make_event_type(
        host, "deposit", payment_mode="deposit", price_amount=5000, price_currency="USD"
    )
    booking = book(paid, LATER)
    events = stripe_fake.pay(booking.payment.checkout_session_id)
    barrier = threading.Barrier(6)
    codes = []

    def deliver():
        barrier.wait()
        try:
            codes.append(webhook(Client(), stripe_fake, events[-1]).status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=deliver) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert codes == [200] * 6
    row = WebhookEvent.objects.get(event_id=events[-1]["id"])
    assert row.attempts == 1 and row.processed_at is not None
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.payment.steps.filter(kind="captured").count() == 1
    assert booking.email_deliveries.filter(kind="booking_confirmed").count() == 1


def test_a_processing_failure_is_answered_500_kept_and_retried(client, deposit, stripe_fake):
    from payments import services

    booking = book(deposit, LATER)
    events = stripe_fake.pay(booking.payment.checkout_session_id)
    stripe_fake.down = True

    failed = webhook(client, stripe_fake, events[-1])

    assert failed.status_code == 500
    row = WebhookEvent.objects.get(event_id=events[-1]["id"])
    assert row.processed_at is None and row.attempts == 1 and "StripeUnavailable" in row.last_error
    stripe_fake.down = False
    retried = webhook(client, stripe_fake, events[-1])
    assert retried.status_code == 200
    row.refresh_from_db()
    assert row.processed_at is not None
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert services.process_event(row.event_id) is False


def test_an_async_payment_is_confirmed_when_it_succeeds_and_not_before(
    client, deposit, stripe_fake
):
    booking = book(deposit, LATER)
    session_id = booking.payment.checkout_session_id

    deliver_all(client, stripe_fake, stripe_fake.pay(session_id, asynchronous=True))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.AWAITING_PAYMENT

    deliver_all(client, stripe_fake, stripe_fake.settle_async(session_id))
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED


def test_a_failed_async_payment_keeps_the_hold_so_the_guest_can_pay_again(
    client, deposit, stripe_fake
):
    booking = book(deposit, LATER)
    session_id = booking.payment.checkout_session_id
    deliver_all(client, stripe_fake, stripe_fake.pay(session_id, asynchronous=True))

    deliver_all(client, stripe_fake, stripe_fake.settle_async(session_id, succeeded=False))

    booking.refresh_from_db()
    assert booking.status == BookingStatus.AWAITING_PAYMENT
    assert booking.payment.status == PaymentStatus.OPEN


def test_a_dispute_flags_the_booking_and_emails_the_host(
    client, deposit, stripe_fake, after_commit
):
    booking = book(deposit, LATER)
    deliver_all(client, stripe_fake, stripe_fake.pay(booking.payment.checkout_session_id))
    booking.payment.refresh_from_db()
    event = stripe_fake.dispute(booking.payment.payment_intent_id)

    after_commit(deliver_all, client, stripe_fake, [event, event])

    booking.payment.refresh_from_db()
    assert booking.payment.disputed is True
    assert booking.payment.steps.filter(kind="disputed").count() == 1
    disputes = [m for m in mail.outbox if m.subject.startswith("Payment disputed")]
    assert [m.to for m in disputes] == [["alice@example.com"]]


def test_account_updated_keeps_the_hosts_account_current(client, connected_alice, stripe_fake):
    account = StripeAccount.objects.get(host=connected_alice)
    stripe_fake.accounts[account.account_id]["charges_enabled"] = False
    event = stripe_fake._emit(
        "account.updated", stripe_fake.accounts[account.account_id], account.account_id
    )

    assert webhook(client, stripe_fake, event).status_code == 200

    account.refresh_from_db()
    assert account.charges_enabled is False


def test_events_about_other_objects_are_stored_and_ignored(client, db, stripe_fake):
    event = {
        "id": "evt_unrelated",
        "object": "event",
        "type": "customer.created",
        "created": int(dt.datetime.now().timestamp()),
        "data": {"object": {"id": "cus_1", "object": "customer"}},
    }

    assert webhook(client, stripe_fake, event).status_code == 200
    assert WebhookEvent.objects.get().processed_at is not None


def test_soon_bookings_hold_and_capture_events_in_either_order(client, deposit, stripe_fake):
    booking = book(deposit, SOON)
    events = stripe_fake.pay(booking.payment.checkout_session_id)

    deliver_all(client, stripe_fake, events[::-1])

    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.payment.status == PaymentStatus.AUTHORIZED
