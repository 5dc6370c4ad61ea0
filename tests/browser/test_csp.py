"""Every page works under the Content-Security-Policy: Chromium reports no violation and no
script error on any public, account, dashboard or admin page, and the pages' scripts (timezone
detection, htmx navigation, auto-submitting selects, calendar positions) still run."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from availability.services import save_busy_block
from bookings.links import guest_links
from bookings.services import create_booking
from tests.browser.conftest import screenshot
from tests.conftest import make_event_type, make_host

pytestmark = pytest.mark.django_db(transaction=True)

WATCH_CSP = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " " + e.blockedURI + " " + (e.sourceFile || ""));
});
"""


@pytest.fixture
def world(transactional_db):
    alice = make_host("alice@example.com", "alice", "America/New_York", weekdays=range(7))
    alice.is_staff = alice.is_superuser = True
    alice.save()
    intro = make_event_type(alice, "intro", description="A first chat.")
    soon = timezone.now().astimezone(alice.zone).replace(minute=0, second=0, microsecond=0)
    start = (soon + dt.timedelta(days=2)).replace(hour=10)
    booking = create_booking(
        event_type=intro,
        start=start.astimezone(dt.UTC),
        guest_name="Gina Guest",
        guest_email="gina@example.com",
        guest_timezone="Europe/London",
    )
    save_busy_block(
        alice, start=start + dt.timedelta(hours=3), end=start + dt.timedelta(hours=4), reason="Gym"
    )
    return {"alice": alice, "intro": intro, "booking": booking, "links": guest_links(booking)}


def visit_all(page, base, paths):
    problems = []
    page.on("pageerror", lambda error: problems.append(f"script error: {error}"))

    # Documents answered 403/404 on purpose show up as "Failed to load resource"; what
    # matters is that no script, style or other asset failed, and nothing was blocked.
    def on_console(message):
        blocked = "Content Security Policy" in message.text
        if blocked or (message.type == "error" and "Failed to load resource" not in message.text):
            problems.append(f"console: {message.text}")

    def on_response(response):
        asset = response.request.resource_type != "document" and "favicon" not in response.url
        if asset and response.status >= 400:
            problems.append(f"asset {response.status}: {response.url}")

    page.on("console", on_console)
    page.on("response", on_response)
    for path, expected in paths:
        response = page.goto(base + path)
        page.wait_for_load_state("networkidle")
        assert response.status == expected, (path, response.status)
        problems += [f"{path}: {v}" for v in page.evaluate("window.__csp || []")]
    return problems


def test_no_page_breaks_the_content_security_policy(live_server, open_page, world):
    page = open_page("Asia/Tokyo")
    page.add_init_script(WATCH_CSP)
    booking, links = world["booking"], world["links"]
    public = [
        ("/", 200),
        ("/?handle=alice", 200),
        ("/alice/", 200),
        ("/alice/intro/?tz=Asia/Tokyo", 200),
        (f"/alice/intro/book/?start={booking.start.isoformat().replace('+', '%2B')}", 200),
        (links.view_path, 200),
        (f"/booking/{booking.uid}/reschedule/?token={links.reschedule_token}", 200),
        (f"/booking/{booking.uid}/cancel/?token={links.cancel_token}", 200),
        (f"/booking/{booking.uid}/cancel/?token=forged", 403),
        ("/accounts/signup/", 200),
        ("/accounts/password-reset/", 200),
        ("/no-such-person-here/", 404),
        ("/accounts/login/", 200),
    ]
    problems = visit_all(page, live_server.url, public)

    # The timezone picker (static JS, no inline handlers) moves the page to the chosen zone.
    page.goto(f"{live_server.url}/alice/intro/?tz=Asia/Tokyo")
    box = page.get_by_role("combobox", name="Your timezone")
    box.click()
    box.fill("paris")
    page.get_by_role("option").first.wait_for()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.wait_for_url("**tz=Europe%2FParis**")

    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill("pw-for-tests-123")
    page.get_by_role("button", name="Log in").click()
    page.wait_for_url("**/dashboard/**")
    dashboard = [
        ("/dashboard/", 200),
        ("/dashboard/settings/", 200),
        ("/dashboard/event-types/", 200),
        ("/dashboard/event-types/new/", 200),
        (f"/dashboard/event-types/{world['intro'].pk}/", 200),
        ("/dashboard/availability/", 200),
        ("/dashboard/availability/overrides/", 200),
        ("/dashboard/availability/blocked/", 200),
        ("/dashboard/bookings/", 200),
        ("/dashboard/bookings/new/", 200),
        (f"/dashboard/bookings/{booking.uid}/", 200),
        ("/dashboard/calendar/?view=month", 200),
        ("/dashboard/calendar/?view=day&date=" + booking.start.date().isoformat(), 200),
        ("/dashboard/calendar/?view=week&date=" + booking.start.date().isoformat(), 200),
        ("/admin/", 200),
        ("/admin/bookings/booking/", 200),
    ]
    problems += visit_all(page, live_server.url, dashboard)
    # Calendar items are positioned by the static script from their data attributes.
    page.goto(f"{live_server.url}/dashboard/calendar/?view=week&date={booking.start.date()}")
    slab = page.locator("a.cal-event").first
    assert slab.evaluate("el => el.style.top").endswith("%")
    assert slab.evaluate("el => el.getBoundingClientRect().height") > 5
    screenshot(page, "calendar-under-csp")
    assert problems == []
