"""hCaptcha on the booking form, sign-up and password reset: off without keys; with keys a
passing answer is needed; an hCaptcha outage lets forms through under the stricter limit.
All through django-hcaptcha-field against a local fake of the verify endpoint."""

from __future__ import annotations

import pytest
from django.urls import reverse

from notifications.models import EmailDelivery
from tests.conftest import at
from tests.fakes.hcaptcha_server import TEST_RESPONSE, TEST_SECRET, TEST_SITEKEY, FakeHCaptcha

pytestmark = pytest.mark.django_db


def queued_emails() -> int:
    """Account emails go through the outbox (sent by Celery after commit): count its rows."""
    return EmailDelivery.objects.count()


@pytest.fixture
def hcaptcha(settings):
    fake = FakeHCaptcha().start()
    settings.HCAPTCHA_SITEKEY = TEST_SITEKEY
    settings.HCAPTCHA_SECRET = TEST_SECRET
    settings.HCAPTCHA_VERIFY_URL = f"{fake.url}/siteverify"
    settings.HCAPTCHA_JS_API_URL = f"{fake.url}/1/api.js"
    settings.HCAPTCHA_TIMEOUT = 1
    yield fake
    fake.stop()


def booking_post(client, intro, captcha=None, hour=9, email="gina@example.com"):
    data = {
        "start": at(f"2026-03-02 {hour:02d}:00").isoformat(),
        "timezone": "Europe/London",
        "name": "Gina Guest",
        "email": email,
    }
    if captcha is not None:
        data["h-captcha-response"] = captcha
    return client.post(reverse("event-book", args=["alice", "intro"]), data)


def test_without_keys_there_is_no_widget_and_no_check(client, intro, frozen_now):
    page = client.get(
        reverse("event-book", args=["alice", "intro"]),
        {"start": at("2026-03-02 09:00").isoformat()},
    )
    assert b"h-captcha" not in page.content
    assert booking_post(client, intro).status_code == 302


def test_with_keys_the_booking_page_shows_the_widget(client, intro, frozen_now, hcaptcha):
    page = client.get(
        reverse("event-book", args=["alice", "intro"]),
        {"start": at("2026-03-02 09:00").isoformat()},
    )
    assert b'class="h-captcha"' in page.content
    assert TEST_SITEKEY.encode() in page.content
    assert f"{hcaptcha.url}/1/api.js".encode() in page.content


def test_a_missing_or_wrong_answer_is_refused_and_nothing_is_booked(
    client, intro, frozen_now, hcaptcha
):
    missing = booking_post(client, intro)
    wrong = booking_post(client, intro, captcha="20000000-aaaa-bbbb-cccc-000000000002")
    assert missing.status_code == 400 and wrong.status_code == 400
    assert b"person" in missing.content
    assert intro.bookings.count() == 0
    assert hcaptcha.verifications[-1]["secret"] == TEST_SECRET


def test_a_passing_answer_books(client, intro, frozen_now, hcaptcha):
    response = booking_post(client, intro, captcha=TEST_RESPONSE)
    assert response.status_code == 302
    assert intro.bookings.count() == 1
    assert hcaptcha.verifications[-1]["response"] == TEST_RESPONSE
    assert hcaptcha.verifications[-1]["sitekey"] == TEST_SITEKEY


@pytest.mark.parametrize("mode", ["error", "hang"])
def test_an_outage_lets_guests_through_under_the_stricter_limit(
    client, intro, frozen_now, hcaptcha, settings, mode, caplog
):
    hcaptcha.mode = mode
    hcaptcha.hang_seconds = 3  # longer than HCAPTCHA_TIMEOUT
    settings.RATELIMITS = {**settings.RATELIMITS, "captcha-outage-per-ip": "2/h"}
    statuses = [
        booking_post(client, intro, captcha="anything", hour=9 + n, email=f"g{n}@x.com").status_code
        for n in range(3)
    ]
    assert statuses == [302, 302, 429]
    assert intro.bookings.count() == 2
    assert any("letting the form through" in record.getMessage() for record in caplog.records)


def test_the_api_has_no_captcha(client, intro, frozen_now, hcaptcha):
    body = {
        "start": at("2026-03-02 09:00").isoformat(),
        "name": "Gina",
        "email": "gina@example.com",
        "timezone": "UTC",
    }
    url = reverse("api-booking-create", args=["alice", "intro"])
    assert client.post(url, body, content_type="application/json").status_code == 201
    assert hcaptcha.verifications == []


def test_sign_up_needs_the_captcha(client, db, hcaptcha):
    url = reverse("sign-up")
    assert client.post(url, {"email": "new@example.com"}).status_code == 200
    assert queued_emails() == 0
    passed = client.post(url, {"email": "new@example.com", "h-captcha-response": TEST_RESPONSE})
    assert passed.status_code == 200 and queued_emails() == 1


def test_password_reset_needs_the_captcha(client, alice, hcaptcha):
    url = reverse("password_reset")
    assert client.post(url, {"email": "alice@example.com"}).status_code == 200
    assert queued_emails() == 0
    passed = client.post(url, {"email": "alice@example.com", "h-captcha-response": TEST_RESPONSE})
    assert passed.status_code == 302 and queued_emails() == 1


def test_the_csp_allows_hcaptcha_only_when_configured(settings):
    from security.csp import content_security_policy

    assert "https://*.hcaptcha.com" not in str(settings.CONTENT_SECURITY_POLICY)
    with_captcha = content_security_policy("https://js.hcaptcha.com/1/api.js")["DIRECTIVES"]
    for directive in ("script-src", "style-src", "frame-src", "connect-src"):
        assert "https://*.hcaptcha.com" in with_captcha[directive]
