"""ICS subscriptions: safe fetching (SSRF, size, time, conditional GET) and expansion."""

from __future__ import annotations

import datetime as dt
import socket

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


class Resolver:
    """socket.getaddrinfo with chosen answers for made-up names, in turn (the last repeats),
    as a rebinding DNS server would give them; other names resolve as usual."""

    def __init__(self, real):
        self.real = real
        self.answers: dict[str, list[str]] = {}
        self.asked: list[str] = []

    def answer(self, name: str, *addresses: str) -> None:
        self.answers[name] = list(addresses)

    def __call__(self, host, port, *args, **kwargs):
        if host not in self.answers:
            return self.real(host, port, *args, **kwargs)
        self.asked.append(host)
        queue = self.answers[host]
        address = queue.pop(0) if len(queue) > 1 else queue[0]
        return [(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (address, port))]


@pytest.fixture
def resolver(monkeypatch):
    fake = Resolver(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return fake


@pytest.fixture
def inside(published):
    """What a rebinding answer would lead to: a server on 127.0.0.2, same port."""
    body = b"BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"
    fake = FakeIcsHost(body, address="127.0.0.2", port=published.port).start()
    yield fake
    fake.stop()


@pytest.fixture
def loopback_counts_as_public(monkeypatch, settings, published):
    """The checks on, with 127.0.0.1 standing in for a public address (no test reaches the
    internet); 127.0.0.2 and every other private address stay refused."""
    settings.ICS_ALLOW_PRIVATE_URLS = False
    real = ics.is_public
    monkeypatch.setattr(ics, "is_public", lambda a: str(a) == "127.0.0.1" or real(a))


def test_a_host_name_that_resolves_to_loopback_is_refused(
    client, alice, settings, resolver, published
):
    settings.ICS_ALLOW_PRIVATE_URLS = False
    resolver.answer("calendar.test", "127.0.0.1")
    url = published.url_for("calendar.test")
    with pytest.raises(ics.IcsError, match="private network"):
        ics.fetch(url)
    client.force_login(alice)
    page = client.post("/dashboard/calendars/ics/", {"url": url}, follow=True).content.decode()
    assert "cannot be subscribed to" in page and not IcsSubscription.objects.exists()
    assert published.requests == []
    settings.ICS_ALLOW_PRIVATE_URLS = True  # tests only
    assert ics.fetch(url).body == CALENDAR


def test_a_redirect_into_a_private_network_is_refused(
    loopback_counts_as_public, resolver, published, inside
):
    resolver.answer("calendar.test", "127.0.0.1")
    resolver.answer("intranet.test", "127.0.0.2")
    for target in (inside.url, inside.url_for("intranet.test"), "http://[::1]/x.ics"):
        published.redirect_to = target
        with pytest.raises(ics.IcsError, match="private network"):
            ics.fetch(published.url_for("calendar.test"))
    assert len(published.requests) == 3 and inside.requests == []


def test_the_connection_goes_to_the_address_that_was_checked(
    loopback_counts_as_public, resolver, published, inside
):
    # Checked: 127.0.0.1. Asked again, the name would lead to 127.0.0.2 (DNS rebinding).
    resolver.answer("calendar.test", "127.0.0.1", "127.0.0.2")
    fetched = ics.fetch(published.url_for("calendar.test"))
    assert fetched.body == CALENDAR
    assert resolver.asked == ["calendar.test"]
    assert inside.requests == []
    assert published.requests[0]["Host"] == f"calendar.test:{published.port}"


def test_tls_is_verified_for_the_calendars_own_host_name(settings, resolver):
    settings.ICS_ALLOW_PRIVATE_URLS = True
    secure = FakeIcsHost(CALENDAR, tls=True).start()
    try:
        # "localhost" may resolve to ::1 first, where nothing listens: the next address serves.
        assert ics.fetch(secure.url_for("localhost")).body == CALENDAR
        # The certificate names 127.0.0.1 and localhost, not calendar.test: connecting to the
        # checked address must not loosen the check to that address.
        resolver.answer("calendar.test", "127.0.0.1")
        with pytest.raises(ics.IcsError, match="TLS"):
            ics.fetch(secure.url_for("calendar.test"))
        assert len(secure.requests) == 1
    finally:
        secure.stop()


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


def test_a_windows_zone_name_in_x_wr_timezone_is_understood():
    body = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN
X-WR-TIMEZONE:W. Europe Standard Time
BEGIN:VEVENT
UID:day-off@test
DTSTAMP:20260101T000000Z
DTSTART;VALUE=DATE:20260329
DTEND;VALUE=DATE:20260330
END:VEVENT
END:VCALENDAR
"""
    window = (utc(2026, 3, 1), utc(2026, 4, 1))
    # The day Berlin moves to summer time is 23 hours long.
    [(_, start, end)] = ics.busy_intervals(body, window, "America/New_York")
    assert (start, end) == (utc(2026, 3, 28, 23, 0), utc(2026, 3, 29, 22, 0))


def test_an_unknown_x_wr_timezone_falls_back_to_the_host_zone():
    body = b"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Test//EN
X-WR-TIMEZONE:Middle Earth Standard Time
BEGIN:VEVENT
UID:floating@test
DTSTAMP:20260101T000000Z
DTSTART:20260302T090000
DTEND:20260302T100000
END:VEVENT
END:VCALENDAR
"""
    window = (utc(2026, 3, 1), utc(2026, 4, 1))
    [(_, start, end)] = ics.busy_intervals(body, window, "America/New_York")
    assert (start, end) == (utc(2026, 3, 2, 14, 0), utc(2026, 3, 2, 15, 0))  # 09:00 in New York
