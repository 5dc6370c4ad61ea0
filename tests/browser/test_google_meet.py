"""A host without Google Calendar is told to connect it before choosing Google Meet; once
connected (the local fake, through the real libraries) they choose it, a guest books, and the
Meet link Google made is on the guest's confirmation page, the host's page and the email."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from playwright.sync_api import expect

from bookings.models import Booking
from calendars.models import WrittenEvent
from tests.browser.conftest import (
    assert_accessible,
    connect_google_calendar,
    log_in,
    screenshot,
)
from tests.conftest import make_event_type, make_host

pytestmark = pytest.mark.django_db(transaction=True)

NY = ZoneInfo("America/New_York")


def test_a_host_chooses_google_meet_and_the_guest_gets_the_link(live_server, open_page, google):
    alice = make_host("alice@example.com", "alice", "America/New_York", weekdays=range(7))
    intro = make_event_type(alice, "intro", booking_window_days=30)
    base = live_server.url

    host = open_page(
        "America/New_York", viewport={"width": 1280, "height": 800}, ignore_https_errors=True
    )
    log_in(host, base)
    host.goto(f"{base}/dashboard/event-types/{intro.pk}/")
    location = host.get_by_label("Location", exact=True)
    expect(location.locator("option[value=google_meet]")).to_have_text(
        "Google Meet (connect Google Calendar first)"
    )
    location.select_option("google_meet")
    host.get_by_role("button", name="Save").click()
    # Refused, tied to the field, focused.
    expect(location).to_be_focused()
    expect(location).to_have_attribute("aria-invalid", "true")
    error = host.locator("#id_location_kind-error")
    expect(error).to_contain_text("Connect Google Calendar under Calendars")
    assert "id_location_kind-error" in location.get_attribute("aria-describedby")
    assert_accessible(host)

    connect_google_calendar(host)
    expect(host.get_by_text("Connected alice.work@gmail.com")).to_be_visible()
    host.goto(f"{base}/dashboard/event-types/{intro.pk}/")
    expect(location.locator("option[value=google_meet]")).to_have_text("Google Meet")
    location.select_option("google_meet")
    assert_accessible(host)
    screenshot(host, "google-meet-event-type")
    host.get_by_role("button", name="Save").click()
    expect(host.get_by_text("“Intro” saved.")).to_be_visible()
    expect(host.get_by_text(re.compile("30 min · Google Meet"))).to_be_visible()

    day = dt.datetime.now(NY).date() + dt.timedelta(days=2)
    guest = open_page("America/New_York", viewport={"width": 390, "height": 844})
    guest.goto(f"{base}/alice/intro/?tz=America%2FNew_York&date={day.isoformat()}")
    expect(guest.get_by_text("Google Meet", exact=False).first).to_be_visible()
    guest.locator("a.picker-slot").first.click()
    guest.get_by_label("Your name").fill("Gina Guest")
    guest.get_by_label("Email").fill("gina@example.com")
    guest.get_by_role("button", name="Confirm booking").click()
    expect(guest.get_by_role("heading", level=1)).to_have_text("You're booked")

    booking = Booking.objects.get()
    link = WrittenEvent.objects.get(booking=booking).meeting_url
    assert link.startswith("https://meet.google.com/")
    join = guest.get_by_role("link", name="Join with Google Meet")
    expect(join).to_have_attribute("href", link)
    expect(guest.get_by_text(link)).to_be_visible()
    assert_accessible(guest)
    screenshot(guest, "google-meet-confirmation")

    (to_guest,) = [message for message in mail.outbox if "gina@example.com" in message.to]
    assert f"Where: Google Meet: {link}" in to_guest.body

    host.goto(f"{base}/dashboard/bookings/{booking.uid}/")
    expect(host.get_by_role("link", name="Join with Google Meet")).to_have_attribute("href", link)
