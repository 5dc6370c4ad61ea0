"""A host's secret, revocable calendar feed."""

from __future__ import annotations

import icalendar
import pytest
from django.core.management import call_command

from bookings import services
from bookings.models import CancelledBy
from notifications.models import CalendarFeed
from tests.conftest import at, book, make_event_type

pytestmark = pytest.mark.django_db


def test_the_feed_lists_the_host_active_upcoming_bookings(client, frozen_now, intro, bob):
    kept = book(intro, at("2026-03-02 10:00"))
    dropped = book(intro, at("2026-03-02 11:00"), email="x@example.com")
    services.cancel_booking(dropped, by=CancelledBy.GUEST)
    book(make_event_type(bob, "bobs"), at("2026-03-02 10:00"))  # someone else's
    feed = CalendarFeed.objects.create(host=intro.host)
    response = client.get(f"/feeds/{feed.token}.ics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = icalendar.Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert [str(event["UID"]).split("@")[0] for event in events] == [str(kept.uid)]
    assert events[0].decoded("DTSTART") == at("2026-03-02 10:00")


def test_rotating_the_feed_revokes_the_old_url(client, frozen_now, intro):
    feed = CalendarFeed.objects.create(host=intro.host)
    old = feed.token
    feed.rotate()
    assert client.get(f"/feeds/{old}.ics").status_code == 404
    assert client.get(f"/feeds/{feed.token}.ics").status_code == 200
    assert client.get("/feeds/guess.ics").status_code == 404


def test_the_command_prints_and_rotates_the_url(alice, capsys):
    call_command("calendar_feed", "alice@example.com")
    first = capsys.readouterr().out.strip()
    assert first.startswith("http://127.0.0.1:8000/feeds/") and first.endswith(".ics")
    call_command("calendar_feed", "alice@example.com", "--rotate")
    assert capsys.readouterr().out.strip() != first
