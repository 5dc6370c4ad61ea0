"""The host's timezone fields (settings, weekly hours) are the guest page's searchable picker:
readable zones with their offset and time, chosen by keyboard alone, axe-clean. In Chromium."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import VIEWPORTS, assert_accessible, log_in, screenshot
from tests.conftest import make_host

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda size: f"{size['width']}")
def test_a_host_picks_zones_by_keyboard_in_settings_and_weekly_hours(
    live_server, open_page, viewport
):
    alice = make_host("alice@example.com", "alice", "America/New_York")
    page = open_page("America/New_York", viewport=viewport)
    log_in(page, live_server.url)
    name = f"zone-fields-{viewport['width']}"

    page.goto(f"{live_server.url}/dashboard/settings/")
    box = page.get_by_role("combobox", name="Your timezone")
    expect(box).to_have_value(re.compile(r"^New York \(GMT-[45]\) · \d\d:\d\d$"))
    assert page.locator("select[name=timezone]").count() == 0
    box.focus()
    page.keyboard.type("tokyo")
    options = page.get_by_role("listbox", name="Timezones").get_by_role("option")
    expect(options.first).to_contain_text("Tokyo, Asia")
    expect(options.first).to_contain_text(re.compile(r"GMT\+9 · \d\d:\d\d"))
    expect(box).to_have_attribute("aria-expanded", "true")
    assert_accessible(page)
    screenshot(page, f"{name}-settings")
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "id_timezone-option-0")
    page.keyboard.press("Enter")
    expect(box).to_have_value(re.compile(r"^Tokyo \(GMT\+9\) · \d\d:\d\d$"))
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_be_focused()  # Enter chose; it did not send the form
    page.get_by_role("button", name="Save").first.click()
    expect(page.get_by_role("combobox", name="Your timezone")).to_have_value(
        re.compile(r"^Tokyo \(GMT\+9\)")
    )
    alice.refresh_from_db()
    assert alice.timezone == "Asia/Tokyo"

    # Weekly hours: Escape keeps the zone; a typed city chosen by keyboard is saved with Save.
    page.goto(f"{live_server.url}/dashboard/availability/")
    box = page.get_by_role("combobox", name="Timezone of your hours")
    expect(box).to_have_value(re.compile(r"^Tokyo \(GMT\+9\)"))
    box.focus()
    page.keyboard.type("berl")
    page.keyboard.press("Escape")
    expect(box).to_have_value(re.compile(r"^Tokyo \(GMT\+9\)"))
    page.keyboard.type("berl")
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(box).to_have_value(re.compile(r"^Berlin \(GMT\+[12]\) · \d\d:\d\d$"))
    assert_accessible(page)
    screenshot(page, f"{name}-hours")
    page.get_by_role("button", name="Save", exact=True).click()
    saved = page.get_by_text(re.compile("Weekly hours saved, read in Europe/Berlin"))
    expect(saved).to_be_visible()
    alice.refresh_from_db()
    assert alice.timezone == "Europe/Berlin"
