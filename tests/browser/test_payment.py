"""A guest books the demo `deposit`, pays on the (fake) Stripe Checkout page, lands on the
confirmation, then cancels and sees the refund: in Chromium, with webhooks delivered by the
fake over HTTP, signed, to the live server."""

from __future__ import annotations

import re

import pytest
from django.core.management import call_command
from playwright.sync_api import expect

from bookings.links import guest_links
from bookings.models import Booking, BookingStatus
from payments import services
from payments.models import PaymentStatus
from tests.browser.conftest import screenshot
from tests.fakes.stripe_server import FakeStripe
from tests.payments.conftest import CONNECT_SECRET, PLATFORM_SECRET, connect

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def stripe_fake(settings):
    fake = FakeStripe().start()
    settings.STRIPE_SECRET_KEY = fake.api_key
    settings.STRIPE_API_BASE = fake.url
    settings.STRIPE_WEBHOOK_SECRET = PLATFORM_SECRET
    settings.STRIPE_CONNECT_WEBHOOK_SECRET = CONNECT_SECRET
    yield fake
    fake.stop()


@pytest.fixture
def demo(transactional_db, stripe_fake, live_server, settings):
    from django.contrib.auth import get_user_model

    settings.BASE_URL = live_server.url
    call_command("seed_demo")
    host = get_user_model().objects.get(email="demo@example.com")
    connect(host, stripe_fake)
    stripe_fake.webhook_endpoints = {
        "platform": (f"{live_server.url}/payments/stripe/webhook/", PLATFORM_SECRET),
        "connect": (f"{live_server.url}/payments/stripe/connect-webhook/", CONNECT_SECRET),
    }
    return host


def test_a_guest_pays_a_deposit_then_cancels_and_sees_the_refund(
    live_server, open_page, demo, stripe_fake
):
    page = open_page("Europe/London")
    page.goto(f"{live_server.url}/demo/")
    expect(page.get_by_text("$50.00 deposit").first).to_be_visible()
    page.get_by_role("link", name=re.compile("Session with deposit")).click()
    page.wait_for_url(re.compile(r"/demo/deposit/"))
    expect(page.get_by_text("Full refund if you cancel at least 24 hours")).to_be_visible()

    # A day next month: more than six days ahead, so captured at once; refundable in full.
    page.get_by_label("Next month").click()
    expect(page.locator("h2.picker-month")).not_to_have_text(re.compile(r"^$"))
    page.locator("a.picker-day--available").first.click()
    page.locator("a.picker-slot").first.click()
    expect(page.get_by_text("$50.00 deposit", exact=True)).to_be_visible()
    page.get_by_label("Your name").fill("Gina Guest")
    page.get_by_label("Email").fill("gina@example.com")
    page.locator("form[method=post] button[type=submit]").click()

    expect(page.get_by_text("Awaiting payment")).to_be_visible()
    screenshot(page, "payment-awaiting")
    page.get_by_role("link", name="Pay $50.00 with Stripe").click()

    page.wait_for_url(re.compile(r"/checkout/cs_test_"))
    expect(page.get_by_role("heading")).to_have_text("Pay 5000 USD")
    page.locator("#pay").click()

    # Back on our page: it polls until the webhook has confirmed the payment.
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked", timeout=20_000)
    expect(page.get_by_text("$50.00 paid.")).to_be_visible()
    screenshot(page, "payment-confirmed")
    booking = Booking.objects.get(guest_email="gina@example.com")
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.payment.status == PaymentStatus.CAPTURED

    # The confirmation page shows no manage links; the guest's email carries the cancel link.
    page.goto(live_server.url + guest_links(booking).cancel_path)
    expect(page.locator("#refund-preview")).to_contain_text("You will get $50.00 back.")
    screenshot(page, "payment-cancel")
    page.get_by_role("button", name="Cancel booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("This booking is cancelled")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.payment.refunded_amount == 5000
    assert [refund["amount"] for refund in stripe_fake.refunds.values()] == [5000]
    assert services.payment_of(booking).status == PaymentStatus.REFUNDED
