"""A host signs up, sets up, and runs a booking through to cancellation: in Chromium."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from playwright.sync_api import expect

from bookings.models import Booking, BookingStatus, EventType
from tests.browser.conftest import screenshot

pytestmark = pytest.mark.django_db(transaction=True)


def link_from(message, pattern: str) -> str:
    return re.search(pattern, message.body).group(0)


def local_path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_host_signs_up_sets_up_and_handles_a_booking(live_server, open_page):
    host = open_page("Europe/Berlin")
    base = live_server.url

    # Sign-up and onboarding.
    host.goto(f"{base}/accounts/signup/")
    host.get_by_label("Email").fill("hana@example.com")
    host.get_by_role("button", name="Send me the link").click()
    expect(host.get_by_role("heading", name="Check your email")).to_be_visible()
    activation = local_path(link_from(mail.outbox[-1], r"https?://\S+/accounts/activate/\S+"))
    host.goto(f"{base}{activation}")
    host.get_by_label("New password", exact=True).fill("a-long-host-pass")
    host.get_by_label("New password confirmation").fill("a-long-host-pass")
    host.get_by_role("button", name="Finish sign-up").click()
    expect(host.get_by_role("heading", name="Set up your booking page")).to_be_visible()
    expect(host.get_by_label("Timezone")).to_have_value("Europe/Berlin")  # from the browser
    host.get_by_label("Your name, as guests see it").fill("Hana Host")
    host.get_by_label("Booking link name").fill("hana")
    screenshot(host, "onboarding")
    host.get_by_role("button", name="Continue").click()
    expect(host.locator("#public-link")).to_have_value(f"{base}/hana/")
    screenshot(host, "dashboard-home")

    # An event type that needs confirmation.
    host.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Event types").click()
    host.get_by_role("link", name="New event type").click()
    host.get_by_label("Title").fill("Strategy call")
    host.get_by_label("Duration (minutes)").fill("45")
    host.get_by_label("Start times every (minutes)").fill("60")
    host.get_by_label("I confirm each booking myself").check()
    host.get_by_role("button", name="Save").click()
    expect(host.get_by_text("“Strategy call” saved.")).to_be_visible()
    screenshot(host, "event-types")
    assert EventType.objects.get(slug="strategy-call").duration_minutes == 45

    # Weekly hours: Monday, then copied to the rest of the working week.
    host.get_by_role("navigation", name="Dashboard").get_by_role(
        "link", name="Availability"
    ).click()
    host.get_by_role("textbox", name="Monday").fill("09:00-12:00")
    host.get_by_role("button", name="Save hours").click()
    expect(host.get_by_text("Weekly hours saved.")).to_be_visible()
    host.get_by_label("Copy the hours of").select_option("0")
    for day in ("Tuesday", "Wednesday", "Thursday", "Friday"):
        host.locator(".inline-checks").get_by_label(day).check()
    host.get_by_role("button", name="Copy hours").click()
    expect(host.get_by_role("textbox", name="Friday")).to_have_value("09:00-12:00")
    expect(host.locator("#preview .chip").first).to_be_visible()
    screenshot(host, "availability")

    # A guest in Los Angeles books it and sees Los Angeles time.
    guest = open_page("America/Los_Angeles")
    guest.goto(f"{base}/hana/strategy-call/")
    guest.wait_for_url(re.compile(r"tz=America%2FLos_Angeles"))
    slot = guest.locator("a.slot").first
    instant = dt.datetime.fromisoformat(slot.get_attribute("data-slot-start"))
    expect(slot).to_have_text(instant.astimezone(ZoneInfo("America/Los_Angeles")).strftime("%H:%M"))
    slot.click()
    guest.get_by_label("Your name").fill("Gus Guest")
    guest.get_by_label("Email").fill("gus@example.com")
    guest.get_by_role("button", name="Request booking").click()
    expect(guest.get_by_role("heading", level=1)).to_have_text("Request sent to Hana Host")
    booking = Booking.objects.get(guest_email="gus@example.com")
    assert booking.status == BookingStatus.PENDING and booking.start == instant

    # The host confirms it from the dashboard.
    host.goto(f"{base}/dashboard/")
    host.get_by_role("link", name=re.compile("Gus Guest")).first.click()
    host.get_by_role("link", name="Confirm").click()
    host.get_by_role("button", name="Confirm this request").click()
    expect(host.get_by_text("Confirmed.", exact=True)).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    host.goto(f"{base}/dashboard/calendar/?view=week&date={instant.date().isoformat()}")
    expect(host.locator(".slab.status-confirmed")).to_contain_text("Gus Guest")
    screenshot(host, "calendar-week")
    host.goto(f"{base}/dashboard/bookings/")
    screenshot(host, "bookings-list")

    # The guest cancels from the link in the confirmation email.
    confirmed_mail = [
        m for m in mail.outbox if m.to == ["gus@example.com"] and m.subject.startswith("Confirmed")
    ][-1]
    cancel_url = local_path(link_from(confirmed_mail, r"https?://\S+/cancel/\?token=\S+"))
    guest.goto(f"{base}{cancel_url}")
    guest.get_by_label("Reason for cancelling").fill("Plans changed")
    guest.get_by_role("button", name="Cancel booking").click()
    expect(guest.get_by_role("heading", level=1)).to_have_text("This booking is cancelled")
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "Plans changed"
    host_notice = [
        m for m in mail.outbox if m.to == ["hana@example.com"] and "cancelled" in m.subject.lower()
    ]
    assert host_notice and "Plans changed" in host_notice[-1].body
