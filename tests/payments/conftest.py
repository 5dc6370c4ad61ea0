"""Stripe for the payments tests: the local fake, a host connected through it, a paid type.

Everything goes through the real `stripe` package pointed at tests/fakes/stripe_server.py, and
webhooks are signed with Stripe's real scheme.
"""

from __future__ import annotations

import pytest

from payments import services
from payments.models import StripeAccount
from tests.conftest import MONDAY, at, make_event_type
from tests.fakes.stripe_server import FakeStripe

PLATFORM_SECRET = "whsec_platform_test"
CONNECT_SECRET = "whsec_connect_test"
# Monday 10:00 in New York: 3 days after the frozen NOW, so a deposit is only held.
SOON = at(f"{MONDAY} 10:00")
# Three weeks later: captured at once.
LATER = at("2026-03-23 10:00")


@pytest.fixture
def stripe_fake(settings):
    fake = FakeStripe().start()
    settings.STRIPE_SECRET_KEY = fake.api_key
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_WEBHOOK_SECRET = PLATFORM_SECRET
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = CONNECT_SECRET
    yield fake
    fake.stop()


def connect(host, fake) -> StripeAccount:
    services.onboarding_link(host)
    account = StripeAccount.objects.get(host=host)
    fake.complete_onboarding(account.account_id)
    services.refresh_account(host)
    account.refresh_from_db()
    return account


@pytest.fixture
def connected_alice(alice, stripe_fake):
    connect(alice, stripe_fake)
    return alice


@pytest.fixture
def deposit(connected_alice):
    return make_event_type(
        connected_alice,
        "deposit",
        duration_minutes=60,
        slot_interval_minutes=60,
        payment_mode="deposit",
        price_amount=5000,
        price_currency="USD",
    )


def webhook(client, fake, event, *, secret=None, timestamp=None):
    """POST an event the way Stripe does: to the endpoint it belongs to, signed."""
    connect_event = bool(event.get("account"))
    secret = secret or (CONNECT_SECRET if connect_event else PLATFORM_SECRET)
    body, header = fake.signed(event, secret, timestamp)
    path = "/payments/stripe/connect-webhook/" if connect_event else "/payments/stripe/webhook/"
    return client.post(
        path, data=body, content_type="application/json", HTTP_STRIPE_SIGNATURE=header
    )


def deliver_all(client, fake, events):
    return [webhook(client, fake, event).status_code for event in events]
