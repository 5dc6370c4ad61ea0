"""No 500 from bad input at the payment entry points: webhooks (unsigned, badly signed, and
correctly signed nonsense), the polling API, the status fragment and the hosts' forms."""

from __future__ import annotations

import json

import pytest
import stripe

from bookings.links import guest_links
from tests.conftest import book
from tests.payments.conftest import CONNECT_SECRET, LATER, PLATFORM_SECRET, deliver_all
from tests.test_bad_input import NASTY, assert_no_500

pytestmark = pytest.mark.usefixtures("frozen_now")

WEBHOOKS = {
    "/payments/stripe/webhook/": PLATFORM_SECRET,
    "/payments/stripe/connect-webhook/": CONNECT_SECRET,
}


def signed_post(client, path, body: str, secret: str):
    header = stripe.WebhookSignature.generate_signature_header(body, secret)
    return client.post(
        path, data=body.encode(), content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def test_webhooks_answer_400_or_200_to_anything(client, deposit, stripe_fake):
    booking = book(deposit, LATER)
    bodies = [
        *NASTY,
        json.dumps({"id": "evt_x"}),
        json.dumps({"id": 5, "type": "checkout.session.completed"}),
        json.dumps({"id": "evt_1", "type": "checkout.session.completed", "data": None}),
        json.dumps({"id": "evt_2", "type": "checkout.session.completed", "data": {"object": []}}),
        json.dumps(
            {
                "id": "evt_3",
                "object": "event",
                "type": "checkout.session.completed",
                "account": "acct_nobody",
                "data": {
                    "object": {
                        "object": "checkout.session",
                        "id": "cs_nope",
                        "client_reference_id": "not-a-uuid",
                    }
                },
            }
        ),
        json.dumps(
            {
                "id": "evt_4",
                "object": "event",
                "type": "payment_intent.succeeded",
                "data": {
                    "object": {
                        "object": "payment_intent",
                        "id": "pi_nope",
                        "metadata": {"booking_uid": str(booking.uid)},
                    }
                },
            }
        ),
        json.dumps({"id": "evt_5", "type": "account.updated", "data": {"object": {"id": 3}}}),
        json.dumps({"id": "evt_6", "type": "charge.dispute.created", "data": {"object": {}}}),
    ]
    for path, secret in WEBHOOKS.items():
        for body in bodies:
            assert_no_500(client.post(path, data=body, content_type="application/json"), body)
            assert_no_500(
                client.post(
                    path,
                    data=body,
                    content_type="application/json",
                    HTTP_STRIPE_SIGNATURE=body[:200],
                ),
                body,
            )
            assert_no_500(signed_post(client, path, body, secret), (path, body))
        assert_no_500(client.get(path), path)


def test_polling_status_and_host_forms_never_500(client, deposit, stripe_fake):
    booking = book(deposit, LATER)
    deliver_all(client, stripe_fake, stripe_fake.pay(booking.payment.checkout_session_id))
    for value in NASTY:
        assert_no_500(client.get(f"/api/v1/bookings/{booking.uid}", {"token": value}), value)
        assert_no_500(
            client.get(f"/payments/booking/{booking.uid}/status/", {"token": value}), value
        )
        assert_no_500(client.get(guest_links(booking).view_path, {"paid": value}), value)
    client.force_login(deposit.host)
    for value in NASTY:
        for field in ("amount", "reason"):
            assert_no_500(
                client.post(
                    f"/dashboard/payments/bookings/{booking.uid}/refund/",
                    {"amount": "1.00", "reason": "", field: value},
                ),
                (field, value),
            )
        for field in (
            "payment_mode",
            "price",
            "price_currency",
            "refund_full_hours",
            "refund_partial_percent",
        ):
            assert_no_500(
                client.post(
                    "/dashboard/event-types/new/",
                    {"title": "T", "payment_mode": "deposit", "price": "5", field: value},
                ),
                (field, value),
            )
        for path in ("/dashboard/payments/", "/dashboard/payments/stripe/return/"):
            assert_no_500(client.get(path, {"x": value}), path)
