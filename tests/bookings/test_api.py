"""The public JSON API v1: contract, errors and the OpenAPI document."""

from __future__ import annotations

import json

import icalendar
import jsonschema
import pytest
from openapi_spec_validator import validate as validate_openapi

from bookings.openapi import openapi_document
from tests.conftest import at

pytestmark = pytest.mark.django_db

SLOTS = "/api/v1/alice/intro/slots"
BOOKINGS = "/api/v1/alice/intro/bookings"


def schema_of(name: str) -> dict:
    document = openapi_document()
    return {**document["components"]["schemas"][name], "components": document["components"]}


def assert_matches(payload: dict, name: str) -> None:
    jsonschema.validate(payload, schema_of(name))


def post(client, url, body, **extra):
    data = body if isinstance(body, (str, bytes)) else json.dumps(body)
    return client.post(url, data=data, content_type="application/json", **extra)


def booking_body(**overrides):
    body = {
        "start": "2026-03-02T15:00:00Z",  # 10:00 in New York
        "name": "Gina Guest",
        "email": "gina@example.com",
        "timezone": "Europe/London",
        "notes": "Looking forward",
    }
    body.update(overrides)
    return body


def assert_error(response, status: int, code: str):
    assert response.status_code == status, response.content
    payload = response.json()
    assert set(payload) == {"error", "code", "details"}
    assert payload["code"] == code and payload["error"]
    assert_matches(payload, "Error")
    return payload


# --- slots ----------------------------------------------------------------------------------


def test_slots_are_listed_in_the_requested_timezone(client, frozen_now, intro):
    response = client.get(
        SLOTS, {"start": "2026-03-02", "end": "2026-03-02", "timezone": "Europe/London"}
    )
    assert response.status_code == 200
    payload = response.json()
    assert_matches(payload, "SlotList")
    assert payload["timezone"] == "Europe/London"
    assert payload["slots"][0] == {
        "start": "2026-03-02T14:00:00+00:00",
        "end": "2026-03-02T14:30:00+00:00",
        "seats_left": 1,
    }
    starts = [slot["start"] for slot in payload["slots"]]
    assert starts == sorted(starts) and len(starts) == 16


def test_slots_default_to_the_host_timezone_and_a_week_from_today(client, frozen_now, intro):
    payload = client.get(SLOTS).json()
    assert payload["timezone"] == "America/New_York"
    assert payload["slots"][0]["start"].endswith("-05:00")
    dates = {slot["start"][:10] for slot in payload["slots"]}
    assert min(dates) == "2026-02-27" and max(dates) == "2026-03-05"


def test_slot_dates_are_inclusive_local_dates_of_the_requested_zone(client, frozen_now, intro):
    payload = client.get(
        SLOTS, {"start": "2026-03-03", "end": "2026-03-03", "timezone": "Australia/Sydney"}
    ).json()
    assert all(
        slot["start"].startswith("2026-03-03T") and slot["start"].endswith("+11:00")
        for slot in payload["slots"]
    )
    assert payload["slots"][0]["start"] == "2026-03-03T01:00:00+11:00"


def test_booked_slots_disappear_and_seats_count_down(client, frozen_now, intro, workshop):
    post(client, BOOKINGS, booking_body())
    starts = [
        slot["start"]
        for slot in client.get(
            SLOTS, {"start": "2026-03-02", "end": "2026-03-02", "timezone": "UTC"}
        ).json()["slots"]
    ]
    assert "2026-03-02T15:00:00+00:00" not in starts
    post(client, "/api/v1/alice/workshop/bookings", booking_body(start="2026-03-02T16:00:00Z"))
    slots = client.get(
        "/api/v1/alice/workshop/slots",
        {"start": "2026-03-02", "end": "2026-03-02", "timezone": "UTC"},
    ).json()["slots"]
    assert {
        "start": "2026-03-02T16:00:00+00:00",
        "end": "2026-03-02T17:00:00+00:00",
        "seats_left": 2,
    } in slots


@pytest.mark.parametrize(
    "params",
    [
        {"timezone": "Mars/Olympus_Mons"},
        {"start": "2026-13-01"},
        {"start": "tomorrow"},
        {"start": "99999-01-01"},
        {"start": "0001-01-01"},
        {"start": "9999-12-31", "end": "9999-12-31"},
        {"start": "2026-03-10", "end": "2026-03-01"},
        {"start": "2026-03-01", "end": "2026-05-02"},
        {"timezone": "x" * 10000},
    ],
)
def test_bad_slot_queries_get_400(client, frozen_now, intro, params):
    assert_error(client.get(SLOTS, params), 400, "INVALID_INPUT")


def test_sixty_two_days_is_the_longest_range(client, frozen_now, intro):
    assert client.get(SLOTS, {"start": "2026-03-01", "end": "2026-05-01"}).status_code == 200


def test_unknown_hosts_events_and_inactive_events_are_404(client, frozen_now, intro):
    assert_error(client.get("/api/v1/nobody/intro/slots"), 404, "NOT_FOUND")
    assert_error(client.get("/api/v1/alice/nothing/slots"), 404, "NOT_FOUND")
    intro.is_active = False
    intro.save()
    assert_error(client.get(SLOTS), 404, "NOT_FOUND")


def test_the_handle_is_case_insensitive(client, frozen_now, intro):
    assert client.get("/api/v1/ALICE/intro/slots").status_code == 200


# --- create ---------------------------------------------------------------------------------


def test_booking_returns_the_documented_shape(client, frozen_now, intro):
    response = post(client, BOOKINGS, booking_body())
    assert response.status_code == 201, response.content
    payload = response.json()
    assert_matches(payload, "Booking")
    assert payload["status"] == "confirmed"
    assert payload["start"] == "2026-03-02T15:00:00+00:00"
    assert payload["timezone"] == "Europe/London"
    assert payload["reschedule_token"] in payload["reschedule_url"].replace("%3A", ":")
    assert payload["cancel_token"] in payload["cancel_url"].replace("%3A", ":")
    assert payload["ics_url"].startswith("http://127.0.0.1:8000/api/v1/bookings/")


def test_booking_an_event_that_needs_confirmation_is_pending(client, frozen_now, consult):
    response = post(client, "/api/v1/alice/consult/bookings", booking_body())
    assert response.json()["status"] == "pending"


def test_the_loser_of_a_slot_gets_409(client, frozen_now, intro):
    post(client, BOOKINGS, booking_body())
    payload = assert_error(
        post(client, BOOKINGS, booking_body(email="b@example.com")), 409, "SLOT_UNAVAILABLE"
    )
    assert payload["details"] == {"reason": "taken"}


@pytest.mark.parametrize(
    ("start", "reason"),
    [
        ("2026-02-26T15:00:00Z", "in_past"),
        ("2026-03-02T15:10:00Z", "off_grid"),
        ("2026-03-02T03:00:00Z", "outside_hours"),
        ("2027-12-01T15:00:00Z", "beyond_window"),
    ],
)
def test_refused_starts_say_why(client, frozen_now, intro, start, reason):
    payload = assert_error(post(client, BOOKINGS, booking_body(start=start)), 400, "INVALID_INPUT")
    assert payload["details"]["reason"] == reason


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (booking_body(start=None), "start"),
        (booking_body(start="2026-03-02T15:00:00"), "start"),  # no offset
        (booking_body(start="next monday"), "start"),
        (booking_body(start="9999-12-31T23:59:59-23:59"), "start"),
        (booking_body(start="1-01-01T00:00:00Z"), "start"),
        (booking_body(name=""), "name"),
        (booking_body(name="x" * 201), "name"),
        (booking_body(email="not-an-email"), "email"),
        (booking_body(email="a@" + "b" * 300 + ".com"), "email"),
        (booking_body(timezone="Nowhere/Land"), "timezone"),
        (booking_body(notes="n" * 5001), "notes"),
        (booking_body(name=42), "name"),
        (booking_body(start=["2026-03-02T15:00:00Z"]), "start"),
        (booking_body(email={"a": 1}), "email"),
    ],
)
def test_bad_fields_get_400_with_field_details(client, frozen_now, intro, body, field):
    payload = assert_error(post(client, BOOKINGS, body), 400, "INVALID_INPUT")
    assert field in payload["details"]


@pytest.mark.parametrize(
    "raw", ["", "{", "null", "[1, 2]", '"text"', "42", b"\xff\xfe", "{" * 100000]
)
def test_malformed_bodies_get_400(client, frozen_now, intro, raw):
    assert_error(post(client, BOOKINGS, raw), 400, "INVALID_INPUT")


def test_a_huge_body_gets_400(client, frozen_now, intro):
    response = post(client, BOOKINGS, booking_body(notes="n" * 200_000))
    assert_error(response, 400, "INVALID_INPUT")


def test_wrong_methods_get_405_in_the_error_shape(client, frozen_now, intro):
    assert_error(client.get(BOOKINGS), 405, "METHOD_NOT_ALLOWED")
    assert_error(client.delete(SLOTS), 405, "METHOD_NOT_ALLOWED")


# --- cancel, reschedule, ics ------------------------------------------------------------------


@pytest.fixture
def booked(client, frozen_now, intro):
    return post(client, BOOKINGS, booking_body()).json()


def test_cancel_with_the_cancel_token(client, booked):
    response = post(
        client,
        f"/api/v1/bookings/{booked['uid']}/cancel",
        {"token": booked["cancel_token"], "reason": "Conflict"},
    )
    assert response.status_code == 200
    payload = response.json()
    assert_matches(payload, "Booking")
    assert payload["status"] == "cancelled"
    assert payload["cancel_url"] is None and payload["reschedule_token"] is None


def test_a_reschedule_token_cannot_cancel(client, booked):
    response = post(
        client, f"/api/v1/bookings/{booked['uid']}/cancel", {"token": booked["reschedule_token"]}
    )
    assert_error(response, 403, "FORBIDDEN")


def test_a_forged_or_missing_token_is_refused(client, booked):
    url = f"/api/v1/bookings/{booked['uid']}/cancel"
    assert_error(post(client, url, {"token": booked["cancel_token"][:-2] + "xx"}), 403, "FORBIDDEN")
    assert_error(post(client, url, {"token": "x" * 5000}), 403, "FORBIDDEN")
    assert_error(post(client, url, {}), 400, "INVALID_INPUT")


def test_a_token_for_another_booking_is_refused(client, booked):
    other = post(client, BOOKINGS, booking_body(start="2026-03-02T16:00:00Z")).json()
    response = post(
        client, f"/api/v1/bookings/{booked['uid']}/cancel", {"token": other["cancel_token"]}
    )
    assert_error(response, 403, "FORBIDDEN")


def test_unknown_or_malformed_booking_ids_are_404(client, booked):
    assert_error(
        post(
            client,
            "/api/v1/bookings/00000000-0000-0000-0000-000000000000/cancel",
            {"token": booked["cancel_token"]},
        ),
        404,
        "NOT_FOUND",
    )
    assert_error(
        post(client, "/api/v1/bookings/not-a-uid/cancel", {"token": "x"}), 404, "NOT_FOUND"
    )


def test_reschedule_moves_the_booking_and_old_links_stop_working(client, booked):
    url = f"/api/v1/bookings/{booked['uid']}/reschedule"
    response = post(
        client, url, {"token": booked["reschedule_token"], "start": "2026-03-03T15:00:00Z"}
    )
    assert response.status_code == 200, response.content
    moved = response.json()
    assert_matches(moved, "Booking")
    assert moved["uid"] == booked["uid"]
    assert moved["start"] == "2026-03-03T15:00:00+00:00"
    assert moved["reschedule_token"] != booked["reschedule_token"]
    # Links issued before the change are dead, for rescheduling and cancelling alike.
    assert_error(
        post(client, url, {"token": booked["reschedule_token"], "start": "2026-03-04T15:00:00Z"}),
        403,
        "FORBIDDEN",
    )
    assert_error(
        post(client, f"/api/v1/bookings/{booked['uid']}/cancel", {"token": booked["cancel_token"]}),
        403,
        "FORBIDDEN",
    )
    assert (
        post(
            client, f"/api/v1/bookings/{booked['uid']}/cancel", {"token": moved["cancel_token"]}
        ).status_code
        == 200
    )


def test_reschedule_into_a_taken_slot_is_409(client, booked):
    post(client, BOOKINGS, booking_body(start="2026-03-03T15:00:00Z", email="x@example.com"))
    response = post(
        client,
        f"/api/v1/bookings/{booked['uid']}/reschedule",
        {"token": booked["reschedule_token"], "start": "2026-03-03T15:00:00Z"},
    )
    assert_error(response, 409, "SLOT_UNAVAILABLE")


def test_reschedule_with_a_bad_start_is_400(client, booked):
    response = post(
        client,
        f"/api/v1/bookings/{booked['uid']}/reschedule",
        {"token": booked["reschedule_token"], "start": "soon"},
    )
    assert "start" in assert_error(response, 400, "INVALID_INPUT")["details"]


def test_the_ics_file_carries_one_event_with_a_stable_uid(client, booked):
    response = client.get(booked["ics_url"])
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["METHOD"]) == "REQUEST"
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    event = events[0]
    assert str(event["UID"]).startswith(booked["uid"])
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == at("2026-03-02 10:00")
    assert event.decoded("DTEND") == at("2026-03-02 10:30")
    assert "Intro" in str(event["SUMMARY"])
    assert str(event["ORGANIZER"]) == "mailto:alice@example.com"
    assert str(event["ATTENDEE"]) == "mailto:gina@example.com"

    cancelled = post(
        client, f"/api/v1/bookings/{booked['uid']}/cancel", {"token": booked["cancel_token"]}
    ).json()
    calendar = icalendar.Calendar.from_ical(client.get(cancelled["ics_url"]).content)
    assert str(calendar["METHOD"]) == "CANCEL"
    event = calendar.walk("VEVENT")[0]
    assert str(event["UID"]) == str(events[0]["UID"])
    assert int(event["SEQUENCE"]) == 1
    assert str(event["STATUS"]) == "CANCELLED"


def test_the_ics_needs_the_view_token(client, booked):
    assert_error(client.get(f"/api/v1/bookings/{booked['uid']}.ics"), 400, "INVALID_INPUT")
    assert_error(
        client.get(f"/api/v1/bookings/{booked['uid']}.ics", {"token": booked["cancel_token"]}),
        403,
        "FORBIDDEN",
    )


# --- the OpenAPI document ---------------------------------------------------------------------


def test_the_openapi_document_is_valid_and_served(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    validate_openapi(document)
    assert set(document["paths"]) == {
        "/api/v1/{handle}/{slug}/slots",
        "/api/v1/{handle}/{slug}/bookings",
        "/api/v1/bookings/{uid}/cancel",
        "/api/v1/bookings/{uid}/reschedule",
        "/api/v1/bookings/{uid}.ics",
        "/api/v1/{handle}/assistant",
        "/api/v1/bookings/{uid}",
        "/api/v1/analytics",
    }


def test_every_documented_path_is_routed(client, frozen_now, intro):
    document = openapi_document()
    for path, operations in document["paths"].items():
        url = (
            path.replace("{handle}", "alice")
            .replace("{slug}", "intro")
            .replace("{uid}", "00000000-0000-0000-0000-000000000000")
        )
        for method in operations:
            response = (
                getattr(client, method)(url, content_type="application/json", data="{}")
                if method == "post"
                else client.get(url)
            )
            assert response.status_code != 405, (method, path)
            assert str(response.status_code) in operations[method]["responses"], (
                method,
                path,
                response.status_code,
            )
