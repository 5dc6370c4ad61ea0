"""Connecting accounts: the OAuth round trip through the real libraries, state checks,
encrypted tokens, disconnecting."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection as db

from availability.models import BusyBlock
from calendars import crypto
from calendars.models import Calendar, Connection, OAuthState
from tests.calendars.conftest import local_path, start_consent
from tests.conftest import at

pytestmark = pytest.mark.django_db


def test_google_consent_asks_for_narrow_scopes_offline_access_and_pkce(client, alice, google):
    client.force_login(alice)
    consent = start_consent(client, "google")
    assert consent.startswith(f"{google.url}/o/oauth2/auth?")
    assert "access_type=offline" in consent and "code_challenge_method=S256" in consent
    assert "calendar.events" in consent and "calendar.freebusy" in consent
    assert "auth%2Fcalendar+" not in consent and not consent.endswith("auth%2Fcalendar")
    assert (
        "redirect_uri=http%3A%2F%2F127.0.0.1%3A8000%2Fcalendars%2Fgoogle%2Fcallback%2F" in consent
    )


def test_microsoft_consent_asks_for_offline_access_and_pkce(client, alice, microsoft):
    client.force_login(alice)
    consent = start_consent(client, "microsoft")
    assert consent.startswith(f"{microsoft.url}/common/oauth2/v2.0/authorize?")
    assert "offline_access" in consent and "code_challenge=" in consent
    assert "Calendars.ReadWrite" in consent


def test_connecting_google_lists_the_account_and_defaults(
    client, alice, intro, frozen_now, connect_google, google
):
    google.add_calendar("team@group.calendar.google.com", "Team", role="reader")
    connection = connect_google(alice)
    calendars = {c.name: c for c in Calendar.objects.filter(connection=connection)}
    assert calendars["Alice Work"].counts_as_busy and calendars["Alice Work"].receives_bookings
    assert not calendars["Team"].counts_as_busy and not calendars["Team"].can_write
    page = client.get("/dashboard/calendars/").content.decode()
    assert "alice.work@gmail.com" in page and "Team" in page and "Connected" in page


def test_the_page_says_how_long_ago_each_connection_synced(
    client, alice, intro, frozen_now, connect_google, google
):
    connect_google(alice)
    page = client.get("/dashboard/calendars/").content.decode()
    assert "just now" in page and "0\xa0minutes" not in page
    with time_machine.travel(frozen_now + dt.timedelta(minutes=5), tick=False):
        page = client.get("/dashboard/calendars/").content.decode()
    assert "5\xa0minutes ago" in page


def test_tokens_are_encrypted_at_rest(alice, frozen_now, connect_google, google):
    connection = connect_google(alice)
    with db.cursor() as cursor:
        cursor.execute("SELECT access_token_sealed, refresh_token_sealed FROM calendars_connection")
        sealed_access, sealed_refresh = cursor.fetchone()
    assert connection.access_token in google.access_tokens
    assert connection.access_token not in sealed_access
    assert connection.refresh_token not in sealed_refresh
    assert crypto.decrypt(sealed_refresh) == connection.refresh_token


def test_reencrypt_moves_tokens_to_the_newest_key(settings, alice, frozen_now, connect_google):
    from cryptography.fernet import Fernet

    connection = connect_google(alice)
    refresh = connection.refresh_token
    old_keys = list(settings.CALENDAR_TOKEN_KEYS)
    new_key = Fernet.generate_key().decode()
    settings.CALENDAR_TOKEN_KEYS = [new_key, *old_keys]
    call_command("reencrypt_calendar_tokens")
    settings.CALENDAR_TOKEN_KEYS = [new_key]  # the old key is dropped
    assert Connection.objects.get(pk=connection.pk).refresh_token == refresh


def callback_path(fake, consent):
    return local_path(fake.approve(consent))


def test_a_forged_state_connects_nothing(client, alice, google):
    client.force_login(alice)
    consent = start_consent(client, "google")
    forged = callback_path(google, consent.replace("state=", "state=forged"))
    response = client.get(forged)
    assert response.status_code == 400
    assert "was not connected" in response.content.decode()
    assert not Connection.objects.exists()


def test_a_replayed_state_connects_once(client, alice, google, django_capture_on_commit_callbacks):
    client.force_login(alice)
    path = callback_path(google, start_consent(client, "google"))
    with django_capture_on_commit_callbacks(execute=True):
        assert client.get(path).status_code == 302
    Connection.objects.all().delete()
    again = client.get(path)
    assert again.status_code == 400 and "already used" in again.content.decode()
    assert not Connection.objects.exists()


def test_an_expired_state_connects_nothing(client, alice, google):
    client.force_login(alice)
    path = callback_path(google, start_consent(client, "google"))
    with time_machine.travel(dt.datetime.now(dt.UTC) + dt.timedelta(minutes=11)):
        response = client.get(path)
    assert response.status_code == 400 and "10 minutes" in response.content.decode()
    assert not Connection.objects.exists()


def test_a_missing_state_or_an_error_connects_nothing(client, alice, google):
    client.force_login(alice)
    consent = start_consent(client, "google")
    state = OAuthState.objects.get().state
    assert client.get("/calendars/google/callback/?code=abc").status_code == 400
    denied = client.get(f"/calendars/google/callback/?error=access_denied&state={state}")
    assert denied.status_code == 400 and "not granted" in denied.content.decode()
    assert consent and not Connection.objects.exists()


def test_a_callback_in_another_users_session_connects_nothing(client, alice, bob, google):
    from django.test import Client

    client.force_login(alice)
    path = callback_path(google, start_consent(client, "google"))
    other = Client()
    other.force_login(bob)
    assert other.get(path).status_code == 400
    logged_out = Client()
    assert logged_out.get(path).status_code == 400
    assert not Connection.objects.exists()


def test_the_same_user_in_another_session_cannot_finish_the_round_trip(client, alice, google):
    from django.test import Client

    client.force_login(alice)
    path = callback_path(google, start_consent(client, "google"))
    elsewhere = Client()
    elsewhere.force_login(alice)
    response = elsewhere.get(path)
    assert response.status_code == 400 and "another browser session" in response.content.decode()


def test_a_provider_without_client_id_is_not_offered(client, alice, settings):
    settings.GOOGLE_CLIENT_ID = ""
    settings.MICROSOFT_CLIENT_ID = ""
    client.force_login(alice)
    page = client.get("/dashboard/calendars/").content.decode()
    assert "Connect Google" not in page and "Connect Microsoft" not in page
    response = client.post("/dashboard/calendars/google/connect/")
    assert response.status_code == 302 and response["Location"] == "/dashboard/calendars/"


def test_disconnect_revokes_drops_blocks_and_stops_writing(
    client, alice, intro, frozen_now, connect_google, google
):
    google.add_timed(google.account, "dentist", at("2026-03-02 10:00"), at("2026-03-02 11:00"))
    connection = connect_google(alice)
    refresh = connection.refresh_token
    assert BusyBlock.objects.filter(host=alice).count() == 1
    response = client.post(f"/dashboard/calendars/{connection.pk}/disconnect/")
    assert response.status_code == 302
    assert refresh in google.revoked
    assert not BusyBlock.objects.filter(host=alice).exists()
    assert not Connection.objects.exists() and not Calendar.objects.exists()
