"""A guest on a phone or a laptop books, reschedules and cancels; a keyboard-only guest books;
every page passes axe-core; the first visit is one page load of a small page. In Chromium."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from playwright.sync_api import expect

from bookings.locations import LocationKind
from bookings.models import Booking, BookingStatus, Question, QuestionKind
from tests.browser.conftest import (
    VIEWPORTS,
    assert_accessible,
    assert_no_sideways_scroll,
    screenshot,
)
from tests.conftest import make_event_type, make_host

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def intro(transactional_db):
    alice = make_host("alice@example.com", "alice", "America/New_York", weekdays=range(7))
    alice.bio = "Product coach. Bring your questions."
    alice.save(update_fields=["bio"])
    event_type = make_event_type(
        alice,
        "intro",
        description="A first chat.",
        location_kind=LocationKind.LINK,
        location="https://meet.example/alice",
        booking_window_days=60,
    )
    Question.objects.create(
        event_type=event_type, label="What should we cover?", kind=QuestionKind.LONG, position=0
    )
    return event_type


def link_in_mail(address: str, kind: str) -> str:
    messages = [message for message in mail.outbox if address in message.to]
    found = re.findall(rf"https?://[^/\s]+(/booking/\S+/{kind}/\?token=\S+)", messages[-1].body)
    return found[-1]


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda size: f"{size['width']}")
def test_a_guest_books_reschedules_and_cancels(live_server, open_page, intro, viewport):
    name = f"guest-{viewport['width']}"
    page = open_page("Asia/Tokyo", viewport=viewport)
    tokyo = ZoneInfo("Asia/Tokyo")

    page.goto(f"{live_server.url}/alice/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Alice")
    expect(page.get_by_text("Product coach")).to_be_visible()
    # Guest pages carry no Log in / Sign up of the app, and a small footer instead.
    expect(page.get_by_role("link", name="Log in")).to_have_count(0)
    expect(page.get_by_role("link", name="Powered by Slotbook")).to_be_visible()
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    screenshot(page, f"{name}-host-page")

    page.get_by_role("link", name=re.compile("Intro")).click()
    # Rendered in the guest's zone straight away: the head script's cookie was read.
    expect(page.locator("#picker-area")).to_have_attribute("data-zone", "Asia/Tokyo")
    expect(page.locator("#tz-input")).to_have_value(re.compile(r"^Tokyo \(GMT\+9\) · \d\d:\d\d$"))
    assert "tz=" not in page.url
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    screenshot(page, f"{name}-event-page")

    days = page.locator("a.picker-day--available")
    target = days.nth(1)
    day_label = target.get_attribute("aria-label").split(",")[0]
    target.click()
    expect(page.locator(".picker-day--selected")).to_have_attribute(
        "aria-label", re.compile(f"^{day_label},")
    )
    expect(page.locator("#picker-status")).to_have_text(re.compile(r"times? available$"))
    heading = page.locator("#picker-slots-heading")
    expect(heading).to_be_in_viewport()  # on a phone the times scroll into view
    slots = page.locator("a.picker-slot")
    # No inner scroll box: every time is fully on the page.
    assert page.evaluate(
        "() => [...document.querySelectorAll('.picker-slot-list')]"
        ".every(list => list.scrollHeight <= list.clientHeight + 1)"
    )
    screenshot(page, f"{name}-event-day")

    slot = slots.first
    instant = dt.datetime.fromisoformat(slot.get_attribute("data-slot-start"))
    expect(slot).to_have_text(instant.astimezone(tokyo).strftime("%H:%M"))
    slot.click()
    page.get_by_label("Your name").fill("Ada Guest")
    page.get_by_label("Email").fill("ada@example.com")
    page.get_by_label("What should we cover?").fill("Pricing")
    assert_accessible(page)
    screenshot(page, f"{name}-booking-form")
    page.get_by_role("button", name="Confirm booking").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
    expect(page.get_by_text("An invitation was sent to ada@example.com")).to_be_visible()
    for label in ("Google Calendar", "Outlook.com", "Office 365", "Apple / .ics"):
        expect(page.get_by_role("link", name=label)).to_be_visible()
    expect(page.get_by_text("Pricing")).to_be_visible()
    expect(page.get_by_text("https://meet.example/alice")).to_be_visible()
    expect(page.get_by_role("link", name="Book another time")).to_be_visible()
    expect(page.get_by_role("link", name="Reschedule")).to_have_count(0)  # the email has them
    assert_accessible(page)
    assert_no_sideways_scroll(page)
    screenshot(page, f"{name}-confirmation")
    booking = Booking.objects.get()
    assert booking.start == instant and booking.answers[0]["value"] == "Pricing"

    # Reschedule from the emailed link, to a time on another day.
    page.goto(live_server.url + link_in_mail("ada@example.com", "reschedule"))
    expect(page.get_by_role("heading", name="Reschedule")).to_be_visible()
    assert_accessible(page)
    screenshot(page, f"{name}-reschedule")
    other_day = page.locator("a.picker-day--available:not(.picker-day--selected)").first
    other_label = other_day.get_attribute("aria-label")
    other_day.click()
    expect(page.locator(".picker-day--selected")).to_have_attribute("aria-label", other_label)
    page.locator("a.picker-slot").first.click()
    page.get_by_role("button", name="Move my booking to this time").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
    was = instant.astimezone(tokyo)
    expect(page.locator(".when-was")).to_contain_text(was.strftime("%H:%M"))
    screenshot(page, f"{name}-rescheduled")
    booking.refresh_from_db()
    assert booking.start != instant and booking.rescheduled_from == instant

    # Cancel from the newest email's link.
    page.goto(live_server.url + link_in_mail("ada@example.com", "cancel"))
    page.get_by_label("Reason for cancelling").fill("Something came up")
    assert_accessible(page)
    screenshot(page, f"{name}-cancel")
    page.get_by_role("button", name="Cancel booking").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("This booking is cancelled")
    assert_accessible(page)
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CANCELLED


def test_a_keyboard_only_guest_books_and_focus_follows_every_step(live_server, open_page, intro):
    page = open_page("Europe/London", viewport=VIEWPORTS[1])
    page.goto(f"{live_server.url}/alice/intro/")

    def focused(script: str = "el => el"):
        return page.evaluate(f"() => ({script})(document.activeElement)")

    # From the top of the page to the first free day.
    presses = 0
    while presses < 20 and not focused("el => el.classList.contains('picker-day--available')"):
        page.keyboard.press("Tab")
        presses += 1
    assert presses <= 10, f"{presses} Tabs to reach the first day"
    # The focus ring is clearly visible: a 3px solid outline.
    ring = focused(
        "el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth"
    )
    assert ring == "solid 3px"

    page.keyboard.press("Tab")  # the next free day
    day_label = focused("el => el.getAttribute('aria-label')")
    page.keyboard.press("Enter")
    # After the day changes, focus stays on that day (not the top of the page) ...
    expect(page.locator(".picker-day--selected")).to_be_focused()
    assert focused("el => el.getAttribute('aria-label')") == day_label
    # ... and the result is announced.
    expect(page.locator("#picker-status")).to_have_text(
        re.compile(r"^\w+day \d{1,2} \w+: \d+ times? available$")
    )

    # Next month and back: focus stays on the month button pressed.
    next_month = page.get_by_role("link", name="Next month")
    next_month.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Next month")).to_be_focused()
    page.get_by_role("link", name="Previous month").focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("link", name="Previous month")).to_be_focused()

    # Into the times: Tab from the selected day reaches the first time in a few presses.
    page.locator(".picker-day--selected").focus()
    for _press in range(40):
        page.keyboard.press("Tab")
        if focused("el => el.classList.contains('picker-slot')"):
            break
    assert focused("el => el.classList.contains('picker-slot')")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile("/book/"))

    # The form: sent empty, focus lands on the first field to fix, tied to its message.
    for _press in range(10):
        page.keyboard.press("Tab")
        if focused("el => el.id") == "id_name":
            break
    assert focused("el => el.id") == "id_name"
    page.keyboard.press("Enter")
    expect(page.locator("#id_name")).to_be_focused()
    expect(page.locator("#id_name")).to_have_attribute("aria-invalid", "true")
    described = page.locator("#id_name").get_attribute("aria-describedby")
    expect(page.locator(f"#{described.split()[0]}")).to_have_text(re.compile("required"))
    page.keyboard.type("Kim Keys")
    page.keyboard.press("Tab")
    page.keyboard.type("kim@example.com")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("You're booked")
    assert Booking.objects.get().guest_email == "kim@example.com"


def hold_the_zone_redraw(page) -> list:
    """Holds the first visit's picker redraw (an htmx request) until the test lets it go."""
    held = []

    def route(route):
        if route.request.headers.get("hx-request") and not held:
            held.append(route)
        else:
            route.continue_()

    page.route(re.compile(r"/alice/intro/"), route)
    return held


def wait_for(page, condition) -> None:
    for _tick in range(100):
        if condition():
            return
        page.wait_for_timeout(50)
    raise AssertionError("never happened")


def test_a_redraw_landing_under_a_keyboard_guest_keeps_their_place(live_server, open_page, intro):
    page = open_page("Europe/London", viewport=VIEWPORTS[1])
    held = hold_the_zone_redraw(page)
    page.goto(f"{live_server.url}/alice/intro/")
    wait_for(page, lambda: held)
    # The guest tabs into the picker (drawn in the host's zone) before the redraw lands.
    for _press in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.id") == "tz-input":
            break
    page.keyboard.press("Tab")  # the 12h button
    held[0].continue_()
    expect(page.locator("#picker-area")).to_have_attribute("data-zone", "Europe/London")
    expect(page.get_by_role("button", name="12h")).to_be_focused()

    # A guest already typing a zone of their own is not overwritten by the redraw.
    page = open_page("Europe/London", viewport=VIEWPORTS[1])
    held = hold_the_zone_redraw(page)
    page.goto(f"{live_server.url}/alice/intro/")
    wait_for(page, lambda: held)
    box = page.get_by_role("combobox", name="Your timezone")
    box.click()
    box.press_sequentially("sao pa")
    held[0].continue_()
    page.wait_for_load_state("networkidle")
    expect(box).to_have_value("sao pa")
    expect(box).to_be_focused()
    expect(page.get_by_role("option").first).to_contain_text("Sao Paulo")

    # A guest who picks a day before the redraw lands keeps that day, shown in their zone.
    page = open_page("Europe/London", viewport=VIEWPORTS[1])
    held = hold_the_zone_redraw(page)
    page.goto(f"{live_server.url}/alice/intro/")
    wait_for(page, lambda: held)
    other_day = page.locator("a.picker-day--available:not(.picker-day--selected)").nth(2)
    label = other_day.get_attribute("aria-label").split(",")[0]
    other_day.click()
    expect(page.locator(".picker-day--selected")).to_have_attribute(
        "aria-label", re.compile(rf"^{label},")
    )
    held[0].continue_()
    expect(page.locator("#picker-area")).to_have_attribute("data-zone", "Europe/London")
    page.wait_for_load_state("networkidle")
    expect(page.locator(".picker-day--selected")).to_have_attribute(
        "aria-label", re.compile(rf"^{label},")
    )


def test_the_first_visit_is_one_page_load_of_a_small_page(live_server, open_page, intro):
    page = open_page("Asia/Tokyo", viewport=VIEWPORTS[0])
    documents = []
    page.on(
        "response",
        lambda response: (
            documents.append(response) if response.request.resource_type == "document" else None
        ),
    )
    page.goto(f"{live_server.url}/alice/intro/")
    # The server had no zone yet; the picker is redrawn in place, without reloading the page.
    expect(page.locator("#picker-area")).to_have_attribute("data-zone", "Asia/Tokyo")
    page.wait_for_load_state("networkidle")
    assert len(documents) == 1, [response.url for response in documents]
    html = documents[0].body()
    assert len(html) < 20 * 1024, f"{len(html)} bytes"
    slot = page.locator("a.picker-slot").first
    instant = dt.datetime.fromisoformat(slot.get_attribute("data-slot-start"))
    expect(slot).to_have_text(instant.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%H:%M"))


def test_the_zone_picker_finds_readable_zones_and_the_clock_toggles(live_server, open_page, intro):
    page = open_page("Europe/London", viewport=VIEWPORTS[1])
    page.goto(f"{live_server.url}/alice/intro/")
    box = page.get_by_role("combobox", name="Your timezone")
    box.click()
    box.fill("sao pa")
    option = page.get_by_role("option").first
    expect(option).to_contain_text("Sao Paulo")
    expect(option).to_contain_text(re.compile(r"GMT-3 · \d\d:\d\d"))
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"tz=America%2FSao_Paulo"))
    expect(page.locator("#picker-area")).to_have_attribute("data-zone", "America/Sao_Paulo")
    screenshot(page, "zone-picker")
    page.get_by_role("button", name="12h").click()
    expect(page.locator("a.picker-slot").first).to_have_text(re.compile(r"^\d{1,2}:\d\d(am|pm)$"))
    expect(page.get_by_role("button", name="12h")).to_have_attribute("aria-pressed", "true")
    assert_accessible(page)
