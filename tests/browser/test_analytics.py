"""A host opens the analytics page in Chromium: the charts draw from the page's JSON data, and
each chart's summary and data table are there; a card leads to the rows behind it."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from analytics import rollup
from bookings import services
from tests.browser.conftest import screenshot
from tests.conftest import make_event_type, make_host

pytestmark = pytest.mark.django_db(transaction=True)

CHARTS = ("bookings", "changes", "heatmap", "lead", "conversion")


@pytest.fixture
def alice_with_bookings(transactional_db):
    alice = make_host("alice@example.com", "alice", "America/New_York")
    intro = make_event_type(alice, "intro")
    start = (timezone.now() + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    bookings = [
        services.create_booking(
            event_type=intro,
            start=start + dt.timedelta(hours=hour),
            guest_name=f"Guest {hour}",
            guest_email=f"g{hour}@example.com",
            guest_timezone="Europe/London",
            by_host=True,
        )
        for hour in range(3)
    ]
    services.cancel_booking(bookings[0], by="guest", reason="Sorry")
    rollup.rollup_dirty_days()
    return alice


def test_the_host_sees_charts_with_summaries_and_tables(
    live_server, open_page, alice_with_bookings
):
    page = open_page("America/New_York")
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Email").fill("alice@example.com")
    page.get_by_label("Password").fill("pw-for-tests-123")
    page.get_by_role("button", name=re.compile("Log in", re.I)).click()
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Analytics").click()
    expect(page.get_by_role("heading", name="Analytics", exact=True)).to_be_visible()

    for chart in CHARTS:
        canvas = page.locator(f'canvas[data-chart="{chart}"]')
        expect(canvas).to_be_visible()
        # Chart.js drew into it (the script sets element.chart) at a real size.
        assert page.evaluate(
            f"""() => {{
                const c = document.querySelector('canvas[data-chart="{chart}"]');
                return Boolean(c.chart) && c.width > 100 && c.height > 100;
            }}"""
        ), chart
        figure = page.locator(f"#chart-{chart}")
        expect(figure.locator("figcaption")).not_to_be_empty()
        figure.get_by_text("Data table").click()
        expect(figure.locator("table")).to_be_visible()
    expect(page.locator("#chart-bookings figcaption")).to_contain_text("3 bookings made in all")
    expect(page.locator("#chart-changes figcaption")).to_contain_text("1 cancellations")
    screenshot(page, "analytics")
    assert errors == []

    # The card's number is the number of rows behind it.
    card = page.locator('[data-figure="created"]')
    expect(card.locator(".analytics-card-value")).to_have_text("3")
    card.get_by_role("link").click()
    expect(page.locator(".analytics-drill-count")).to_have_text("3")
    expect(page.locator("tr.analytics-drill-row")).to_have_count(3)
    screenshot(page, "analytics-drill-down")
