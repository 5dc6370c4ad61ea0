"""Payments configuration, admin lists, beat schedule and the demo data."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.core.management import call_command

from config.env import EnvironmentProblems, read_environment
from tests.config.test_env import GOOD_PRODUCTION


def test_production_without_a_stripe_key_needs_no_stripe_secrets():
    values = read_environment(GOOD_PRODUCTION)
    assert values["STRIPE_SECRET_KEY"] == ""
    assert values["STRIPE_API_BASE"] == "https://api.stripe.com"
    assert values["PAYMENT_HOLD_MINUTES"] == 30


def test_production_with_a_stripe_key_names_both_missing_webhook_secrets():
    with pytest.raises(EnvironmentProblems) as problems:
        read_environment({**GOOD_PRODUCTION, "STRIPE_SECRET_KEY": "sk_live_x"})
    message = str(problems.value)
    assert "STRIPE_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set" in message
    assert "STRIPE_CONNECT_WEBHOOK_SECRET is required when STRIPE_SECRET_KEY is set" in message
    complete = {
        **GOOD_PRODUCTION,
        "STRIPE_SECRET_KEY": "sk_live_x",
        "STRIPE_WEBHOOK_SECRET": "whsec_a",
        "STRIPE_CONNECT_WEBHOOK_SECRET": "whsec_b",
    }
    assert read_environment(complete)["STRIPE_SECRET_KEY"] == "sk_live_x"


@pytest.mark.parametrize("minutes", ["29", "1441", "ten", "-30"])
def test_a_hold_shorter_than_stripe_allows_is_refused(minutes):
    with pytest.raises(EnvironmentProblems, match="PAYMENT_HOLD_MINUTES is malformed"):
        read_environment({"PAYMENT_HOLD_MINUTES": minutes})


def test_beat_runs_the_hold_expiry_and_reconciliation():
    from config.celery import app

    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["every-minute-expire-payment-holds"]["schedule"] == 60.0
    assert schedule["every-five-minutes-reconcile-payments"]["schedule"] == 300.0
    for entry in schedule.values():
        assert entry["task"] in app.tasks


def test_admin_lists_payments_and_webhook_events_read_only(admin_client, db):
    for path in (
        "/admin/payments/payment/",
        "/admin/payments/webhookevent/",
        "/admin/payments/stripeaccount/",
    ):
        assert admin_client.get(path).status_code == 200
        assert admin_client.get(path + "add/").status_code == 403


def test_seed_demo_adds_the_deposit_type(db):
    from bookings.models import EventType

    call_command("seed_demo")
    call_command("seed_demo")

    deposit = EventType.objects.get(host__email="demo@example.com", slug="deposit")
    assert (deposit.duration_minutes, deposit.slot_interval_minutes) == (60, 60)
    assert (deposit.payment_mode, deposit.price_amount, deposit.price_currency) == (
        "deposit",
        5000,
        "USD",
    )
    assert (deposit.refund_full_hours, deposit.refund_partial_percent) == (24, 50)
    assert deposit.requires_confirmation is False
