"""A host signs up, sets up and runs bookings; every dashboard page at phone and laptop size
passes axe-core and fits the screen; the Day view is not clipped. In Chromium."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.utils import timezone
from playwright.sync_api import expect

from availability.models import BusyBlock
from availability.services import weekly_hours
from bookings import services
from bookings.models import Booking, BookingStatus, EventType
from tests.browser.conftest import (
    VIEWPORTS,
    assert_accessible,
    assert_no_sideways_scroll,
    screenshot,
)
from tests.conftest import make_event_type, make_host

pytestmark = pytest.mark.django_db(transaction=True)


def link_from(message, pattern: str) -> str:
    return re.search(pattern, message.body).group(0)


def local_path(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def log_in(page, base: str, email: str) -> None:
    page.goto(f"{base}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("pw-for-tests-123")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("navigation", name="Dashboard")).to_be_visible()


def test_host_signs_up_sets_up_and_handles_a_booking(live_server, open_page):
    host = open_page("Europe/Berlin")
    base = live_server.url

    # Sign-up and onboarding: a new host starts with weekday hours and a 30-minute meeting.
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
    # The browser's zone, in the searchable picker, as people read it.
    expect(host.get_by_role("combobox", name="Your timezone")).to_have_value(
        re.compile(r"^Berlin \(GMT\+\d\) · \d\d:\d\d$")
    )
    host.get_by_label("Your name, as guests see it").fill("Hana Host")
    host.get_by_label("Booking link name").fill("hana")
    screenshot(host, "onboarding")
    host.get_by_role("button", name="Continue").click()
    expect(host.locator("#public-link")).to_have_value(f"{base}/hana/")
    hana = EventType.objects.get(slug="30min").host
    assert len(weekly_hours(hana)[0]) == 1

    # An event type that needs confirmation, with a location and a question.
    host.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Event types").click()
    host.get_by_role("link", name="New event type").click()
    host.get_by_label("Title").fill("Strategy call")
    host.get_by_text("45 min").click()
    host.get_by_label("Location", exact=True).select_option("in_person")
    host.get_by_label("Address, phone number or link").fill("1 Market Square, Berlin")
    host.get_by_label("I confirm each booking myself").check()
    host.get_by_label("Question").fill("Company")
    host.get_by_text("Advanced").click()
    host.get_by_label("Start times every (minutes)").fill("60")
    host.get_by_role("button", name="Save").click()
    expect(host.get_by_text("“Strategy call” saved.")).to_be_visible()
    made = EventType.objects.get(slug="strategy-call")
    assert made.duration_minutes == 45 and made.questions.get().label == "Company"

    # Weekly hours: switch Monday's hours, add a range, copy Monday to Tuesday, one Save.
    host.get_by_role("navigation", name="Dashboard").get_by_role(
        "link", name="Availability"
    ).click()
    host.get_by_label("Monday until").first.fill("12:00")
    host.get_by_role("button", name="Add a range to Monday").click()
    host.get_by_label("Monday from").nth(1).fill("13:00")
    host.get_by_label("Monday until").nth(1).fill("15:00")
    host.locator("[name=day_6_on]").check()  # a day switched on starts at 09:00–17:00
    host.get_by_label("Copy Monday's hours to other days").click()
    host.locator("[data-day='0'] .hours-copy-panel").get_by_label("Tuesday").check()
    host.locator("[data-day='0'] [data-copy-apply]").click()
    screenshot(host, "availability-editor")
    host.get_by_role("button", name="Save", exact=True).click()
    expect(host.get_by_text(re.compile("Weekly hours saved"))).to_be_visible()
    hours = weekly_hours(hana)
    assert hours[0] == hours[1] == [(dt.time(9), dt.time(12)), (dt.time(13), dt.time(15))]
    assert hours[6] == [(dt.time(9), dt.time(17))]

    # A guest in Los Angeles asks for it.
    guest = open_page("America/Los_Angeles")
    guest.goto(f"{base}/hana/strategy-call/")
    expect(guest.locator("#picker-area")).to_have_attribute("data-zone", "America/Los_Angeles")
    expect(guest.get_by_text("1 Market Square, Berlin")).to_be_visible()
    slot = guest.locator("a.picker-slot").first
    instant = dt.datetime.fromisoformat(slot.get_attribute("data-slot-start"))
    expect(slot).to_have_text(instant.astimezone(ZoneInfo("America/Los_Angeles")).strftime("%H:%M"))
    slot.click()
    guest.get_by_label("Your name").fill("Gus Guest")
    guest.get_by_label("Email").fill("gus@example.com")
    guest.get_by_label("Company").fill("Gusto")
    guest.get_by_role("button", name="Request booking").click()
    expect(guest.get_by_role("heading", level=1)).to_have_text("Request sent to Hana Host")
    pending_page = guest.url
    booking = Booking.objects.get(guest_email="gus@example.com")
    assert booking.status == BookingStatus.PENDING and booking.start == instant

    # The host confirms in one click from "Waiting for you".
    host.goto(f"{base}/dashboard/")
    waiting = host.locator(".request-item", has_text="Gus Guest")
    expect(waiting).to_contain_text("Strategy call")
    waiting.get_by_role("button", name="Confirm Gus Guest's request").click()
    expect(host.get_by_text("Confirmed.", exact=True)).to_be_visible()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED

    # The page the guest is on still works (confirming retires no link).
    guest.goto(pending_page)
    expect(guest.get_by_role("heading", level=1)).to_have_text("You're booked")

    host.goto(f"{base}/dashboard/calendar/?view=week&date={instant.date().isoformat()}")
    expect(host.locator(".cal-event--confirmed")).to_contain_text("Gus Guest")
    host.goto(f"{base}/dashboard/bookings/{booking.uid}/")
    expect(host.get_by_text("Gusto")).to_be_visible()

    # The guest cancels from the link in the confirmation email.
    confirmed_mail = [
        m for m in mail.outbox if m.to == ["gus@example.com"] and m.subject.startswith("Confirmed")
    ][-1]
    cancel_url = local_path(link_from(confirmed_mail, r"https?://\S+/cancel/\?token=\S+"))
    guest.goto(f"{base}{cancel_url}")
    guest.get_by_label("Reason for cancelling").fill("Plans changed")
    guest.get_by_role("button", name="Cancel booking").click()
    expect(guest.get_by_role("heading", level=1)).to_have_text("This booking is cancelled")
    host_notice = [
        m for m in mail.outbox if m.to == ["hana@example.com"] and "cancelled" in m.subject.lower()
    ]
    assert host_notice and "Plans changed" in host_notice[-1].body


@pytest.fixture
def busy_alice(transactional_db):
    """Alice with a pending request, confirmed meetings (one short), a cancelled one and a block,
    tomorrow in her zone."""
    alice = make_host("alice@example.com", "alice", "America/New_York", weekdays=range(7))
    intro = make_event_type(alice, "intro", booking_window_days=60)
    quick = make_event_type(alice, "quick", duration_minutes=10, slot_interval_minutes=10)
    consult = make_event_type(alice, "consult", requires_confirmation=True)
    zone = ZoneInfo("America/New_York")
    tomorrow = timezone.now().astimezone(zone).date() + dt.timedelta(days=1)

    def at(hour: int, minute: int = 0) -> dt.datetime:
        return dt.datetime.combine(tomorrow, dt.time(hour, minute), tzinfo=zone)

    def book(event_type, start, name):
        return services.create_booking(
            event_type=event_type,
            start=start,
            guest_name=name,
            guest_email=f"{name.split()[0].lower()}@example.com",
            guest_timezone="Europe/London",
        )

    book(consult, at(9), "Paula Pending")
    book(intro, at(10), "Cora Confirmed")
    book(quick, at(11), "Quinn Quick")
    services.cancel_booking(book(intro, at(14), "Cyril Cancelled"), by="guest")
    BusyBlock.objects.create(host=alice, start=at(12), end=at(13), reason="Lunch")
    return alice, tomorrow


DASHBOARD_PAGES = [
    ("home", "/dashboard/"),
    ("bookings", "/dashboard/bookings/"),
    ("bookings-pending", "/dashboard/bookings/?tab=pending"),
    ("booking-new", "/dashboard/bookings/new/"),
    ("calendar-day", "/dashboard/calendar/?view=day&date={day}"),
    ("calendar-week", "/dashboard/calendar/?view=week&date={day}"),
    ("calendar-month", "/dashboard/calendar/?view=month&date={day}"),
    ("event-types", "/dashboard/event-types/"),
    ("event-type-new", "/dashboard/event-types/new/"),
    ("availability", "/dashboard/availability/"),
    ("overrides", "/dashboard/availability/overrides/"),
    ("blocks", "/dashboard/availability/blocked/"),
    ("settings", "/dashboard/settings/"),
]


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda size: f"{size['width']}")
def test_every_dashboard_page_fits_the_screen_and_passes_axe(
    live_server, open_page, busy_alice, viewport
):
    alice, day = busy_alice
    page = open_page("America/New_York", viewport=viewport)
    log_in(page, live_server.url, "alice@example.com")
    pages = [*DASHBOARD_PAGES]
    booking = Booking.objects.get(guest_name="Paula Pending")
    pages.append(("booking-detail", f"/dashboard/bookings/{booking.uid}/"))
    event_type = EventType.objects.get(slug="intro")
    pages.append(("event-type-edit", f"/dashboard/event-types/{event_type.pk}/"))
    for name, path in pages:
        page.goto(live_server.url + path.format(day=day.isoformat()))
        expect(page.locator("main h1").first).to_be_visible()
        screenshot(page, f"dashboard-{viewport['width']}-{name}")
        assert_no_sideways_scroll(page)
        assert_accessible(page)
        # The nav stays one line (it scrolls sideways inside itself on a phone).
        nav_height = page.get_by_role("navigation", name="Dashboard").bounding_box()["height"]
        assert nav_height < 60, f"{name}: nav is {nav_height}px tall"


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda size: f"{size['width']}")
def test_the_day_view_grid_is_not_clipped(live_server, open_page, busy_alice, viewport):
    alice, day = busy_alice
    page = open_page("America/New_York", viewport=viewport)
    log_in(page, live_server.url, "alice@example.com")
    page.goto(f"{live_server.url}/dashboard/calendar/?view=day&date={day.isoformat()}")
    column = page.locator(".cal-col").first
    scroller = page.locator(".cal-scroll")
    shape = column.evaluate("el => getComputedStyle(el).borderRadius")
    assert shape == "0px", f"the day column is rounded: {shape}"
    grid_width = column.bounding_box()["width"]
    assert grid_width > scroller.bounding_box()["width"] * 0.7
    # Every hour label shows whole.
    clipped = page.evaluate(
        "() => [...document.querySelectorAll('.cal-hour-label')]"
        ".filter(label => label.scrollWidth > label.clientWidth + 1).length"
    )
    assert clipped == 0
    # Opened at working hours, not midnight.
    assert scroller.evaluate("el => el.scrollTop") > 0
    # A 10-minute meeting is readable: at least one line tall, text on one line.
    quick = page.locator(".cal-event", has_text="Quinn Quick")
    expect(quick).to_be_in_viewport()
    assert quick.bounding_box()["height"] >= 20
    # Cancelled bookings are behind a toggle.
    cancelled = page.locator(".cal-event", has_text="Cyril Cancelled")
    expect(cancelled).to_be_hidden()
    page.get_by_label("Show cancelled and declined").check()
    expect(cancelled).to_be_visible()
    screenshot(page, f"calendar-day-{viewport['width']}")


def test_decline_from_the_pending_tab_and_undo_a_deleted_block(live_server, open_page, busy_alice):
    alice, _day = busy_alice
    page = open_page("America/New_York", viewport=VIEWPORTS[0])
    log_in(page, live_server.url, "alice@example.com")
    page.goto(f"{live_server.url}/dashboard/bookings/?tab=pending")
    page.get_by_text("Decline", exact=True).click()
    page.get_by_label("Reason (optional, the guest sees it)").fill("Fully booked")
    page.get_by_role("button", name="Decline request").click()
    expect(page.get_by_text("Declined.", exact=True)).to_be_visible()
    declined = Booking.objects.get(guest_name="Paula Pending")
    assert declined.status == BookingStatus.DECLINED and declined.cancel_reason == "Fully booked"

    page.goto(f"{live_server.url}/dashboard/availability/blocked/")
    page.get_by_role("button", name="Delete").first.click()
    expect(page.get_by_text("Blocked time removed.")).to_be_visible()
    assert not BusyBlock.objects.exists()
    screenshot(page, "blocks-undo")
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Restored.")).to_be_visible()
    assert BusyBlock.objects.get().reason == "Lunch"
