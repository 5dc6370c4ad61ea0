"""Hosts and guests across four zones: book, reschedule across DST changes, cancel.

Between Monday 2 March and Monday 6 April 2026 New York and Los Angeles spring forward
(8 March), London does (29 March) and Sydney falls back (5 April): every pair crosses a change.
"""

from __future__ import annotations

import datetime as dt
import itertools
import json
from zoneinfo import ZoneInfo

import icalendar
import pytest
from django.core import mail

from tests.conftest import make_event_type, make_host
from tests.notifications.helpers import invite_of

pytestmark = pytest.mark.django_db

ZONES = ["America/Los_Angeles", "America/New_York", "Europe/London", "Australia/Sydney"]
BEFORE = dt.date(2026, 3, 2)
AFTER = dt.date(2026, 4, 6)


def host_nine(day: dt.date, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(9), tzinfo=ZoneInfo(zone))


def shown(instant: dt.datetime, zone: str) -> str:
    """A 30-minute meeting at `instant` as read in `zone`: 'Mon 2 Mar, 09:00–09:30 EST'."""
    local = instant.astimezone(ZoneInfo(zone))
    end = local + dt.timedelta(minutes=30)
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M}–{end:%H:%M} {local.tzname()}"


def line_for(instant: dt.datetime, mine: str, theirs: str) -> str:
    text = shown(instant, mine)
    if mine == theirs:
        return text
    other = shown(instant, theirs)
    if instant.astimezone(ZoneInfo(mine)).date() == instant.astimezone(ZoneInfo(theirs)).date():
        other = other.split(", ", 1)[1]
    return f"{text} · {other}"


@pytest.fixture
def post(client, after_commit):
    """POST JSON and run the emails it queued (Celery runs inline in tests)."""

    def send(url, body):
        return after_commit(
            client.post, url, data=json.dumps(body), content_type="application/json"
        )

    return send


@pytest.mark.parametrize(("host_zone", "guest_zone"), list(itertools.product(ZONES, ZONES)))
def test_book_reschedule_across_dst_and_cancel(client, post, frozen_now, host_zone, guest_zone):
    host = make_host("host@example.com", "host", host_zone)
    make_event_type(host, "intro")
    first = host_nine(BEFORE, host_zone)
    second = host_nine(AFTER, host_zone)

    # Slots: the host's 09:00 appears at the right local time on the guest's calendar.
    for instant in (first, second):
        guest_local = instant.astimezone(ZoneInfo(guest_zone))
        day = guest_local.date().isoformat()
        slots = client.get(
            "/api/v1/host/intro/slots", {"start": day, "end": day, "timezone": guest_zone}
        ).json()
        assert guest_local.isoformat() in [slot["start"] for slot in slots["slots"]]

    booked = post(
        "/api/v1/host/intro/bookings",
        {
            "start": first.astimezone(ZoneInfo(guest_zone)).isoformat(),
            "name": "Gina Guest",
            "email": "guest@example.com",
            "timezone": guest_zone,
        },
    )
    assert booked.status_code == 201, booked.content
    booked = booked.json()
    moved = post(
        f"/api/v1/bookings/{booked['uid']}/reschedule",
        {"token": booked["reschedule_token"], "start": second.isoformat()},
    )
    assert moved.status_code == 200, moved.content
    moved = moved.json()
    assert moved["start"] == second.astimezone(ZoneInfo(guest_zone)).isoformat()
    cancelled = post(f"/api/v1/bookings/{booked['uid']}/cancel", {"token": moved["cancel_token"]})
    assert cancelled.status_code == 200

    guest_mails = [m for m in mail.outbox if m.to == ["guest@example.com"]]
    host_mails = [m for m in mail.outbox if m.to == ["host@example.com"]]
    assert [m.subject.split(":")[0] for m in guest_mails] == ["Confirmed", "New time", "Cancelled"]
    assert [m.subject.split(":")[0] for m in host_mails] == [
        "New booking",
        "Rescheduled",
        "Cancelled",
    ]

    # Emails: each reader's zone first, the other's beside it when it differs.
    assert f"When: {line_for(first, guest_zone, host_zone)}" in guest_mails[0].body
    assert f"When: {line_for(first, host_zone, guest_zone)}" in host_mails[0].body
    assert f"When: {line_for(second, guest_zone, host_zone)}" in guest_mails[1].body
    assert f"Was: {line_for(first, guest_zone, host_zone)}" in guest_mails[1].body
    assert f"Was: {line_for(first, host_zone, guest_zone)}" in host_mails[1].body

    # Invites: the same UID, rising SEQUENCE, the right instants.
    events = [invite_of(m).walk("VEVENT")[0] for m in guest_mails]
    assert len({str(event["UID"]) for event in events}) == 1
    assert [int(event["SEQUENCE"]) for event in events] == [0, 1, 2]
    assert events[0].decoded("DTSTART") == first
    assert events[1].decoded("DTSTART") == second
    assert events[1].decoded("DTEND") - events[1].decoded("DTSTART") == dt.timedelta(minutes=30)
    assert str(invite_of(guest_mails[2])["METHOD"]) == "CANCEL"
    ics = client.get(cancelled.json()["ics_url"])
    assert icalendar.Calendar.from_ical(ics.content).walk("VEVENT")[0].decoded("DTSTART") == second


def test_a_few_lines_read_exactly_as_people_expect():
    """Spot checks written out by hand, so the matrix is not only checked against itself."""
    new_york = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)  # 09:00 EST
    assert (
        line_for(new_york, "America/New_York", "Europe/London")
        == "Mon 2 Mar, 09:00–09:30 EST · 14:00–14:30 GMT"
    )
    assert line_for(new_york, "Australia/Sydney", "America/New_York") == (
        "Tue 3 Mar, 01:00–01:30 AEDT · Mon 2 Mar, 09:00–09:30 EST"
    )
    after = dt.datetime(2026, 4, 6, 13, 0, tzinfo=dt.UTC)  # 09:00 EDT
    assert (
        line_for(after, "Europe/London", "America/New_York")
        == "Mon 6 Apr, 14:00–14:30 BST · 09:00–09:30 EDT"
    )
    assert line_for(after, "Australia/Sydney", "America/Los_Angeles") == (
        "Mon 6 Apr, 23:00–23:30 AEST · 06:00–06:30 PDT"
    )
