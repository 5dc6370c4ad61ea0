"""Refunds follow the policy to the cent, holds are released or partly captured, and no refund
is ever issued twice."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from bookings import services as booking_services
from bookings.models import BookingStatus, CancelledBy
from payments import money, services
from payments.models import PaymentStatus, Refund, RefundStatus
from tests.conftest import NOW, book, make_event_type
from tests.payments.conftest import LATER, SOON, deliver_all

pytestmark = pytest.mark.usefixtures("frozen_now")


def paid(client, fake, event_type, start, **kwargs):
    booking = book(event_type, start, **kwargs)
    deliver_all(client, fake, fake.pay(booking.payment.checkout_session_id))
    booking.refresh_from_db()
    return booking


def cancel(booking, by=CancelledBy.GUEST, now=None):
    booking = booking_services.cancel_booking(booking, by=by, reason="Plans changed", now=now)
    for refund in Refund.objects.filter(payment__booking=booking, status=RefundStatus.PENDING):
        services.carry_out_refund(refund.pk, now)
    booking.payment.refresh_from_db()
    return booking


class TestPolicyMaths:
    def test_full_refund_on_the_boundary_to_the_second_and_partial_one_second_later(self):
        start = dt.datetime(2026, 3, 10, 15, 0, tzinfo=dt.UTC)
        policy = {"full_hours": 24, "partial_percent": 50}

        on_boundary = start - dt.timedelta(hours=24)
        assert money.refund_percent(start=start, now=on_boundary, **policy) == 100
        assert (
            money.refund_percent(start=start, now=on_boundary + dt.timedelta(seconds=1), **policy)
            == 50
        )
        assert (
            money.refund_percent(start=start, now=start - dt.timedelta(seconds=1), **policy) == 50
        )
        assert money.refund_percent(start=start, now=start, **policy) == 0

    def test_shares_are_whole_minor_units_rounded_half_up(self):
        assert money.share(5000, 50) == 2500
        assert money.share(5001, 50) == 2501
        assert money.share(333, 33) == 110
        assert money.share(999, 0) == 0

    def test_zero_decimal_currencies_are_whole_units(self):
        assert money.format_money(5000, "JPY") == "¥5,000"
        assert money.format_money(5000, "USD") == "$50.00"
        assert money.to_minor(money.to_major(12345, "BHD"), "BHD") == 12345
        with pytest.raises(ValueError):
            money.to_minor(money.to_major(1, "USD"), "JPY")


def test_a_guest_cancelling_24_hours_ahead_to_the_second_gets_everything_back(
    client, deposit, stripe_fake
):
    booking = paid(client, stripe_fake, deposit, LATER)
    with time_machine.travel(LATER - dt.timedelta(hours=24), tick=False):
        assert services.guest_cancel_refund(booking) == 5000
        booking = cancel(booking)

    assert booking.payment.refunded_amount == 5000
    assert booking.payment.status == PaymentStatus.REFUNDED
    (refund,) = stripe_fake.refunds.values()
    assert refund["amount"] == 5000


def test_one_second_inside_24_hours_the_guest_gets_half_back(client, deposit, stripe_fake):
    booking = paid(client, stripe_fake, deposit, LATER)
    with time_machine.travel(LATER - dt.timedelta(hours=24) + dt.timedelta(seconds=1), tick=False):
        assert services.guest_cancel_refund(booking) == 2500
        booking = cancel(booking)

    assert booking.payment.refunded_amount == 2500
    assert booking.payment.status == PaymentStatus.PARTIALLY_REFUNDED
    assert [r["amount"] for r in stripe_fake.refunds.values()] == [2500]


def test_cancelling_a_held_deposit_late_captures_only_the_kept_part(client, deposit, stripe_fake):
    booking = paid(client, stripe_fake, deposit, SOON)
    assert booking.payment.status == PaymentStatus.AUTHORIZED

    with time_machine.travel(SOON - dt.timedelta(hours=2), tick=False):
        booking = cancel(booking)

    intent = stripe_fake.intents[booking.payment.payment_intent_id]
    assert intent["status"] == "succeeded" and intent["amount_received"] == 2500
    assert stripe_fake.refunds == {}
    assert booking.payment.captured_amount == 2500
    assert booking.payment.refunded_amount == 2500
    capture = stripe_fake.calls("POST", f"/v1/payment_intents/{intent['id']}/capture")
    assert capture[0][3]["amount_to_capture"] == "2500"
    assert capture[0][2]["idempotency-key"].startswith("slotbook-refund-")


def test_cancelling_a_held_deposit_early_releases_it(client, deposit, stripe_fake):
    booking = paid(client, stripe_fake, deposit, SOON)

    booking = cancel(booking)

    assert stripe_fake.intents[booking.payment.payment_intent_id]["status"] == "canceled"
    assert booking.payment.status == PaymentStatus.RELEASED
    assert booking.payment.refunded_amount == 5000


def test_a_host_cancelling_or_declining_refunds_in_full(client, deposit, stripe_fake):
    booking = paid(client, stripe_fake, deposit, LATER)
    with time_machine.travel(LATER - dt.timedelta(hours=1), tick=False):
        booking = cancel(booking, by=CancelledBy.HOST)
    assert booking.payment.refunded_amount == 5000

    deposit.requires_confirmation = True
    deposit.save()
    request = paid(client, stripe_fake, deposit, LATER + dt.timedelta(days=1))
    assert request.status == BookingStatus.PENDING
    booking_services.decline_booking(request, reason="Away")
    services.carry_out_refund(Refund.objects.get(payment__booking=request).pk)
    request.payment.refresh_from_db()
    assert request.payment.status == PaymentStatus.REFUNDED


def test_the_cancellation_email_says_how_much_comes_back(
    client, deposit, stripe_fake, after_commit
):
    booking = paid(client, stripe_fake, deposit, LATER)
    mail.outbox.clear()
    with time_machine.travel(LATER - dt.timedelta(hours=3), tick=False):
        after_commit(cancel, booking)

    guest = next(m for m in mail.outbox if m.to == ["gina@example.com"])
    host = next(m for m in mail.outbox if m.to == ["alice@example.com"])
    assert "you will get $25.00 back" in guest.body
    assert "Refund to the guest: $25.00 of $50.00." in host.body


def test_a_host_refund_is_never_issued_twice(client, deposit, stripe_fake):
    booking = paid(client, stripe_fake, deposit, LATER)

    first = services.refund_by_host(booking, amount=5000, reason="Sorry")
    with pytest.raises(services.PaymentError, match="refunded in full already"):
        services.refund_by_host(booking, amount=100, reason="Again")
    assert services.carry_out_refund(first.pk) is True
    assert services.carry_out_refund(first.pk) is True  # a retry is a no-op

    assert [r["amount"] for r in stripe_fake.refunds.values()] == [5000]
    booking.payment.refresh_from_db()
    assert booking.payment.status == PaymentStatus.REFUNDED


def test_a_host_may_refund_in_parts_up_to_what_remains(client, deposit, stripe_fake):
    booking = paid(client, stripe_fake, deposit, LATER)

    services.carry_out_refund(services.refund_by_host(booking, amount=1000, reason="").pk)
    with pytest.raises(services.PaymentError, match=r"up to \$40.00"):
        services.refund_by_host(booking, amount=4001, reason="")
    services.carry_out_refund(services.refund_by_host(booking, amount=4000, reason="").pk)

    booking.payment.refresh_from_db()
    assert booking.payment.refunded_amount == 5000
    assert sorted(r["amount"] for r in stripe_fake.refunds.values()) == [1000, 4000]


def test_a_refund_that_stripe_refuses_is_kept_and_retried_with_the_same_key(
    client, deposit, stripe_fake
):
    booking = paid(client, stripe_fake, deposit, LATER)
    refund = services.refund_by_host(booking, amount=5000, reason="")
    stripe_fake.down = True

    assert services.carry_out_refund(refund.pk) is False
    refund.refresh_from_db()
    assert refund.status == RefundStatus.PENDING and refund.attempts == 1
    stripe_fake.down = False
    assert services.reconcile_payments()["refunds"] == 1

    keys = {r[2]["idempotency-key"] for r in stripe_fake.calls("POST", "/v1/refunds")}
    assert keys == {f"slotbook-refund-{refund.pk}"}
    assert len(stripe_fake.refunds) == 1


def test_zero_decimal_currency_end_to_end(client, connected_alice, stripe_fake):
    yen = make_event_type(
        connected_alice, "yen", payment_mode="full", price_amount=5000, price_currency="JPY"
    )
    booking = paid(client, stripe_fake, yen, LATER)
    session = stripe_fake.sessions[booking.payment.checkout_session_id]
    assert session["amount_total"] == 5000 and session["currency"] == "jpy"

    with time_machine.travel(LATER - dt.timedelta(hours=3), tick=False):
        booking = cancel(booking)

    assert booking.payment.refunded_amount == 2500
    page = client.get("/alice/yen/book/", {"start": (LATER + dt.timedelta(days=1)).isoformat()})
    assert "¥5,000" in page.content.decode()


def test_capture_at_the_start_of_a_held_meeting(client, deposit, stripe_fake):
    booking = paid(client, stripe_fake, deposit, SOON)

    assert services.capture_due_payments(SOON - dt.timedelta(minutes=1)) == 0
    assert services.capture_due_payments(SOON) == 1
    assert services.capture_due_payments(SOON) == 0

    booking.payment.refresh_from_db()
    assert booking.payment.status == PaymentStatus.CAPTURED
    assert stripe_fake.intents[booking.payment.payment_intent_id]["amount_received"] == 5000
    (call,) = stripe_fake.calls(
        "POST", f"/v1/payment_intents/{booking.payment.payment_intent_id}/capture"
    )
    assert call[2]["idempotency-key"] == f"slotbook-capture-{booking.payment.pk}"


def test_nothing_to_refund_for_a_guest_who_cancels_after_a_no_refund_window(
    client, connected_alice, stripe_fake
):
    strict = make_event_type(
        connected_alice,
        "strict",
        payment_mode="full",
        price_amount=3000,
        refund_full_hours=48,
        refund_partial_percent=0,
    )
    booking = paid(client, stripe_fake, strict, LATER)
    with time_machine.travel(LATER - dt.timedelta(hours=47), tick=False):
        booking = cancel(booking)

    assert booking.status == BookingStatus.CANCELLED
    assert booking.payment.refunded_amount == 0
    assert not Refund.objects.exists()
    assert NOW  # the frozen clock of the suite


def test_a_hold_moved_further_out_is_captured_before_stripe_lets_it_lapse(
    client, deposit, stripe_fake
):
    booking = paid(client, stripe_fake, deposit, SOON)
    booking_services.reschedule_booking(booking, start=LATER)
    six_days_on = booking.payment.created_at + dt.timedelta(days=6)

    assert services.capture_due_payments(six_days_on - dt.timedelta(minutes=1)) == 0
    assert services.capture_due_payments(six_days_on) == 1

    booking.payment.refresh_from_db()
    assert booking.payment.status == PaymentStatus.CAPTURED
