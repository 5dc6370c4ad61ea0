"""Bookings become events in the host's chosen calendar, after commit, with retries."""

from __future__ import annotations

import pytest

from availability.models import BusyBlock
from bookings.services import cancel_booking, confirm_booking, decline_booking, reschedule_booking
from calendars import services
from calendars.models import WrittenEvent
from calendars.providers.google import own_event_id
from tests.conftest import at, book

pytestmark = pytest.mark.django_db


def google_event(google, booking):
    return google.events[google.account][own_event_id(str(booking.uid))]


def test_a_booking_becomes_a_google_event_without_google_emailing_the_guest(
    alice, intro, frozen_now, connect_google, google, after_commit
):
    connect_google(alice)
    booking = after_commit(book, intro, at("2026-03-02 10:00"), notes="Bring the plan")
    event = google_event(google, booking)
    assert event["summary"] == "Intro with Gina Guest"
    assert event["status"] == "confirmed" and event["sendUpdates"] == "none"
    assert event["attendees"] == [{"email": "gina@example.com", "displayName": "Gina Guest"}]
    assert "gina@example.com" in event["description"] and "Bring the plan" in event["description"]
    assert f"/dashboard/bookings/{booking.uid}/" in event["description"]
    assert event["start"]["dateTime"].startswith("2026-03-02T15:00:00")
    record = WrittenEvent.objects.get(booking=booking)
    assert record.status == "written" and record.external_id == event["id"]


def test_reschedule_updates_the_same_event_and_cancel_deletes_it(
    alice, intro, frozen_now, connect_google, google, after_commit
):
    connect_google(alice)
    booking = after_commit(book, intro, at("2026-03-02 10:00"))
    after_commit(reschedule_booking, booking, start=at("2026-03-03 14:00"))
    events = [e for e in google.events[google.account].values() if e.get("status") != "cancelled"]
    assert len(events) == 1 and events[0]["start"]["dateTime"].startswith("2026-03-03T19:00:00")
    after_commit(cancel_booking, booking, by="guest")
    assert google_event(google, booking)["status"] == "cancelled"
    assert WrittenEvent.objects.get(booking=booking).status == "deleted"


def test_pending_requests_are_tentative_then_confirmed_or_removed(
    alice, consult, frozen_now, connect_google, google, after_commit
):
    connect_google(alice)
    first = after_commit(book, consult, at("2026-03-02 10:00"))
    assert google_event(google, first)["status"] == "tentative"
    after_commit(confirm_booking, first)
    assert google_event(google, first)["status"] == "confirmed"
    second = after_commit(book, consult, at("2026-03-02 13:00"), email="x@example.com")
    after_commit(decline_booking, second)
    assert google_event(google, second)["status"] == "cancelled"


def test_our_own_events_are_never_read_back_as_busy_time(
    alice, intro, frozen_now, connect_google, google, after_commit
):
    connection = connect_google(alice)
    after_commit(book, intro, at("2026-03-02 10:00"))
    assert services.sync_connection(connection.pk, full=True).ok
    assert not BusyBlock.objects.filter(host=alice, source="google").exists()


def test_a_failed_write_is_retried_and_never_undoes_the_booking(
    alice, intro, frozen_now, connect_google, google, django_capture_on_commit_callbacks
):
    connect_google(alice)
    google.fail_next("/events", 503, times=1, headers={"Retry-After": "40"})
    with django_capture_on_commit_callbacks(execute=False):
        booking = book(intro, at("2026-03-02 10:00"))
    delay = services.push_booking(booking.pk)
    record = WrittenEvent.objects.get(booking=booking)
    assert delay >= 40 and record.attempts == 1 and record.status == "pending"
    assert "trouble" in record.last_error
    assert services.push_booking(booking.pk) is None
    record.refresh_from_db()
    assert record.status == "written" and record.attempts == 0
    assert booking.__class__.objects.get(pk=booking.pk).status == "confirmed"


def test_a_lost_insert_answer_does_not_duplicate_the_event(
    alice, intro, frozen_now, connect_google, google, django_capture_on_commit_callbacks
):
    connect_google(alice)
    with django_capture_on_commit_callbacks(execute=False):
        booking = book(intro, at("2026-03-02 10:00"))
    services.push_booking(booking.pk)
    WrittenEvent.objects.filter(booking=booking).update(external_id="", status="pending")
    services.push_booking(booking.pk)  # insert answers 409, so it patches the same event
    assert len(google.events[google.account]) == 1


def test_google_meet_is_created_on_request_and_its_link_stored(
    alice, intro, frozen_now, connect_google, google, django_capture_on_commit_callbacks
):
    connect_google(alice)
    with django_capture_on_commit_callbacks(execute=False):
        booking = book(intro, at("2026-03-02 10:00"))
    services.push_booking(booking.pk, add_conference=True)
    event = google_event(google, booking)
    record = WrittenEvent.objects.get(booking=booking)
    assert event["conferenceData"]["conferenceSolution"]["key"]["type"] == "hangoutsMeet"
    assert record.meeting_url.startswith("https://meet.google.com/")
    assert record.meeting_url == event["hangoutLink"]


def test_a_booking_becomes_an_outlook_event_and_cancelling_deletes_it(
    alice, intro, frozen_now, connect_microsoft, microsoft, after_commit
):
    connect_microsoft(alice)
    booking = after_commit(book, intro, at("2026-03-02 10:00"))
    record = WrittenEvent.objects.get(booking=booking)
    event = microsoft.events[microsoft.primary][record.external_id]
    assert event["subject"] == "Intro with Gina Guest" and event["showAs"] == "busy"
    assert event["transactionId"] == f"slotbook-{booking.uid}"
    assert "attendees" not in event  # Graph would email the guest
    assert event["start"]["dateTime"].startswith("2026-03-02T15:00:00")
    after_commit(reschedule_booking, booking, start=at("2026-03-03 14:00"))
    assert microsoft.events[microsoft.primary][record.external_id]["start"]["dateTime"].startswith(
        "2026-03-03T19:00:00"
    )
    after_commit(cancel_booking, booking, by="host")
    assert record.external_id not in microsoft.events[microsoft.primary]


def test_no_connection_means_no_write(alice, intro, frozen_now, after_commit):
    booking = after_commit(book, intro, at("2026-03-02 10:00"))
    assert not WrittenEvent.objects.filter(booking=booking).exists()


def test_writes_that_fail_for_good_are_shown_to_the_host(
    client, alice, intro, frozen_now, connect_google, google, django_capture_on_commit_callbacks
):
    connect_google(alice)
    with django_capture_on_commit_callbacks(execute=False):
        booking = book(intro, at("2026-03-02 10:00"))
    google.fail_next("/events", 500, times=services.MAX_WRITE_ATTEMPTS)
    delays = [services.push_booking(booking.pk) for _ in range(services.MAX_WRITE_ATTEMPTS)]
    assert all(delays[:-1]) and delays[-1] is None
    record = WrittenEvent.objects.get(booking=booking)
    assert record.status == "failed" and record.attempts == services.MAX_WRITE_ATTEMPTS
    page = client.get("/dashboard/calendars/").content.decode()
    assert "Bookings not added to your calendar" in page and "Intro with Gina Guest" in page
