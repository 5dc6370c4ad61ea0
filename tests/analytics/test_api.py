"""GET /api/v1/analytics with personal tokens; the tokens' life on the settings page and the
ops command."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import jsonschema
import pytest
import time_machine
from django.core.management import call_command

from accounts.api_tokens import hash_token, issue_api_token
from accounts.models import ApiToken
from analytics import rollup
from bookings import services
from bookings.openapi import openapi_document
from tests.conftest import at, book

pytestmark = pytest.mark.django_db

URL = "/api/v1/analytics"


def schema_of(name: str) -> dict:
    document = openapi_document()
    return {**document["components"]["schemas"][name], "components": document["components"]}


def get(client, token, **params):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token is not None else {}
    return client.get(URL, params, **headers)


@pytest.fixture
def history(frozen_now, alice, intro, consult):
    """Alice, with the clock on 2026-03-10 (New York): three bookings made this week, one
    last week, one cancelled."""
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        last_week = book(intro, at("2026-03-13 10:00"))
    with time_machine.travel(at("2026-03-09 09:00"), tick=False):
        book(intro, at("2026-03-11 10:00"))
        book(intro, at("2026-03-11 11:00"))
        book(consult, at("2026-03-12 10:00"))
        services.cancel_booking(last_week, by="guest")
    with time_machine.travel(at("2026-03-10 12:00"), tick=False):
        rollup.rollup_dirty_days()
        yield


def test_a_host_reads_their_figures_with_a_token(client, history, alice):
    _, raw = issue_api_token(alice, "script")
    response = get(client, raw, period="7d")
    assert response.status_code == 200
    body = response.json()
    jsonschema.validate(body, schema_of("AnalyticsReport"))
    assert body["period"] == {
        "start": "2026-03-04",
        "end": "2026-03-10",
        "timezone": alice.timezone,
    }
    assert body["totals"]["created"] == 3
    assert body["totals"]["cancelled_by_guest"] == 1
    assert body["previous"]["created"] == 1
    assert body["change"]["created"] == 2.0
    assert body["change"]["cancelled_by_guest"] is None  # new
    assert len(body["daily"]) == 7
    assert body["daily"][5] == {
        "date": "2026-03-09",
        "created": 3,
        "confirmed": 2,
        "completed": 0,
        "no_shows": 0,
        "cancelled_by_guest": 1,
        "cancelled_by_host": 0,
        "rescheduled": 0,
        "declined": 0,
        "page_views": 0,
        "median_lead_time_hours": 50.0,  # of 49, 50 and 73 hours
    }


def test_the_event_type_filter(client, history, alice):
    _, raw = issue_api_token(alice, "script")
    body = get(client, raw, period="30d", event_type="consult").json()
    assert body["totals"]["created"] == 1
    response = get(client, raw, event_type="nope")
    assert response.status_code == 400
    assert response.json()["code"] == "INVALID_INPUT"


@pytest.mark.parametrize("period", ["1d", "7", "", "365d", "7d;drop", "x" * 300])
def test_bad_periods_are_400(client, history, alice, period):
    _, raw = issue_api_token(alice, "script")
    response = get(client, raw, period=period)
    if period == "":
        assert response.status_code == 200  # the default, 30 days
        return
    assert response.status_code == 400
    body = response.json()
    jsonschema.validate(body, schema_of("Error"))
    assert body["code"] == "INVALID_INPUT"
    assert "period" in body["details"]


def test_missing_wrong_and_revoked_tokens_are_401(client, history, alice):
    token, raw = issue_api_token(alice, "script")
    for header in (None, "", "Bearer", "Basic abc", "Bearer sb_wrong", f"Token {raw}"):
        extra = {"HTTP_AUTHORIZATION": header} if header is not None else {}
        response = client.get(URL, **extra)
        assert response.status_code == 401, header
        assert response["WWW-Authenticate"].startswith("Bearer")
        body = response.json()
        jsonschema.validate(body, schema_of("Error"))
        assert body["code"] == "UNAUTHORIZED"
    assert get(client, raw).status_code == 200
    token.revoked_at = dt.datetime(2026, 3, 10, tzinfo=dt.UTC)
    token.save()
    assert get(client, raw).status_code == 401


def test_a_token_reads_only_its_own_hosts_figures(client, history, alice, bob):
    _, bobs = issue_api_token(bob, "bob's")
    body = get(client, bobs, period="90d").json()
    assert body["period"]["timezone"] == "Europe/London"
    assert body["totals"]["created"] == 0
    assert get(client, bobs, event_type="intro").status_code == 400  # Alice's slug


def test_tokens_are_stored_hashed_and_last_use_is_recorded(client, history, alice):
    token, raw = issue_api_token(alice, "script")
    assert raw.startswith("sb_") and len(raw) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == hash_token(raw) and raw not in stored.token_hash
    assert stored.last_used_at is None
    get(client, raw)
    assert ApiToken.objects.get(pk=token.pk).last_used_at is not None


def test_only_get_is_allowed(client, history, alice):
    _, raw = issue_api_token(alice, "script")
    response = client.post(URL, HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 405


def test_the_settings_page_makes_shows_once_and_revokes_tokens(client, alice):
    client.force_login(alice)
    response = client.post("/dashboard/settings/api-tokens/", {"name": "Reports"})
    assert response.status_code == 302
    page = client.get("/dashboard/settings/").content.decode()
    token = ApiToken.objects.get(host=alice)
    raw = page.split('id="new-api-token" class="api-token-new" value="')[1].split('"')[0]
    assert hash_token(raw) == token.token_hash
    again = client.get("/dashboard/settings/").content.decode()
    assert raw not in again and "Reports" in again and token.prefix in again
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    client.post(f"/dashboard/settings/api-tokens/{token.pk}/revoke/")
    assert ApiToken.objects.get(pk=token.pk).revoked_at is not None
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_ops_issue_a_token_with_the_command(client, alice):
    out, err = StringIO(), StringIO()
    call_command("create_api_token", "ALICE@example.com", "--name", "Ops", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert ApiToken.objects.get(host=alice, name="Ops").token_hash == hash_token(raw)
    assert raw not in err.getvalue()
    assert client.get(URL, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    from django.core.management.base import CommandError

    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody@example.com", stdout=out, stderr=err)
