"""A host connects Google (the local fake, through the real libraries) in Chromium, sees busy
time disappear from their public page, a guest books, and the event appears at Google."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from bookings.models import Booking
from calendars.providers.google import own_event_id
from tests.browser.conftest import screenshot
from tests.conftest import make_event_type, make_host

pytestmark = pytest.mark.django_db(transaction=True)

NY = ZoneInfo("America/New_York")


def next_weekday(days_ahead: int = 3) -> dt.date:
    day = dt.datetime.now(NY).date() + dt.timedelta(days=days_ahead)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def test_connecting_google_blocks_busy_time_and_bookings_land_in_it(live_server, open_page, google):
    alice = make_host("alice@example.com", "alice", "America/New_York")
    make_event_type(alice, "intro")
    day = next_weekday()
    dentist = dt.datetime.combine(day, dt.time(10, 0), NY)
    google.add_timed(google.account, "dentist", dentist, dentist + dt.timedelta(hours=1))
    base = live_server.url
    public = f"{base}/alice/intro/?tz=America%2FNew_York&date={day.isoformat()}"

    guest = open_page("America/New_York")
    guest.goto(public)
    expect(guest.locator("a.picker-slot", has_text="10:00")).to_be_visible()

    host = open_page("America/New_York", ignore_https_errors=True)
    host.goto(f"{base}/accounts/login/")
    host.get_by_label("Email").fill("alice@example.com")
    host.get_by_label("Password").fill("pw-for-tests-123")
    host.get_by_role("button", name="Log in").click()
    host.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Calendars").click()
    host.get_by_role("button", name="Connect Google Calendar").click()
    expect(host.get_by_role("heading", level=1)).to_contain_text("wants to access")
    host.get_by_role("link", name="Allow").click()
    expect(host.get_by_text("Connected alice.work@gmail.com")).to_be_visible()
    expect(host.locator(".cal-busy-count")).to_have_text("1")
    screenshot(host, "calendars")

    # The first sync already ran: the dentist's hour is no longer offered.
    guest.goto(public)
    expect(guest.locator("a.picker-slot", has_text="09:30")).to_be_visible()
    expect(guest.locator("a.picker-slot", has_text="10:00")).to_have_count(0)
    expect(guest.locator("a.picker-slot", has_text="10:30")).to_have_count(0)
    guest.locator("a.picker-slot", has_text="11:00").click()
    guest.get_by_label("Your name").fill("Gina Guest")
    guest.get_by_label("Email").fill("gina@example.com")
    guest.get_by_role("button", name="Confirm booking").click()
    expect(guest.get_by_role("heading", level=1)).to_have_text("You're booked")

    booking = Booking.objects.get(guest_email="gina@example.com")
    event = google.events[google.account][own_event_id(str(booking.uid))]
    assert event["summary"] == "Intro with Gina Guest"
    assert event["start"]["dateTime"].startswith(
        dt.datetime.combine(day, dt.time(11, 0), NY).astimezone(dt.UTC).isoformat()[:19]
    )

    # Sync now shows progress and the result without reloading the page.
    host.reload()
    host.get_by_role("button", name="Sync now").click()
    expect(host.locator(".cal-sync-done")).to_have_text("Synced: 1 busy event.")
    screenshot(host, "calendars-synced")
