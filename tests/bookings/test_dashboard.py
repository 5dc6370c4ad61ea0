"""The host dashboard for event types, bookings and the calendar."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from availability.models import BusyBlock
from bookings import services
from bookings.models import Booking, BookingStatus, CancelledBy, EventType
from tests.conftest import at, book, make_event_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def host_client(client, alice):
    client.force_login(alice)
    return client


EVENT_FORM = {
    "title": "Deep dive",
    "slug": "",
    "description": "Two hours on one problem.",
    "location": "Zoom",
    "duration_minutes": "120",
    "slot_interval_minutes": "60",
    "buffer_before_minutes": "10",
    "buffer_after_minutes": "20",
    "minimum_notice_minutes": "1440",
    "booking_window_days": "30",
    "seats": "1",
    "requires_confirmation": "on",
    "remind_24h": "on",
    "is_active": "on",
}


# --- event types ---------------------------------------------------------------------------------


def test_creating_an_event_type_sets_every_setting(host_client, alice):
    response = host_client.post("/dashboard/event-types/new/", EVENT_FORM)
    assert response.status_code == 302
    event_type = EventType.objects.get(host=alice, slug="deep-dive")
    assert (event_type.duration_minutes, event_type.slot_interval_minutes) == (120, 60)
    assert (event_type.buffer_before_minutes, event_type.buffer_after_minutes) == (10, 20)
    assert event_type.minimum_notice_minutes == 1440 and event_type.booking_window_days == 30
    assert event_type.requires_confirmation and event_type.remind_24h and not event_type.remind_1h
    assert event_type.location == "Zoom"
    listing = host_client.get("/dashboard/event-types/").content.decode()
    assert "Deep dive" in listing and "/alice/deep-dive/" in listing


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("duration_minutes", "0", "greater than or equal to 5"),
        ("duration_minutes", "abc", "Enter a whole number"),
        ("seats", "0", "greater than or equal to 1"),
        ("booking_window_days", "9999", "less than or equal to 730"),
        ("buffer_after_minutes", "-5", "greater than or equal to 0"),
        ("slug", "Not A Slug!", "lowercase letters"),
        ("title", "", "This field is required"),
    ],
)
def test_bad_settings_are_refused_with_a_message(host_client, field, value, message):
    response = host_client.post("/dashboard/event-types/new/", {**EVENT_FORM, field: value})
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not EventType.objects.filter(title="Deep dive").exists()


def test_a_slug_is_unique_per_host_only(host_client, alice, bob, intro):
    make_event_type(bob, "deep-dive")
    assert host_client.post("/dashboard/event-types/new/", EVENT_FORM).status_code == 302
    again = host_client.post("/dashboard/event-types/new/", EVENT_FORM)
    assert "already have an event type at that link name" in again.content.decode()


def test_editing_duplicating_and_toggling(host_client, intro):
    response = host_client.post(
        f"/dashboard/event-types/{intro.pk}/",
        {**EVENT_FORM, "title": "Intro call", "slug": "intro"},
    )
    assert response.status_code == 302
    intro.refresh_from_db()
    assert intro.title == "Intro call" and intro.duration_minutes == 120
    host_client.post(f"/dashboard/event-types/{intro.pk}/duplicate/")
    copy = EventType.objects.get(slug="intro-copy")
    assert copy.title == "Intro call (copy)" and copy.duration_minutes == 120
    host_client.post(f"/dashboard/event-types/{intro.pk}/duplicate/")
    assert EventType.objects.filter(slug="intro-copy-2").exists()
    host_client.post(f"/dashboard/event-types/{intro.pk}/toggle/")
    intro.refresh_from_db()
    assert not intro.is_active


def test_deleting_keeps_a_booked_type_and_its_bookings(host_client, frozen_now, intro, consult):
    booking = book(intro, at("2026-03-02 10:00"))
    assert (
        "deactivated"
        in host_client.get(f"/dashboard/event-types/{intro.pk}/delete/").content.decode()
    )
    host_client.post(f"/dashboard/event-types/{intro.pk}/delete/")
    intro.refresh_from_db()
    assert not intro.is_active
    assert Booking.objects.get(pk=booking.pk).status == BookingStatus.CONFIRMED
    host_client.post(f"/dashboard/event-types/{consult.pk}/delete/")
    assert not EventType.objects.filter(pk=consult.pk).exists()


# --- bookings ------------------------------------------------------------------------------------


def test_lists_by_tab_with_search_and_both_timezones(host_client, frozen_now, intro, consult):
    book(
        intro,
        at("2026-03-02 10:00"),
        name="Gina Guest",
        email="gina@example.com",
        zone="Europe/London",
    )
    book(consult, at("2026-03-03 10:00"), name="Paul Pending", email="paul@example.com")
    cancelled = book(intro, at("2026-03-04 10:00"), name="Carl Cancel", email="carl@example.com")
    services.cancel_booking(cancelled, by=CancelledBy.GUEST)
    upcoming = host_client.get("/dashboard/bookings/").content.decode()
    assert "Gina Guest" in upcoming and "Paul Pending" in upcoming and "Carl Cancel" not in upcoming
    assert "Mon 2 Mar 2026, 10:00" in upcoming and "15:00 Europe/London" in upcoming
    pending = host_client.get("/dashboard/bookings/?tab=pending").content.decode()
    assert "Paul Pending" in pending and "Gina Guest" not in pending
    assert "Carl Cancel" in host_client.get("/dashboard/bookings/?tab=cancelled").content.decode()
    searched = host_client.get("/dashboard/bookings/?tab=upcoming&q=PAUL@").content.decode()
    assert "Paul Pending" in searched and "Gina Guest" not in searched


def test_lists_are_paginated(host_client, frozen_now, alice):
    event_type = make_event_type(alice, "quick", duration_minutes=15, slot_interval_minutes=15)
    for index in range(25):
        book(
            event_type,
            at("2026-03-02 09:00") + dt.timedelta(minutes=15 * index),
            email=f"g{index}@example.com",
        )
    first = host_client.get("/dashboard/bookings/").content.decode()
    assert "Page 1 of 2" in first and first.count("g0@example.com") == 1
    second = host_client.get("/dashboard/bookings/?tab=upcoming&page=2").content.decode()
    assert "g24@example.com" in second and "g0@example.com" not in second


def test_cancelling_with_a_reason(host_client, frozen_now, intro):
    booking = book(intro, at("2026-03-02 10:00"))
    host_client.post(f"/dashboard/bookings/{booking.uid}/", {"action": "cancel", "reason": "Ill"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.cancelled_by == "host"
    assert booking.cancel_reason == "Ill"


def test_rescheduling_to_another_free_slot(host_client, frozen_now, intro):
    booking = book(intro, at("2026-03-02 10:00"))
    page = host_client.get(f"/dashboard/bookings/{booking.uid}/reschedule/", {"date": "2026-03-03"})
    assert page.status_code == 200 and ">09:00<" in page.content.decode()
    new_start = at("2026-03-03 09:00").isoformat()
    confirm = host_client.get(
        f"/dashboard/bookings/{booking.uid}/reschedule/", {"start": new_start}
    )
    assert "Move the booking" in confirm.content.decode()
    host_client.post(f"/dashboard/bookings/{booking.uid}/reschedule/", {"start": new_start})
    booking.refresh_from_db()
    assert booking.start == at("2026-03-03 09:00") and booking.sequence == 1


def test_completed_and_no_show_only_after_the_start(host_client, intro):
    with time_machine.travel(at("2026-02-27 10:00"), tick=False):
        booking = book(intro, at("2026-03-02 10:00"))
        host_client.post(f"/dashboard/bookings/{booking.uid}/", {"action": "completed"})
        booking.refresh_from_db()
        assert booking.status == BookingStatus.CONFIRMED
    with time_machine.travel(at("2026-03-02 10:45"), tick=False):
        page = host_client.get(f"/dashboard/bookings/{booking.uid}/").content.decode()
        assert "Mark completed" in page and "Mark no-show" in page
        host_client.post(f"/dashboard/bookings/{booking.uid}/", {"action": "no_show"})
        booking.refresh_from_db()
        assert booking.status == BookingStatus.NO_SHOW
        host_client.post(f"/dashboard/bookings/{booking.uid}/", {"action": "completed"})
        booking.refresh_from_db()
        assert booking.status == BookingStatus.COMPLETED


def test_booking_by_hand_checks_conflicts_and_names_them(
    host_client, frozen_now, alice, intro, consult
):
    book(consult, at("2026-03-02 10:00"), name="Gina Guest")
    BusyBlock.objects.create(
        host=alice, start=at("2026-03-02 13:00"), end=at("2026-03-02 14:00"), reason="Dentist"
    )
    form = {
        "event_type": intro.pk,
        "start": "2026-03-02T10:30",
        "name": "Phone Guest",
        "email": "phone@example.com",
        "timezone": "America/Chicago",
        "notes": "",
    }
    response = host_client.post("/dashboard/bookings/new/", form)
    assert response.status_code == 409
    html = response.content.decode()
    assert "conflicts with" in html and "Consult with Gina Guest, Mon 02 Mar 10:00–11:00" in html
    blocked = host_client.post("/dashboard/bookings/new/", {**form, "start": "2026-03-02T13:15"})
    assert "Blocked: Dentist" in blocked.content.decode()
    # Outside the weekly hours is fine for the host: 19:00 on a Monday.
    ok = host_client.post("/dashboard/bookings/new/", {**form, "start": "2026-03-02T19:00"})
    assert ok.status_code == 302
    made = Booking.objects.get(guest_email="phone@example.com")
    assert made.start == at("2026-03-02 19:00") and made.status == BookingStatus.CONFIRMED
    assert made.guest_timezone == "America/Chicago"


# --- calendar ------------------------------------------------------------------------------------


@pytest.mark.parametrize("view", ["day", "week", "month"])
def test_calendar_views_show_bookings_by_status_and_blocked_time(
    host_client, frozen_now, alice, intro, consult, view
):
    book(consult, at("2026-03-02 10:00"), name="Paul Pending")
    confirmed = book(intro, at("2026-03-02 14:00"), name="Cora Confirmed")
    services.cancel_booking(
        book(intro, at("2026-03-02 15:00"), name="Cy Cancel"), by=CancelledBy.GUEST
    )
    BusyBlock.objects.create(
        host=alice, start=at("2026-03-02 12:00"), end=at("2026-03-02 13:00"), reason="Lunch"
    )
    html = host_client.get(
        "/dashboard/calendar/", {"view": view, "date": "2026-03-02"}
    ).content.decode()
    kind = "cal-chip" if view == "month" else "cal-event"
    for status in ("pending", "confirmed", "cancelled", "blocked"):
        assert f"{kind} {kind}--{status}" in html
    assert "Paul Pending" in html and "Cora Confirmed" in html
    assert f"/dashboard/bookings/{confirmed.uid}/" in html
    for label in (
        "Pending",
        "Confirmed",
        "Completed",
        "Cancelled",
        "Declined",
        "No-show",
        "Blocked time",
    ):
        assert label in html
    if view != "month":
        # 14:00 is 14/24 of the day down the column (placed by static JS: no style attributes).
        assert 'data-top="58.333"' in html
        assert "style=" not in html


def test_calendar_navigation_and_titles(host_client, frozen_now):
    assert (
        "2 Mar – 8 Mar 2026"
        in host_client.get("/dashboard/calendar/?view=week&date=2026-03-04").content.decode()
    )
    month = host_client.get("/dashboard/calendar/?view=month&date=2026-03-15").content.decode()
    assert "March 2026" in month and "date=2026-02-01" in month and "date=2026-04-01" in month
    assert host_client.get("/dashboard/calendar/?view=bogus&date=not-a-date").status_code == 200


def test_a_dst_day_is_laid_out_by_its_real_length(host_client, alice, intro):
    with time_machine.travel(at("2026-03-01 10:00"), tick=False):
        BusyBlock.objects.create(
            host=alice, start=at("2026-03-08 12:00"), end=at("2026-03-08 13:00")
        )
        html = host_client.get("/dashboard/calendar/?view=day&date=2026-03-08").content.decode()
    # 12:00 EDT is 11 real hours after midnight EST on a 23-hour day.
    assert f'data-top="{round(100 * 11 / 23, 3)}"' in html


def test_only_the_actions_that_fit_the_booking_are_offered_or_accepted(
    host_client, frozen_now, intro
):
    booking = book(intro, at("2026-03-02 10:00"))
    page = host_client.get(f"/dashboard/bookings/{booking.uid}/").content.decode()
    assert "Cancel booking" in page and "Reschedule" in page
    assert "?action=confirm" not in page and "Mark completed" not in page
    host_client.post(f"/dashboard/bookings/{booking.uid}/", {"action": "completed"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert (
        "not possible for this booking now"
        in host_client.get(f"/dashboard/bookings/{booking.uid}/").content.decode()
    )


def test_the_host_sees_what_happened_to_each_email(
    host_client, frozen_now, intro, settings, after_commit
):
    settings.EMAIL_BACKEND = "tests.notifications.test_emails.BrokenBackend"
    settings.EMAIL_MAX_ATTEMPTS = 2
    booking = after_commit(book, intro, at("2026-03-02 10:00"), name="Gina Guest")
    page = host_client.get(f"/dashboard/bookings/{booking.uid}/").content.decode()
    assert "Failed for good" in page and "Booking confirmed to the guest" in page
    assert "2 attempts" in page and "SMTP server said no" in page
    home = host_client.get("/dashboard/").content.decode()
    assert "could not be sent" in home and "Booking confirmed to Gina Guest" in home


@pytest.mark.parametrize(
    "path",
    [
        "/dashboard/",
        "/dashboard/bookings/",
        "/dashboard/calendar/?view=week&date=2026-03-02",
        "/dashboard/calendar/?view=month&date=2026-03-02",
        "/dashboard/availability/",
        "/alice/quick/",
    ],
)
def test_dashboard_queries_do_not_grow_with_bookings(host_client, frozen_now, alice, path):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    event_type = make_event_type(alice, "quick", duration_minutes=15, slot_interval_minutes=15)

    def add(count, offset):
        for index in range(offset, offset + count):
            day, slot = divmod(index, 32)
            book(
                event_type,
                at("2026-03-02 09:00") + dt.timedelta(days=day % 5, minutes=15 * slot),
                email=f"g{index}@example.com",
            )

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert host_client.get(path).status_code == 200
        return len(captured)

    add(3, 0)
    few = queries()
    add(60, 3)
    assert queries() == few
