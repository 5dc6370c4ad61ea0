"""A guest in a Tokyo browser asks the assistant for a New York time and books it, in Chromium."""

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
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def alice(transactional_db):
    host = make_host("alice@example.com", "alice", "America/New_York")
    make_event_type(host, "intro", title="Intro call")
    make_event_type(host, "consult", title="Consultation", duration_minutes=60)
    return host


def test_a_guest_in_tokyo_books_an_intro_from_the_assistant(live_server, open_page, alice):
    page = open_page("Asia/Tokyo")
    page.goto(f"{live_server.url}/alice/")
    page.get_by_role("link", name="Or ask the booking assistant").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a time with Alice")
    # The page takes the browser's timezone for the guest.
    expect(page.get_by_label("Your timezone")).to_have_value("Asia/Tokyo")

    page.get_by_label("Your message").fill("an intro next Tuesday afternoon New York time")
    page.get_by_role("button", name="Send").click()
    summary = page.locator(".assistant-summary").last
    expect(summary).to_contain_text("Intro call (30 min) \u00b7 Tuesday")
    expect(summary).to_contain_text("12:00\u201317:00 New York time")
    proposals = page.locator("a.assistant-proposal")
    expect(proposals).to_have_count(5)
    expect(proposals.first).to_contain_text("Tokyo time for you")
    # htmx swapped the chat in place: the message box is empty and ready for a follow-up.
    expect(page.get_by_label("Your message")).to_have_value("")
    screenshot(page, "assistant-chat")

    instant = dt.datetime.fromisoformat(proposals.first.get_attribute("data-slot-start"))
    in_new_york = instant.astimezone(NEW_YORK)
    assert in_new_york.weekday() == 1 and 12 <= in_new_york.hour < 17
    in_tokyo = instant.astimezone(ZoneInfo("Asia/Tokyo"))
    proposals.first.click()

    page.wait_for_url(re.compile(r"/alice/intro/book/\?start="))
    expect(page.locator("main")).to_contain_text(in_tokyo.strftime("%H:%M"))
    page.get_by_label("Your name").fill("Gina Guest")
    page.get_by_label("Email").fill("gina@example.com")
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
    expect(page.locator("main")).to_contain_text(in_tokyo.strftime("%H:%M"))
    expect(page.locator("main")).to_contain_text(in_new_york.strftime("%H:%M"))
    screenshot(page, "assistant-booked")
    booking = Booking.objects.get()
    assert booking.start == instant
    assert booking.event_type.slug == "intro"
    assert booking.guest_timezone == "Asia/Tokyo"
    assert booking.status == BookingStatus.CONFIRMED
