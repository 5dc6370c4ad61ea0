"""Ops commands: config check and clean-up of unconfirmed sign-ups."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

pytestmark = pytest.mark.django_db


def test_check_config_reports_without_secrets_and_checks_services(capsys, settings):
    call_command("check_config")
    out = capsys.readouterr().out
    assert "database: postgresql" in out and "database and broker answer: OK" in out
    assert "broker: redis://127.0.0.1:" in out
    assert settings.SECRET_KEY not in out


def test_check_config_fails_when_the_broker_is_down(settings):
    from config.celery import app

    original = app.conf.broker_url
    app.conf.broker_url = "redis://127.0.0.1:1/0"
    try:
        with pytest.raises(CommandError, match="broker does not answer"):
            call_command("check_config")
    finally:
        app.conf.broker_url = original


def test_unconfirmed_sign_ups_are_purged_after_a_week(client, alice):
    with time_machine.travel(dt.datetime(2026, 3, 1, tzinfo=dt.UTC)):
        client.post("/accounts/signup/", {"email": "ghost@example.com"})
    with time_machine.travel(dt.datetime(2026, 3, 5, tzinfo=dt.UTC)):
        call_command("purge_unconfirmed_accounts")
        assert get_user_model().objects.filter(email="ghost@example.com").exists()
    with time_machine.travel(dt.datetime(2026, 3, 9, tzinfo=dt.UTC)):
        call_command("purge_unconfirmed_accounts", "--dry-run")
        assert get_user_model().objects.filter(email="ghost@example.com").exists()
        call_command("purge_unconfirmed_accounts")
    assert not get_user_model().objects.filter(email="ghost@example.com").exists()
    assert get_user_model().objects.filter(email="alice@example.com").exists()
