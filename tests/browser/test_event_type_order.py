"""A host drags an event type by its handle to a new place (mouse or touch); the arrows still
move it by keyboard; the order is saved and is what guests see. In Chromium."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from bookings.models import EventType
from tests.browser.conftest import VIEWPORTS, assert_accessible, log_in, screenshot
from tests.conftest import make_event_type, make_host

pytestmark = pytest.mark.django_db(transaction=True)


def saved_order(host) -> list[str]:
    return list(EventType.objects.for_host(host).values_list("title", flat=True))


@pytest.mark.parametrize("viewport", VIEWPORTS, ids=lambda size: f"{size['width']}")
def test_a_host_drags_an_event_type_and_keyboards_use_the_arrows(live_server, open_page, viewport):
    alice = make_host("alice@example.com", "alice", "America/New_York")
    for position, title in enumerate(["Intro", "Consult", "Workshop"]):
        make_event_type(alice, title.lower(), title=title, position=position)
    page = open_page("America/New_York", viewport=viewport)
    log_in(page, live_server.url)
    page.goto(f"{live_server.url}/dashboard/event-types/")
    items = page.locator(".et-item")
    expect(items.first).to_have_attribute("data-et-title", "Intro")

    # Drag Workshop's handle above Intro.
    handle = page.locator("[data-et-id] [data-et-drag]").nth(2)
    handle.hover()
    target = items.first.bounding_box()  # after the hover scrolled the handle into view
    page.mouse.down()
    page.mouse.move(target["x"] + 20, target["y"] + 10, steps=8)
    page.mouse.up()
    expect(page.locator("#et-order-status")).to_have_text("Moved Workshop to place 1 of 3.")
    assert saved_order(alice) == ["Workshop", "Intro", "Consult"]
    expect(page.get_by_role("button", name="Move Workshop up")).to_be_disabled()
    expect(page.get_by_role("button", name="Move Consult down")).to_be_disabled()
    assert_accessible(page)
    screenshot(page, f"event-types-dragged-{viewport['width']}")

    # Keyboard: the arrows move a type one place.
    page.get_by_role("button", name="Move Consult up").focus()
    page.keyboard.press("Enter")
    expect(page.locator(".et-item").nth(1)).to_have_attribute("data-et-title", "Consult")
    assert saved_order(alice) == ["Workshop", "Consult", "Intro"]

    page.goto(f"{live_server.url}/alice/")
    titles = page.locator("main a").filter(has_text="min")
    expect(titles.first).to_contain_text("Workshop")
