"""Hosts connect their own Stripe account (Standard, onboarded through Account Links)."""

from __future__ import annotations

import pytest

from payments.models import StripeAccount


@pytest.fixture
def logged_in(client, alice):
    client.force_login(alice)
    return client


def test_connect_redirects_to_the_onboarding_link_of_a_new_standard_account(
    logged_in, alice, stripe_fake, settings
):
    response = logged_in.post("/dashboard/payments/stripe/connect/")

    account = StripeAccount.objects.get(host=alice)
    assert response.status_code == 302
    assert response["Location"] == f"{stripe_fake.url}/onboarding/{account.account_id}"
    assert stripe_fake.accounts[account.account_id]["type"] == "standard"
    (link_call,) = stripe_fake.calls("POST", "/v1/account_links")
    assert link_call[3]["return_url"] == f"{settings.BASE_URL}/dashboard/payments/stripe/return/"
    assert link_call[3]["refresh_url"] == f"{settings.BASE_URL}/dashboard/payments/stripe/refresh/"
    assert link_call[3]["type"] == "account_onboarding"


def test_returning_before_onboarding_is_finished_offers_continue(logged_in, alice, stripe_fake):
    logged_in.post("/dashboard/payments/stripe/connect/")

    page = logged_in.get("/dashboard/payments/stripe/return/", follow=True).content.decode()

    assert "Onboarding unfinished" in page and ">Continue<" in page
    assert StripeAccount.objects.get(host=alice).charges_enabled is False


def test_returning_after_onboarding_shows_connected(logged_in, alice, stripe_fake):
    logged_in.post("/dashboard/payments/stripe/connect/")
    stripe_fake.complete_onboarding(StripeAccount.objects.get(host=alice).account_id)

    page = logged_in.get("/dashboard/payments/stripe/return/", follow=True).content.decode()

    assert "Stripe is connected" in page and "Connected" in page
    assert StripeAccount.objects.get(host=alice).charges_enabled is True


def test_an_expired_link_gets_a_fresh_one_and_connecting_again_reuses_the_account(
    logged_in, alice, stripe_fake
):
    logged_in.post("/dashboard/payments/stripe/connect/")
    refreshed = logged_in.get("/dashboard/payments/stripe/refresh/")
    logged_in.post("/dashboard/payments/stripe/connect/")

    assert refreshed.status_code == 302 and "/onboarding/acct_" in refreshed["Location"]
    assert len(stripe_fake.accounts) == 1
    assert len(stripe_fake.calls("POST", "/v1/account_links")) == 3


def test_without_a_stripe_key_payments_are_not_offered(logged_in, settings, db):
    settings.STRIPE_SECRET_KEY = ""

    page = logged_in.get("/dashboard/payments/").content.decode()
    response = logged_in.post("/dashboard/payments/stripe/connect/")

    assert "Payments are not enabled" in page
    assert response.status_code == 302 and response["Location"] == "/dashboard/payments/"


def test_stripe_unreachable_while_connecting_is_a_message_not_an_error(logged_in, stripe_fake):
    stripe_fake.down = True

    page = logged_in.post("/dashboard/payments/stripe/connect/", follow=True).content.decode()

    assert "Stripe could not be reached" in page


def test_the_event_type_form_takes_a_price_in_major_units(logged_in, alice, stripe_fake):
    from bookings.models import EventType

    base = {
        "title": "Paid call",
        "slug": "paid",
        "duration_minutes": 30,
        "slot_interval_minutes": 30,
        "buffer_before_minutes": 0,
        "buffer_after_minutes": 0,
        "minimum_notice_minutes": 0,
        "booking_window_days": 60,
        "seats": 1,
        "refund_full_hours": 24,
        "refund_partial_percent": 50,
        "is_active": "on",
    }
    bad = logged_in.post(
        "/dashboard/event-types/new/",
        {**base, "payment_mode": "deposit", "price": "12.345", "price_currency": "USD"},
    )
    yen_bad = logged_in.post(
        "/dashboard/event-types/new/",
        {**base, "payment_mode": "full", "price": "50.5", "price_currency": "JPY"},
    )
    unknown = logged_in.post(
        "/dashboard/event-types/new/",
        {**base, "payment_mode": "full", "price": "5", "price_currency": "XYZ"},
    )
    good = logged_in.post(
        "/dashboard/event-types/new/",
        {**base, "payment_mode": "deposit", "price": "25.50", "price_currency": "usd"},
    )

    assert bad.status_code == yen_bad.status_code == unknown.status_code == 400
    assert "at most 2 decimals" in bad.content.decode()
    assert "at most 0 decimals" in yen_bad.content.decode()
    assert "three-letter currency code" in unknown.content.decode()
    assert good.status_code == 302
    saved = EventType.objects.get(slug="paid")
    assert (saved.payment_mode, saved.price_amount, saved.price_currency) == (
        "deposit",
        2550,
        "USD",
    )
