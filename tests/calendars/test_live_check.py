"""At booking time each connected calendar is asked about just that interval: busy there
refuses the booking; a slow or failing provider never stops it."""

from __future__ import annotations

import time

import pytest

from availability.models import BusyBlock
from bookings.models import Booking
from bookings.services import SlotUnavailable, reschedule_booking
from tests.conftest import at, book, make_event_type

pytestmark = pytest.mark.django_db


def test_busy_at_google_but_not_yet_synced_refuses_and_queues_a_sync(
    alice, intro, frozen_now, connect_google, google, django_capture_on_commit_callbacks
):
    connection = connect_google(alice)
    google.add_timed(google.account, "new", at("2026-03-02 10:00"), at("2026-03-02 11:00"))
    with pytest.raises(SlotUnavailable), django_capture_on_commit_callbacks(execute=True):
        book(intro, at("2026-03-02 10:30"))
    assert not Booking.objects.exists()
    # The queued sync already brought the new event in (Celery runs eagerly here).
    assert BusyBlock.objects.filter(host=alice, source="google").count() == 1
    connection.refresh_from_db()
    assert connection.last_synced_at is not None


def test_the_api_answers_409_slot_unavailable(
    client, alice, intro, frozen_now, connect_microsoft, microsoft
):
    connect_microsoft(alice)
    microsoft.add_timed(microsoft.primary, "new", at("2026-03-02 10:00"), at("2026-03-02 11:00"))
    response = client.post(
        "/api/v1/alice/intro/bookings",
        {
            "start": at("2026-03-02 10:00").isoformat(),
            "name": "Gina Guest",
            "email": "gina@example.com",
            "timezone": "Europe/London",
        },
        content_type="application/json",
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "SLOT_UNAVAILABLE"


def test_a_failing_provider_lets_the_booking_through(
    alice, intro, frozen_now, connect_google, google
):
    connect_google(alice)
    google.fail_next("/freeBusy", 500)
    assert book(intro, at("2026-03-02 10:00")).status == "confirmed"


def test_a_slow_provider_is_abandoned_after_two_seconds(
    alice, intro, frozen_now, connect_google, google
):
    connect_google(alice)
    google.add_timed(google.account, "new", at("2026-03-02 10:00"), at("2026-03-02 11:00"))
    google.delay_next("/freeBusy", 4)
    started = time.monotonic()
    booking = book(intro, at("2026-03-02 10:00"))
    assert time.monotonic() - started < 3.5
    assert booking.status == "confirmed"


def test_our_own_events_do_not_count_for_seats_or_the_booking_being_moved(
    alice, workshop, frozen_now, connect_google, google, after_commit
):
    connect_google(alice)
    # Google merges busy periods: our event and a neighbour come back as one.
    google.add_timed(google.account, "next", at("2026-03-02 11:00"), at("2026-03-02 12:00"))
    first = after_commit(book, workshop, at("2026-03-02 10:00"))
    second = after_commit(book, workshop, at("2026-03-02 10:00"), email="second@example.com")
    assert second.status == "confirmed"
    long = make_event_type(alice, "long", duration_minutes=60, slot_interval_minutes=30)
    third = after_commit(book, long, at("2026-03-02 14:00"))
    moved = reschedule_booking(third, start=at("2026-03-02 14:30"))  # overlaps its old event
    assert moved.start == at("2026-03-02 14:30") and first.pk


def test_subtract_cuts_holes_out_of_busy_time():
    from calendars.services import subtract

    assert subtract((0, 10), [(2, 4), (6, 12)]) == [(0, 2), (4, 6)]
    assert subtract((0, 10), []) == [(0, 10)]
    assert subtract((3, 5), [(0, 10)]) == []


def test_listing_slots_never_calls_the_provider(
    client, alice, intro, frozen_now, connect_google, google
):
    connect_google(alice)
    before = len(google.requests)
    response = client.get("/api/v1/alice/intro/slots", {"start": "2026-03-02", "end": "2026-03-31"})
    assert response.status_code == 200 and response.json()["slots"]
    assert client.get("/alice/intro/").status_code == 200
    assert len(google.requests) == before
