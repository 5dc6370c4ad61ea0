"""Bad input gets a clear answer, never a 500: nasty values thrown at every public and
dashboard entry point, in query strings, form fields, JSON bodies and paths."""

from __future__ import annotations

import json

import pytest

from bookings.tokens import Purpose, make_token
from tests.conftest import at, book

pytestmark = pytest.mark.django_db

NASTY = [
    "",
    " ",
    "0",
    "-1",
    "99999999999999999999",
    "1e309",
    "NaN",
    "null",
    "true",
    "[]",
    "{}",
    "2026-02-30",
    "9999-12-31",
    "0000-00-00",
    "10000-01-01",
    "2026-03-02T25:00",
    "2026-03-02T10:00:00+99:00",
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+14:00",
    "Etc/GMT+14",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    "' OR 1=1 --",
    "😀" * 3,
    "\x00",
    "a\x00b",
    "%00",
    "\u202e",
    "x" * 5000,
    "2026-03",
    "2026-3-2",
    "ABC-def",
]


@pytest.fixture
def world(client, frozen_now, alice, intro, workshop):
    booking = book(intro, at("2026-03-02 10:00"))
    return {
        "booking": booking,
        "tokens": {purpose: make_token(booking, purpose) for purpose in Purpose},
    }


def assert_no_500(response, where):
    assert response.status_code < 500, (where, response.status_code)


def test_public_pages_and_api_query_strings(client, world):
    uid = world["booking"].uid
    token = world["tokens"]
    pages = [
        ("/", ["handle"]),
        ("/alice/intro/", ["tz", "month", "date"]),
        ("/alice/intro/book/", ["start", "tz"]),
        ("/api/v1/alice/intro/slots", ["start", "end", "timezone"]),
        (f"/booking/{uid}/", ["token"]),
        (f"/booking/{uid}/reschedule/", ["start", "month", "date", "tz"]),
        (f"/api/v1/bookings/{uid}.ics", ["token"]),
    ]
    for path, names in pages:
        for name in names:
            for value in NASTY:
                params = {name: value}
                if "reschedule" in path and name != "token":
                    params["token"] = token[Purpose.RESCHEDULE]
                assert_no_500(client.get(path, params), (path, name, value))


def test_paths(client, world):
    for value in NASTY:
        if not value.strip() or "/" in value:
            continue
        for path in (
            f"/{value}/",
            f"/alice/{value}/",
            f"/api/v1/{value}/intro/slots",
            f"/feeds/{value}.ics",
        ):
            assert_no_500(client.get(path), path)


def test_public_forms_and_json_bodies(client, world):
    uid = world["booking"].uid
    good = {
        "start": at("2026-03-03 10:00").isoformat(),
        "name": "G",
        "email": "g@example.com",
        "timezone": "UTC",
        "notes": "",
    }
    for field in good:
        for value in NASTY:
            assert_no_500(
                client.post("/alice/intro/book/", {**good, field: value}), ("form", field, value)
            )
            body = json.dumps({**good, field: value})
            assert_no_500(
                client.post("/api/v1/alice/intro/bookings", body, content_type="application/json"),
                ("api", field, value),
            )
    for value in NASTY:
        for url, body in (
            (f"/api/v1/bookings/{uid}/cancel", {"token": value, "reason": value}),
            (
                f"/api/v1/bookings/{uid}/reschedule",
                {"token": world["tokens"][Purpose.RESCHEDULE], "start": value},
            ),
        ):
            assert_no_500(
                client.post(url, json.dumps(body), content_type="application/json"), (url, value)
            )
        assert_no_500(
            client.post(
                f"/booking/{uid}/reschedule/",
                {"token": world["tokens"][Purpose.RESCHEDULE], "start": value},
            ),
            value,
        )
        assert_no_500(
            client.post(f"/booking/{uid}/cancel/", {"token": value, "reason": value}), value
        )
        assert_no_500(client.post(f"/booking/{uid}/fresh-link/", {"token": value}), value)
        assert_no_500(client.get(f"/booking/{uid}/host-confirm/", {"token": value}), value)
        assert_no_500(client.post(f"/booking/{uid}/host-confirm/", {"token": value}), value)
        assert_no_500(client.get("/alice/intro/", {"tz": value, "clock": value}), value)
        if value.isascii() and value.isprintable():
            client.cookies["tzb"] = value
            client.cookies["clock"] = value
            assert_no_500(client.get("/alice/intro/"), ("cookie", value))
            client.cookies.clear()
        if "/" not in value and value.strip():
            assert_no_500(client.get(f"/avatars/{value}/"), ("avatar", value))
        assert_no_500(client.post("/accounts/signup/", {"email": value}), value)
        assert_no_500(
            client.post("/accounts/login/", {"username": value, "password": value}), value
        )
        assert_no_500(client.post("/accounts/password-reset/", {"email": value}), value)


def test_dashboard_inputs(client, world, alice):
    client.force_login(alice)
    uid = world["booking"].uid
    queries = [
        ("/dashboard/calendar/", ["view", "date"]),
        ("/dashboard/bookings/", ["tab", "q", "page"]),
        ("/dashboard/bookings/export.csv", ["tab", "q"]),
        ("/dashboard/availability/", ["preview"]),
        (f"/dashboard/bookings/{uid}/", ["action"]),
        (f"/dashboard/bookings/{uid}/reschedule/", ["start", "month", "date"]),
    ]
    for path, names in queries:
        for name in names:
            for value in NASTY:
                assert_no_500(client.get(path, {name: value}), (path, name, value))
    forms = [
        (
            "/dashboard/event-types/new/",
            ["title", "slug", "duration_minutes", "seats", "booking_window_days", "location"],
        ),
        ("/dashboard/availability/", ["day_0", "day_6"]),
        ("/dashboard/availability/copy/", ["source", "targets"]),
        ("/dashboard/availability/timezone/", ["timezone"]),
        ("/dashboard/availability/overrides/", ["date", "hours"]),
        ("/dashboard/availability/blocked/", ["start", "end", "reason"]),
        ("/dashboard/bookings/new/", ["event_type", "start", "name", "email", "timezone"]),
        ("/dashboard/onboarding/", ["display_name", "handle", "timezone"]),
        ("/dashboard/settings/", ["display_name", "handle", "timezone", "feed"]),
        (f"/dashboard/bookings/{uid}/", ["action", "reason"]),
        (f"/dashboard/bookings/{uid}/reschedule/", ["start"]),
        (
            "/dashboard/event-types/new/",
            [
                "duration_other",
                "location_kind",
                "minimum_notice_minutes_0",
                "buffer_after_minutes_1",
            ],
        ),
        (
            "/dashboard/availability/",
            ["editor", "day_0_on", "day_0_start", "day_0_end", "timezone"],
        ),
        ("/dashboard/availability/undo/", ["token"]),
        (f"/dashboard/bookings/{uid}/", ["next"]),
        (f"/dashboard/event-types/{world['booking'].event_type_id}/move/", ["direction"]),
        ("/dashboard/settings/", ["bio", "avatar"]),
    ]
    for path, names in forms:
        for name in names:
            for value in NASTY:
                assert_no_500(client.post(path, {name: value}), (path, name, value))
    for value in NASTY:
        if "/" not in value and value.strip():
            assert_no_500(client.post(f"/dashboard/availability/overrides/{value}/delete/"), value)
