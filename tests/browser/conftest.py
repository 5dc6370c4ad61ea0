"""A real browser: Debian's Chromium driven by Playwright against pytest-django's live server.

Screenshots of the pages visited go to test-artifacts/ (ignored by git).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

# Playwright's sync API runs an event loop in the test thread; the test's own ORM calls are
# still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
LAUNCH_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not shutil.which(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: make test installs Debian's chromium package")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def open_page(browser):
    """open_page(timezone_id) -> a fresh page whose clock reads in that timezone."""
    contexts = []

    def opener(timezone_id: str = "UTC", **options):
        context = browser.new_context(timezone_id=timezone_id, locale="en-GB", **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield opener
    for context in contexts:
        context.close()


def screenshot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


# The two sizes every page is tried at: a phone and a laptop.
VIEWPORTS = [{"width": 390, "height": 844}, {"width": 1280, "height": 800}]


def assert_accessible(page) -> None:
    """axe-core (bundled with axe-playwright-python, no network) finds no violation."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def assert_no_sideways_scroll(page) -> None:
    overflow = page.evaluate(
        "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px"


@pytest.fixture
def google(settings, live_server):
    """The local Google fake, with the settings (and BASE_URL) pointed at it and the server."""
    from tests.fakes.google_server import FakeGoogle

    fake = FakeGoogle().start()
    settings.BASE_URL = live_server.url
    fake.point_settings_here(settings)
    settings.MICROSOFT_CLIENT_ID = ""
    yield fake
    fake.stop()


def log_in(page, base_url: str, email: str = "alice@example.com") -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill("pw-for-tests-123")
    page.get_by_role("button", name="Log in").click()


def connect_google_calendar(page) -> None:
    """From the dashboard, through the fake's consent screen, back to Calendars."""
    page.get_by_role("navigation", name="Dashboard").get_by_role("link", name="Calendars").click()
    page.get_by_role("button", name="Connect Google Calendar").click()
    page.get_by_role("link", name="Allow").click()
