"""Rate limits on the public entry points: hit, reset after the window, per IP / email /
booking / account, spoofed X-Forwarded-For, the 429 shapes and the refusal counts."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from notifications.models import EmailDelivery
from security.models import RefusalCount
from security.refusals import daily_counts
from tests.conftest import at, book

pytestmark = pytest.mark.django_db


def queued_emails() -> int:
    """Account emails go through the outbox (sent by Celery after commit): count its rows."""
    return EmailDelivery.objects.count()


@pytest.fixture
def limits(settings):
    """limits(name="2/m", ...) sets those rates for the test."""

    def set_rates(**rates):
        settings.RATELIMITS = {
            **settings.RATELIMITS,
            **{name.replace("_", "-"): rate for name, rate in rates.items()},
        }

    return set_rates


def api_book(client, event_type, start, *, email="gina@example.com", ip="203.0.113.7", **extra):
    url = reverse("api-booking-create", args=[event_type.host.handle, event_type.slug])
    body = {
        "start": start.isoformat(),
        "name": "Gina Guest",
        "email": email,
        "timezone": "Europe/London",
    }
    return client.post(url, body, content_type="application/json", REMOTE_ADDR=ip, **extra)


def page_book(client, event_type, start, *, email="gina@example.com", ip="203.0.113.7"):
    url = reverse("event-book", args=[event_type.host.handle, event_type.slug])
    data = {"start": start.isoformat(), "timezone": "Europe/London", "name": "Gina Guest"}
    return client.post(url, {**data, "email": email}, REMOTE_ADDR=ip)


def test_api_bookings_per_ip_are_refused_with_429_retry_after_and_the_error_shape(
    client, intro, frozen_now, limits
):
    limits(booking_per_ip="2/h")
    first = api_book(client, intro, at("2026-03-02 09:00"), email="a@example.com")
    second = api_book(client, intro, at("2026-03-02 10:00"), email="b@example.com")
    third = api_book(client, intro, at("2026-03-02 11:00"), email="c@example.com")
    assert [first.status_code, second.status_code] == [201, 201]
    assert third.status_code == 429
    body = third.json()
    assert body["code"] == "RATE_LIMITED" and body["error"]
    retry_after = int(third["Retry-After"])
    assert 1 <= retry_after <= 3600 and body["details"] == {"retry_after": retry_after}
    # Nothing was booked by the refused request.
    assert intro.bookings.count() == 2


def test_another_ip_is_not_affected(client, intro, frozen_now, limits):
    limits(booking_per_ip="1/h")
    assert api_book(client, intro, at("2026-03-02 09:00"), email="a@x.com").status_code == 201
    assert api_book(client, intro, at("2026-03-02 10:00"), email="b@x.com").status_code == 429
    other = api_book(client, intro, at("2026-03-02 10:00"), email="b@x.com", ip="198.51.100.9")
    assert other.status_code == 201


def test_bookings_per_email_are_limited_across_ips_and_case(client, intro, frozen_now, limits):
    limits(booking_per_email="2/h")
    statuses = [
        api_book(client, intro, at(f"2026-03-02 {hour:02d}:00"), email=email, ip=ip).status_code
        for hour, email, ip in [
            (9, "gina@example.com", "203.0.113.1"),
            (10, "GINA@example.com", "203.0.113.2"),
            (11, "gina@example.com", "203.0.113.3"),
        ]
    ]
    assert statuses == [201, 201, 429]
    # A different guest from the same address space still books.
    assert (
        api_book(client, intro, at("2026-03-02 12:00"), email="hal@example.com").status_code == 201
    )


def test_the_limit_resets_after_the_window(client, intro, limits):
    limits(booking_per_ip="1/m")
    with time_machine.travel(dt.datetime(2026, 2, 27, 15, 0, tzinfo=dt.UTC), tick=False) as clock:
        assert api_book(client, intro, at("2026-03-02 09:00"), email="a@x.com").status_code == 201
        refused = api_book(client, intro, at("2026-03-02 10:00"), email="b@x.com")
        assert refused.status_code == 429
        clock.shift(int(refused["Retry-After"]) + 1)
        assert api_book(client, intro, at("2026-03-02 10:00"), email="b@x.com").status_code == 201


def test_the_booking_page_refuses_with_a_friendly_429_page(client, intro, frozen_now, limits):
    limits(booking_per_ip="1/h")
    first = page_book(client, intro, at("2026-03-02 09:00"), email="a@example.com")
    assert first.status_code == 302
    refused = page_book(client, intro, at("2026-03-02 10:00"), email="b@example.com")
    assert refused.status_code == 429
    assert "Retry-After" in refused
    assert b"Please slow down" in refused.content
    assert intro.bookings.count() == 1


def test_page_and_api_share_the_booking_limits(client, intro, frozen_now, limits):
    limits(booking_per_email="1/h")
    assert page_book(client, intro, at("2026-03-02 09:00")).status_code == 302
    assert api_book(client, intro, at("2026-03-02 10:00")).status_code == 429


def test_slot_queries_are_limited_per_ip(client, intro, frozen_now, limits):
    limits(slots_per_ip="3/m")
    url = reverse("api-slots", args=["alice", "intro"])
    statuses = [client.get(url, REMOTE_ADDR="203.0.113.7").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    page = reverse("event-page", args=["alice", "intro"])
    assert client.get(page, REMOTE_ADDR="203.0.113.7").status_code == 429
    assert client.get(page, REMOTE_ADDR="203.0.113.8").status_code == 200


def test_guest_changes_are_limited_per_booking(client, intro, frozen_now, limits):
    from bookings.links import guest_links

    limits(guest_change_per_booking="2/h")
    booking = book(intro, at("2026-03-02 09:00"))
    links = guest_links(booking)
    url = reverse("api-booking-reschedule", args=[booking.uid])
    statuses = []
    for index, ip in enumerate(["203.0.113.1", "203.0.113.2", "203.0.113.3"]):
        body = {"token": "wrong-token", "start": at(f"2026-03-02 1{index}:00").isoformat()}
        statuses.append(
            client.post(url, body, content_type="application/json", REMOTE_ADDR=ip).status_code
        )
    assert statuses == [403, 403, 429]
    cancel_page = reverse("booking-cancel", args=[booking.uid])
    response = client.post(f"{cancel_page}?token={links.cancel_token}", {"reason": "x"})
    assert response.status_code == 429


def test_spoofed_forwarded_for_does_not_dodge_the_limit(client, intro, frozen_now, limits):
    limits(booking_per_ip="1/h")
    assert api_book(client, intro, at("2026-03-02 09:00"), email="a@x.com").status_code == 201
    spoofed = api_book(
        client,
        intro,
        at("2026-03-02 10:00"),
        email="b@x.com",
        HTTP_X_FORWARDED_FOR="198.51.100.1",
    )
    assert spoofed.status_code == 429


def test_with_a_trusted_proxy_the_client_is_the_address_it_appended(
    client, intro, frozen_now, limits, settings
):
    settings.TRUSTED_PROXY_COUNT = 1
    limits(booking_per_ip="1/h")
    proxy = "10.0.0.2"

    def through_proxy(hour, email, forwarded_for):
        return api_book(
            client,
            intro,
            at(f"2026-03-02 {hour:02d}:00"),
            email=email,
            ip=proxy,
            HTTP_X_FORWARDED_FOR=forwarded_for,
        ).status_code

    assert through_proxy(9, "a@x.com", "203.0.113.7") == 201
    # The client puts a fake address in front; the proxy appends the real one.
    assert through_proxy(10, "b@x.com", "198.51.100.1, 203.0.113.7") == 429
    # A different real client behind the same proxy is not held back.
    assert through_proxy(10, "b@x.com", "203.0.113.8") == 201


def test_sign_up_is_limited_per_ip_and_per_address(client, db, limits):
    limits(signup_per_ip="3/h", signup_per_email="2/h")
    url = reverse("sign-up")
    same = [
        client.post(url, {"email": "victim@example.com"}, REMOTE_ADDR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]
    assert same == [200, 200, 429]
    many = [
        client.post(url, {"email": f"p{n}@example.com"}, REMOTE_ADDR="198.51.100.1").status_code
        for n in range(4)
    ]
    assert many == [200, 200, 200, 429]
    assert queued_emails() == 5


def test_password_reset_is_limited_per_ip_and_per_address(client, alice, limits):
    limits(password_reset_per_ip="3/h", password_reset_per_email="2/h")
    url = reverse("password_reset")
    same = [
        client.post(url, {"email": "alice@example.com"}, REMOTE_ADDR=f"203.0.113.{n}").status_code
        for n in range(3)
    ]
    assert same == [302, 302, 429]
    assert queued_emails() == 2
    many = [
        client.post(url, {"email": f"x{n}@example.com"}, REMOTE_ADDR="198.51.100.1").status_code
        for n in range(4)
    ]
    assert many == [302, 302, 302, 429]


@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_failed_log_ins_lock_the_account_for_a_while_even_with_the_right_password(
    client, alice, limits, login_url
):
    limits(login_failures_per_account="3/15m")
    alice.is_staff = True
    alice.save()
    for n in range(3):
        wrong = {"username": "alice@example.com", "password": f"guess-{n}"}
        assert client.post(login_url, wrong, REMOTE_ADDR=f"203.0.113.{n}").status_code == 200
    right = {"username": "alice@example.com", "password": "pw-for-tests-123"}
    assert client.post(login_url, right, REMOTE_ADDR="198.51.100.1").status_code == 429


def test_successful_log_ins_do_not_count_against_the_account(client, alice, limits):
    limits(login_failures_per_account="2/15m")
    right = {"username": "alice@example.com", "password": "pw-for-tests-123"}
    for _ in range(4):
        assert client.post("/accounts/login/", right).status_code == 302
        client.logout()


@pytest.mark.parametrize("login_url", ["/accounts/login/", "/admin/login/"])
def test_log_ins_are_limited_per_ip(client, db, limits, login_url):
    limits(login_per_ip="3/15m")
    statuses = [
        client.post(login_url, {"username": f"u{n}@x.com", "password": "x"}).status_code
        for n in range(4)
    ]
    assert statuses == [200, 200, 200, 429]


def test_limits_can_be_switched_off(client, intro, frozen_now, limits, settings):
    limits(booking_per_ip="1/h")
    settings.RATELIMIT_ENABLE = False
    for hour in (9, 10, 11):
        email = f"g{hour}@x.com"
        assert (
            api_book(client, intro, at(f"2026-03-02 {hour:02d}:00"), email=email).status_code == 201
        )


def test_refusals_are_counted_per_day_and_endpoint(client, intro, frozen_now, limits):
    limits(booking_per_ip="1/h", slots_per_ip="1/m")
    api_book(client, intro, at("2026-03-02 09:00"), email="a@x.com")
    for hour in (10, 11):
        api_book(client, intro, at(f"2026-03-02 {hour:02d}:00"), email=f"{hour}@x.com")
    slots = reverse("api-slots", args=["alice", "intro"])
    for _ in range(3):
        client.get(slots)
    today = frozen_now.date()
    counts = {(row.endpoint, row.count) for row in daily_counts(today, today)}
    assert counts == {("api-booking-create", 2), ("api-slots", 2)}
    assert RefusalCount.objects.get(endpoint="api-slots").limit == "slots-per-ip"
    assert daily_counts(today + dt.timedelta(days=1), today + dt.timedelta(days=2)) == []


def test_the_openapi_document_describes_the_429(client, db):
    document = client.get(reverse("api-openapi")).json()
    create = document["paths"]["/api/v1/{handle}/{slug}/bookings"]["post"]
    assert "Retry-After" in create["responses"]["429"]["headers"]
    assert (
        "RATE_LIMITED" in document["components"]["schemas"]["Error"]["properties"]["code"]["enum"]
    )


def test_every_public_route_has_a_limit_or_a_stated_exemption():
    """Walk the URL tree: anything reachable without logging in must be rate limited."""
    from django.urls import URLPattern, URLResolver, get_resolver

    unprotected = []

    def walk(patterns, prefix=""):
        for entry in patterns:
            route = prefix + str(entry.pattern)
            if isinstance(entry, URLResolver):
                if route.startswith(("dashboard/", "admin/")):
                    continue  # need a log-in (the admin log-in is checked below)
                walk(entry.url_patterns, route)
            elif isinstance(entry, URLPattern):
                view = entry.callback
                if route in ("healthz", "readyz"):
                    continue  # load balancers; no I/O on user input
                if not (
                    getattr(view, "rate_limits", None) or getattr(view, "rate_limit_exempt", None)
                ):
                    unprotected.append(route)

    walk(get_resolver().url_patterns)
    assert unprotected == []
    from django.contrib import admin

    assert admin.site.login.rate_limits == ("login-per-ip", "login-failures-per-account")


def test_booking_emails_per_ip_are_bounded(
    client, intro, frozen_now, mailoutbox, limits, after_commit
):
    """The probe from the issue, shortened: only the limit's worth of bookings go through."""
    limits(booking_per_ip="5/h")
    statuses = []
    start = at("2026-03-02 09:00")
    for n in range(30):
        when = start + dt.timedelta(days=n // 8, minutes=30 * (n % 8))
        statuses.append(
            after_commit(api_book, client, intro, when, email=f"target{n}@example.com").status_code
        )
    assert statuses.count(201) == 5 and statuses.count(429) == 25


def test_a_limit_check_is_one_round_trip_to_redis_and_its_counter_expires(
    client, intro, frozen_now, limits, monkeypatch
):
    """Counting costs one batch to Redis (SET NX EX and INCRBY in one MULTI), not the add,
    exists and incr of Django's cache API; the counter still expires after its window."""
    from django.core.cache import caches
    from redis.connection import Connection

    limits(slots_per_ip="2/m")
    redis = caches["ratelimit"]._cache.get_client(write=True)
    before = set(redis.keys("*"))
    sends = []
    original = Connection.send_packed_command
    monkeypatch.setattr(
        Connection,
        "send_packed_command",
        lambda self, *args, **kwargs: sends.append(1) or original(self, *args, **kwargs),
    )
    url = reverse("api-slots", args=["alice", "intro"])
    statuses = [client.get(url, REMOTE_ADDR="203.0.113.9").status_code for _ in range(3)]
    assert statuses == [200, 200, 429]
    assert len(sends) == 3
    monkeypatch.undo()
    (key,) = set(redis.keys("*")) - before
    assert redis.get(key) == b"3"
    assert 0 < redis.ttl(key) <= 60 + 5
