"""ICS subscriptions: safe fetching (SSRF, size, time, conditional GET) and expansion."""

from __future__ import annotations

import datetime as dt

import pytest

from availability.models import BusyBlock
from calendars import ics, services
from calendars.models import IcsSubscription
from tests.fakes.ics_server import FakeIcsHost

pytestmark = pytest.mark.django_db

CALENDAR = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//EN
X-WR-TIMEZONE:Europe/Paris
BEGIN:VTIMEZONE
TZID:America/Los_Angeles
BEGIN:STANDARD
DTSTART:19701101T020000
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU
TZOFFSETFROM:-0700
TZOFFSETTO:-0800
END:STANDARD
BEGIN:DAYLIGHT
DTSTART:19700308T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU
TZOFFSETFROM:-0800
TZOFFSETTO:-0700
END:DAYLIGHT
END:VTIMEZONE
BEGIN:VEVENT
UID:weekly@test
DTSTAMP:20260101T000000Z
DTSTART;TZID=America/Los_Angeles:20260302T090000
DTEND;TZID=America/Los_Angeles:20260302T093000
RRULE:FREQ=WEEKLY;COUNT=3
EXDATE;TZID=America/Los_Angeles:20260316T090000
END:VEVENT
BEGIN:VEVENT
UID:weekly@test
RECURRENCE-ID;TZID=America/Los_Angeles:20260309T090000
DTSTAMP:20260101T000000Z
DTSTART;TZID=America/Los_Angeles:20260310T110000
DTEND;TZID=America/Los_Angeles:20260310T113000
END:VEVENT
BEGIN:VEVENT
UID:free@test
DTSTAMP:20260101T000000Z
DTSTART:20260303T140000Z
DTEND:20260303T150000Z
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
UID:cancelled@test
DTSTAMP:20260101T000000Z
DTSTART:20260303T160000Z
DTEND:20260303T170000Z
STATUS:CANCELLED
END:VEVENT
BEGIN:VEVENT
UID:holiday@test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20260304
DTEND;VALUE=DATE:20260305
END:VEVENT
END:VCALENDAR
"""


@pytest.fixture
def published(settings):
    settings.ICS_ALLOW_PRIVATE_URLS = True
    fake = FakeIcsHost(CALENDAR).start()
    yield fake
    fake.stop()


def utc(*parts):
    return dt.datetime(*parts, tzinfo=dt.UTC)


def test_a_subscription_becomes_busy_blocks(
    client, alice, intro, frozen_now, published, django_capture_on_commit_callbacks
):
    client.force_login(alice)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/dashboard/calendars/ics/", {"name": "Family", "url": published.url}
        )
    assert response.status_code == 302
    spans = sorted((b.start, b.end) for b in BusyBlock.objects.filter(host=alice, source="ics"))
    assert spans == [
        (utc(2026, 3, 2, 17, 0), utc(2026, 3, 2, 17, 30)),  # 09:00 PST
        (utc(2026, 3, 3, 23, 0), utc(2026, 3, 4, 23, 0)),  # all day in Paris (X-WR-TIMEZONE)
        (utc(2026, 3, 10, 18, 0), utc(2026, 3, 10, 18, 30)),  # moved instance, 11:00 PDT
    ]
    page = client.get("/dashboard/calendars/").content.decode()
    assert "Family" in page and "3 busy events" in page and published.url not in page


def test_an_unchanged_calendar_is_not_downloaded_again(alice, intro, frozen_now, published):
    subscription = IcsSubscription.objects.create(
        host=alice,
        name="x",
        url_sealed=services.crypto.encrypt(published.url),
        url_host="127.0.0.1",
    )
    assert services.sync_subscription(subscription.pk).ok
    assert services.sync_subscription(subscription.pk).ok
    assert published.requests[1].get("If-None-Match")
    assert BusyBlock.objects.filter(host=alice, source="ics").count() == 3


@pytest.mark.parametrize(
    "url",
    [
        "file:///etc/passwd",
        "ftp://example.com/cal.ics",
        "http://127.0.0.1:8000/cal.ics",
        "http://10.1.2.3/cal.ics",
        "http://169.254.169.254/latest/meta-data",
        "http://[::1]/cal.ics",
        "http://localhost/cal.ics",
        "gopher://x",
        "http://",
    ],
)
def test_private_and_non_http_addresses_are_refused(client, alice, url):
    client.force_login(alice)
    response = client.post("/dashboard/calendars/ics/", {"url": url}, follow=True)
    assert "cannot be subscribed to" in response.content.decode()
    assert not IcsSubscription.objects.exists()


def test_a_redirect_into_a_private_network_is_refused(settings, monkeypatch, published):
    import socket
    import types

    # "localhost" pretends to be a public host for the check (the fetch still reaches the
    # fake); the redirect it answers with points at a loopback address.
    def resolve(host, *args, **kwargs):
        if host == "localhost":
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", 80))]
        return socket.getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(
        ics, "socket", types.SimpleNamespace(**{**vars(socket), "getaddrinfo": resolve})
    )
    settings.ICS_ALLOW_PRIVATE_URLS = False
    published.redirect_to = "http://127.0.0.1:1/secret"
    with pytest.raises(ics.IcsError, match="private network"):
        ics.fetch(published.url.replace("127.0.0.1", "localhost"))
    assert len(published.requests) == 1


def test_calendars_over_five_megabytes_are_refused(settings, alice, frozen_now, published):
    published.body = b"BEGIN:VCALENDAR\r\n" + b"X" * (ics.MAX_BYTES + 10)
    with pytest.raises(ics.IcsError, match="5 MB"):
        ics.fetch(published.url)


def test_a_broken_file_is_reported_not_crashed(alice, intro, frozen_now, published):
    published.body = b"<html>not a calendar</html>"
    subscription = IcsSubscription.objects.create(
        host=alice,
        name="x",
        url_sealed=services.crypto.encrypt(published.url),
        url_host="127.0.0.1",
    )
    result = services.sync_subscription(subscription.pk)
    subscription.refresh_from_db()
    assert not result.ok and "iCalendar" in subscription.last_error


def test_removing_a_subscription_drops_its_blocks(client, alice, intro, frozen_now, published):
    subscription = IcsSubscription.objects.create(
        host=alice,
        name="x",
        url_sealed=services.crypto.encrypt(published.url),
        url_host="127.0.0.1",
    )
    services.sync_subscription(subscription.pk)
    client.force_login(alice)
    client.post(f"/dashboard/calendars/ics/{subscription.pk}/remove/")
    assert not BusyBlock.objects.filter(host=alice).exists()
