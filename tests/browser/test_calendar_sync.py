"""A host connects Google (the local fake, through the real libraries) in Chromium, sees busy
time disappear from their public page, a guest books, and the event appears at Google; and the
calendars page with Google, Microsoft and an ICS subscription, at phone and laptop sizes."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from bookings.models import Booking
from calendars.providers.google import own_event_id
from tests.browser.conftest import (
    VIEWPORTS,
    assert_accessible,
    assert_no_sideways_scroll,
    screenshot,
)
from tests.conftest import make_event_type, make_host
from tests.fakes.ics_server import FakeIcsHost
from tests.fakes.microsoft_server import FakeMicrosoft

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


@pytest.fixture
def microsoft(settings, google):
    fake = FakeMicrosoft().start()
    fake.point_settings_here(settings)
    yield fake
    fake.stop()


@pytest.fixture
def published(settings):
    settings.ICS_ALLOW_PRIVATE_URLS = True
    fake = FakeIcsHost(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//t//EN\r\nEND:VCALENDAR\r\n")
    yield fake.start()
    fake.stop()


def test_the_calendars_page_with_every_kind_of_calendar(
    live_server, open_page, google, microsoft, published
):
    make_host("alice@example.com", "alice", "America/New_York")
    microsoft.add_calendar("AAMk-holidays", "United States holidays", can_edit=False)
    base = live_server.url
    host = open_page("America/New_York", ignore_https_errors=True)
    host.goto(f"{base}/accounts/login/")
    host.get_by_label("Email").fill("alice@example.com")
    host.get_by_label("Password").fill("pw-for-tests-123")
    host.get_by_role("button", name="Log in").click()
    host.goto(f"{base}/dashboard/calendars/")
    host.get_by_role("button", name="Connect Google Calendar").click()
    host.get_by_role("link", name="Allow").click()
    host.get_by_role("button", name="Connect Microsoft Outlook").click()
    host.get_by_role("link", name="Cancel").click()
    expect(host.get_by_role("heading", level=1)).to_have_text("Your calendar was not connected")
    host.goto(f"{base}/dashboard/calendars/")
    host.get_by_role("button", name="Connect Microsoft Outlook").click()
    host.get_by_role("link", name="Accept").click()
    expect(host.get_by_text("Connected alice@contoso.com")).to_be_visible()
    outlook = host.locator(".cal-connection", has_text="alice@contoso.com")
    expect(outlook.get_by_text("just now")).to_be_visible()
    expect(outlook.get_by_text("read-only")).to_be_visible()  # the holidays calendar

    host.get_by_label("Name").fill("Family")
    host.get_by_label("ICS address").fill(published.url)
    host.get_by_role("button", name="Subscribe").click()
    expect(host.locator(".cal-subscription")).to_contain_text("Family")

    google.revoke_all()
    host.locator(".cal-connection").first.get_by_role("button", name="Sync now").click()
    expect(host.get_by_text("Needs reconnect: Google access was revoked")).to_be_visible()
    host.reload()
    banner = host.locator(".cal-reconnect")
    expect(banner).to_contain_text("can no longer read alice.work@gmail.com; its busy time")
    for viewport in VIEWPORTS:
        host.set_viewport_size(viewport)
        host.reload()
        screenshot(host, f"calendars-all-{viewport['width']}")
        assert_no_sideways_scroll(host)
        assert_accessible(host)
