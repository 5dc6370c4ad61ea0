"""Guests racing for one paid slot on PostgreSQL: one holds it, the others are refused, and
Stripe is asked for exactly one Checkout Session. A hold also races an expiry and a payment."""

from __future__ import annotations

from collections import Counter

import pytest

from bookings.models import Booking, BookingStatus
from tests.bookings.test_concurrency import race
from tests.conftest import book, make_event_type, make_host
from tests.payments.conftest import SOON, connect

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

GUESTS = 12


@pytest.fixture
def paid_type(stripe_fake):
    host = make_host("alice@example.com", "alice", "America/New_York")
    connect(host, stripe_fake)
    return make_event_type(
        host, "deposit", payment_mode="deposit", price_amount=5000, price_currency="USD"
    )


def test_two_guests_racing_for_one_paid_slot_one_holds_and_one_is_refused(paid_type, stripe_fake):
    outcomes = race(
        lambda index: book(paid_type, SOON, email=f"g{index}@example.com").status, clients=2
    )

    assert outcomes == Counter({BookingStatus.AWAITING_PAYMENT: 1, "unavailable": 1})
    assert len(stripe_fake.sessions) == 1


def test_many_guests_racing_for_one_paid_slot_make_one_hold_and_one_session(paid_type, stripe_fake):
    outcomes = race(
        lambda index: book(paid_type, SOON, email=f"g{index}@example.com").status, clients=GUESTS
    )

    assert outcomes == Counter({BookingStatus.AWAITING_PAYMENT: 1, "unavailable": GUESTS - 1})
    assert Booking.objects.count() == 1
    assert len(stripe_fake.sessions) == 1


def test_an_expiry_racing_the_payment_never_leaves_a_paid_guest_without_the_slot(
    paid_type, stripe_fake
):
    import datetime as dt

    import time_machine

    from payments import services
    from tests.conftest import NOW

    with time_machine.travel(NOW, tick=False):
        booking = book(paid_type, SOON)
        stripe_fake.pay(booking.payment.checkout_session_id)
    payment = booking.payment

    def attempt(index: int) -> str:
        if index % 2:
            services.expire_hold(payment, NOW + dt.timedelta(minutes=31))
        else:
            services.sync_payment(payment)
        return "done"

    assert race(attempt, clients=6) == Counter({"done": 6})
    booking.refresh_from_db()
    payment.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert payment.status == "authorized"
