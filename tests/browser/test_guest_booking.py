"""A guest books, sees their local time, and cancels: in Chromium."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus
from tests.browser.conftest import screenshot
from tests.conftest import make_event_type, make_host

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def intro(transactional_db):
    alice = make_host("alice@example.com", "alice", "America/New_York")
    return make_event_type(alice, "intro", description="A first chat.", location="Video call")


def test_a_guest_in_tokyo_books_in_their_own_time_and_cancels(live_server, open_page, intro):
    page = open_page("Asia/Tokyo")
    page.goto(f"{live_server.url}/alice/")
    screenshot(page, "host-page")
    page.get_by_role("link", name=re.compile("Intro")).click()

    # The page notices the browser's timezone and reloads with it.
    page.wait_for_url(re.compile(r"tz=Asia%2FTokyo"))
    expect(page.locator("select[name=tz]")).to_have_value("Asia/Tokyo")
    expect(page.get_by_text("Times in Asia/Tokyo")).to_be_visible()

    # htmx: pick another available day without a full reload.
    days = page.locator("a.day.available")
    days.nth(1).click()
    expect(page.locator("a.day.selected")).to_have_text(days.nth(1).inner_text())
    screenshot(page, "event-page")

    slot = page.locator("a.slot").first
    instant = dt.datetime.fromisoformat(slot.get_attribute("data-slot-start"))
    tokyo = instant.astimezone(ZoneInfo("Asia/Tokyo"))
    expect(slot).to_have_text(tokyo.strftime("%H:%M"))
    slot.click()

    expect(page.get_by_role("heading", level=2)).to_contain_text(tokyo.strftime("%H:%M"))
    page.get_by_label("Your name").fill("Gina Guest")
    page.get_by_label("Email").fill("gina@example.com")
    page.get_by_label("Anything to share").fill("See you then")
    screenshot(page, "booking-form")
    # Once sent, the form's button is disabled so an impatient second click sends nothing.
    form = page.locator("form[method=post]")
    form.evaluate("f => f.addEventListener('submit', e => e.preventDefault(), {once: true})")
    page.get_by_role("button", name="Confirm booking").click()
    expect(page.get_by_role("button", name="Confirm booking")).to_be_disabled()
    form.evaluate("f => f.requestSubmit()")

    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked with Alice")
    expect(page.locator(".times")).to_contain_text(tokyo.strftime("%H:%M"))
    expect(page.locator(".times")).to_contain_text("Asia/Tokyo")
    new_york = instant.astimezone(ZoneInfo("America/New_York"))
    expect(page.locator(".times")).to_contain_text(new_york.strftime("%H:%M"))
    expect(page.get_by_role("link", name="Download .ics")).to_be_visible()
    expect(page.get_by_role("link", name="Add to Google Calendar")).to_be_visible()
    screenshot(page, "confirmation")

    booking = Booking.objects.get()
    assert booking.start == instant
    assert booking.guest_timezone == "Asia/Tokyo"
    assert booking.status == BookingStatus.CONFIRMED

    page.get_by_role("link", name="cancel").click()
    page.get_by_label("Reason for cancelling").fill("Something came up")
    screenshot(page, "cancel")
    page.get_by_role("button", name="Cancel booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This booking is cancelled")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED
    assert booking.cancel_reason == "Something came up"
