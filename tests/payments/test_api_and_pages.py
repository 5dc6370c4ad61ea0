"""What guests and clients see of payments: the API's `payment` object and polling endpoint,
and price, policy and refund on every page."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from bookings.links import guest_links
from bookings.models import BookingStatus
from tests.bookings.test_api import assert_error, assert_matches, booking_body, post
from tests.conftest import book
from tests.payments.conftest import LATER, SOON, deliver_all

pytestmark = pytest.mark.usefixtures("frozen_now")

BOOKINGS = "/api/v1/alice/deposit/bookings"


def test_the_api_answers_201_awaiting_payment_with_the_checkout_url(client, deposit, stripe_fake):
    response = post(client, BOOKINGS, booking_body())

    assert response.status_code == 201
    payload = response.json()
    assert_matches(payload, "Booking")
    assert payload["status"] == "awaiting_payment"
    assert payload["payment"]["status"] == "open"
    assert payload["payment"]["amount"] == 5000
    assert payload["payment"]["currency"] == "USD"
    assert payload["payment"]["refunded_amount"] == 0
    assert payload["payment"]["checkout_url"].startswith(stripe_fake.url + "/checkout/cs_test_")


def test_a_client_polls_with_any_guest_token_and_its_tokens_survive_payment(
    client, deposit, stripe_fake
):
    created = post(client, BOOKINGS, booking_body()).json()
    uid = created["uid"]
    session_id = created["payment"]["checkout_url"].rsplit("/", 1)[-1]

    waiting = client.get(f"/api/v1/bookings/{uid}", {"token": created["cancel_token"]})
    assert waiting.json()["status"] == "awaiting_payment"
    deliver_all(client, stripe_fake, stripe_fake.pay(session_id))

    for token in (created["cancel_token"], created["reschedule_token"]):
        polled = client.get(f"/api/v1/bookings/{uid}", {"token": token})
        assert polled.status_code == 200
        assert_matches(polled.json(), "Booking")
        assert polled.json()["status"] == "confirmed"
        assert polled.json()["payment"]["status"] == "authorized"  # held: 3 days ahead
        assert polled.json()["payment"]["checkout_url"] is None
    cancelled = post(client, f"/api/v1/bookings/{uid}/cancel", {"token": created["cancel_token"]})
    assert cancelled.status_code == 200
    assert cancelled.json()["payment"]["refunded_amount"] in (0, 5000)  # carried out after commit


def test_the_polling_endpoint_refuses_a_missing_or_forged_token(client, deposit, stripe_fake):
    uid = post(client, BOOKINGS, booking_body()).json()["uid"]

    assert_error(client.get(f"/api/v1/bookings/{uid}"), 400, "INVALID_INPUT")
    assert_error(client.get(f"/api/v1/bookings/{uid}", {"token": "forged"}), 403, "FORBIDDEN")
    assert_error(
        client.get("/api/v1/bookings/00000000-0000-0000-0000-000000000000", {"token": "x"}),
        404,
        "NOT_FOUND",
    )


def test_the_api_says_payments_are_unavailable_when_stripe_is_down(client, deposit, stripe_fake):
    stripe_fake.down = True

    payload = assert_error(post(client, BOOKINGS, booking_body()), 503, "PAYMENT_UNAVAILABLE")

    assert "nothing was booked" in payload["error"]


def test_two_api_guests_racing_for_one_paid_slot_one_holds_one_gets_409(
    client, deposit, stripe_fake
):
    first = post(client, BOOKINGS, booking_body())
    second = post(client, BOOKINGS, booking_body(email="rival@example.com"))

    assert first.status_code == 201
    assert_error(second, 409, "SLOT_UNAVAILABLE")


def test_price_and_policy_are_on_the_host_page_event_page_and_form(client, deposit, stripe_fake):
    for path in (
        "/alice/",
        "/alice/deposit/",
        f"/alice/deposit/book/?start={SOON:%Y-%m-%dT%H:%M:%SZ}",
    ):
        html = client.get(path).content.decode()
        assert "$50.00 deposit" in html, path
        assert "Full refund if you cancel at least 24 hours before the start, 50%" in html, path


def test_the_booking_form_says_so_when_stripe_is_down(client, deposit, stripe_fake):
    stripe_fake.down = True

    response = client.post(
        "/alice/deposit/book/",
        {
            "start": SOON.isoformat(),
            "name": "Gina",
            "email": "g@example.com",
            "timezone": "Europe/London",
        },
    )

    assert "Payments are not available right now, so nothing was booked" in (
        response.content.decode()
    )


def test_the_booking_form_sends_the_guest_to_the_booking_page_with_the_pay_button(
    client, deposit, stripe_fake
):
    response = client.post(
        "/alice/deposit/book/",
        {
            "start": SOON.isoformat(),
            "name": "Gina",
            "email": "g@example.com",
            "timezone": "Europe/London",
        },
        follow=True,
    )

    html = response.content.decode()
    assert "Awaiting payment" in html
    assert "Pay $50.00 with Stripe" in html
    assert 'hx-trigger="every 2s"' in html


def test_the_status_fragment_refreshes_the_page_once_paid(client, deposit, stripe_fake):
    booking = book(deposit, LATER)
    token = guest_links(booking).view_path.split("token=")[1]
    url = f"/payments/booking/{booking.uid}/status/?token={token}"

    assert "HX-Refresh" not in client.get(url)
    deliver_all(client, stripe_fake, stripe_fake.pay(booking.payment.checkout_session_id))
    assert client.get(url)["HX-Refresh"] == "true"
    assert client.get(f"/payments/booking/{booking.uid}/status/?token=bad").status_code == 403


def test_the_confirmation_and_cancel_pages_show_the_money(client, deposit, stripe_fake):
    booking = book(deposit, LATER)
    deliver_all(client, stripe_fake, stripe_fake.pay(booking.payment.checkout_session_id))
    booking.refresh_from_db()
    links = guest_links(booking)

    confirmation = client.get(links.view_path).content.decode()
    assert "$50.00 paid." in confirmation
    with time_machine.travel(LATER - dt.timedelta(hours=2), tick=False):
        cancel_page = client.get(links.cancel_path).content.decode()
    assert "You will get $25.00 back." in cancel_page
    early = client.get(links.cancel_path).content.decode()
    assert "You will get $50.00 back." in early


def test_the_host_sees_the_timeline_badges_and_can_refund_once(client, deposit, stripe_fake):
    booking = book(deposit, LATER)
    deliver_all(client, stripe_fake, stripe_fake.pay(booking.payment.checkout_session_id))
    client.force_login(deposit.host)

    page = client.get(f"/dashboard/bookings/{booking.uid}/").content.decode()
    assert "Captured" in page and "$50.00" in page and "Refund (up to $50.00)" in page
    listing = client.get("/dashboard/bookings/").content.decode()
    assert "payment-badge" in listing and ">Paid<" in listing

    url = f"/dashboard/payments/bookings/{booking.uid}/refund/"
    first = client.post(url, {"amount": "50.00", "reason": "Sorry"}, follow=True)
    second = client.post(url, {"amount": "1.00", "reason": "Again"}, follow=True)

    assert "Refunded $50.00." in first.content.decode()
    assert "There is no captured payment to refund." in second.content.decode() or (
        "refunded in full already" in second.content.decode()
    )
    assert len(stripe_fake.refunds) == 1
    assert ">Refunded<" in client.get("/dashboard/bookings/").content.decode()


def test_a_refund_form_with_a_bad_amount_is_refused_with_a_message(client, deposit, stripe_fake):
    booking = book(deposit, LATER)
    deliver_all(client, stripe_fake, stripe_fake.pay(booking.payment.checkout_session_id))
    client.force_login(deposit.host)

    for amount in ("abc", "-5", "0", "1.001", "NaN", "1e400", "999999999999"):
        response = client.post(
            f"/dashboard/payments/bookings/{booking.uid}/refund/", {"amount": amount}, follow=True
        )
        assert response.status_code == 200, amount
    assert stripe_fake.refunds == {}


def test_another_hosts_booking_cannot_be_refunded(client, deposit, stripe_fake, bob):
    booking = book(deposit, LATER)
    deliver_all(client, stripe_fake, stripe_fake.pay(booking.payment.checkout_session_id))
    client.force_login(bob)

    response = client.post(
        f"/dashboard/payments/bookings/{booking.uid}/refund/", {"amount": "50.00"}
    )

    assert response.status_code == 404
    assert stripe_fake.refunds == {}


def test_a_booking_awaiting_payment_cannot_be_rescheduled_or_cancelled_yet(
    client, deposit, stripe_fake
):
    booking = book(deposit, SOON)
    links = guest_links(booking)

    page = client.get(links.cancel_path).content.decode()

    assert "nothing to cancel" in page
    assert booking.status == BookingStatus.AWAITING_PAYMENT
