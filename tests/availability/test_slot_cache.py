"""Computed slots are reused while the host's availability stamp stands, and never after any
change to what the host can be booked for (PostgreSQL triggers stamp every such change)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from availability import services as hours
from availability.loader import find_slots
from availability.models import AvailabilityStamp, BusyBlock, BusySource, DateOverride
from bookings.models import Booking, BookingStatus, EventType
from tests.conftest import MONDAY, at, book, make_event_type

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def stamp_of(host) -> int | None:
    return AvailabilityStamp.objects.filter(host_id=host.pk).values_list("stamp", flat=True).first()


def block(host, local_start: str, hours_long: int = 1) -> BusyBlock:
    start = at(local_start)
    return BusyBlock(host=host, start=start, end=start + dt.timedelta(hours=hours_long))


CHANGES = {
    "a booking is made": lambda alice, intro: book(intro, at("2026-03-02 10:00")),
    "a booking is cancelled": lambda alice, intro: Booking.objects.filter(host=alice).update(
        status=BookingStatus.CANCELLED
    ),
    "a booking is deleted": lambda alice, intro: Booking.objects.filter(host=alice).delete(),
    "a calendar sync adds blocks in bulk": lambda alice, intro: BusyBlock.objects.bulk_create(
        [block(alice, "2026-03-03 09:00"), block(alice, "2026-03-04 09:00")]
    ),
    "a block is removed": lambda alice, intro: BusyBlock.objects.filter(host=alice).delete(),
    "weekly hours change": lambda alice, intro: hours.set_weekly_hours(
        alice, {0: [(dt.time(10), dt.time(12))]}
    ),
    "a date gets its own hours": lambda alice, intro: hours.set_date_override(
        alice, MONDAY, [(dt.time(13), dt.time(14))]
    ),
    "another event type's buffer grows": lambda alice, intro: EventType.objects.filter(
        host=alice, slug="consult"
    ).update(buffer_after_minutes=60),
}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stamps are PostgreSQL triggers")
@pytest.mark.parametrize("change", CHANGES, ids=list(CHANGES))
def test_every_change_to_a_hosts_availability_gives_them_a_new_stamp(
    frozen_now, alice, bob, intro, consult, change
):
    book(intro, at("2026-03-02 09:00"))
    BusyBlock.objects.create(host=alice, start=at("2026-03-05 09:00"), end=at("2026-03-05 10:00"))
    make_event_type(bob, "chat")
    alices, bobs = stamp_of(alice), stamp_of(bob)
    assert alices is not None and bobs is not None

    CHANGES[change](alice, intro)

    assert stamp_of(alice) not in (None, alices)
    assert stamp_of(bob) == bobs  # another host's slots stay reusable


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stamps are PostgreSQL triggers")
def test_a_rolled_back_change_never_hands_its_stamp_out_again(alice, intro):
    before = stamp_of(alice)
    with pytest.raises(RuntimeError), transaction.atomic():
        DateOverride.objects.create(host=alice, date=MONDAY)
        inside = stamp_of(alice)
        raise RuntimeError
    assert stamp_of(alice) == before
    DateOverride.objects.create(host=alice, date=MONDAY)
    assert stamp_of(alice) not in (before, inside)


def _slots_api(client) -> tuple[list[dict], list[str]]:
    params = {"start": MONDAY, "end": MONDAY + dt.timedelta(days=30), "timezone": "Europe/Paris"}
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/alice/intro/slots", params)
    assert response.status_code == 200
    return response.json()["slots"], [query["sql"] for query in queries]


def _reads_bookings(sql: list[str]) -> bool:
    return any("bookings_booking" in statement for statement in sql)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stamps are PostgreSQL triggers")
def test_the_slots_api_reuses_a_month_until_the_host_is_booked_or_blocked(
    client, frozen_now, alice, intro
):
    first, sql = _slots_api(client)
    assert _reads_bookings(sql)
    again, sql = _slots_api(client)
    assert again == first
    assert not _reads_bookings(sql)  # served from memory: the event type query only
    assert len(sql) == 1

    taken = first[0]
    book(intro, dt.datetime.fromisoformat(taken["start"]))
    after_booking, sql = _slots_api(client)
    assert _reads_bookings(sql)
    assert taken not in after_booking and len(after_booking) == len(first) - 1

    blocked = after_booking[0]
    BusyBlock.objects.bulk_create(
        [
            BusyBlock(
                host=alice,
                start=dt.datetime.fromisoformat(blocked["start"]),
                end=dt.datetime.fromisoformat(blocked["end"]),
                source=BusySource.GOOGLE,
                external_id="evt-1",
            )
        ]
    )
    after_block, _sql = _slots_api(client)
    assert blocked not in after_block and len(after_block) == len(after_booking) - 1


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stamps are PostgreSQL triggers")
def test_a_reused_month_drops_slots_that_became_too_soon_and_follows_the_window(alice):
    short = make_event_type(alice, "short", minimum_notice_minutes=120, booking_window_days=7)
    event_type = EventType.objects.with_availability_stamp().get(pk=short.pk)
    stamp = event_type.availability_stamp
    first_day, last_day = MONDAY, MONDAY + dt.timedelta(days=20)

    def slots_at(now: dt.datetime, **cached) -> list:
        return find_slots(event_type, first_day, last_day, NEW_YORK, now=now, **cached)

    morning = at("2026-03-02 08:00")
    assert slots_at(morning, stamp=stamp) == slots_at(morning)
    # Three hours on: the same entry, less what is now inside the two hours' notice.
    later = morning + dt.timedelta(hours=3)
    with CaptureQueriesContext(connection) as queries:
        reused = slots_at(later, stamp=stamp)
    assert len(queries) == 0
    assert reused == slots_at(later)
    assert reused[0].start == at("2026-03-02 13:00")
    # The next day the seven-day window reaches one more day: computed afresh, not reused.
    tomorrow = morning + dt.timedelta(days=1)
    assert slots_at(tomorrow, stamp=stamp) == slots_at(tomorrow)
    assert max(slot.start for slot in slots_at(tomorrow)) > max(slot.start for slot in reused)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="stamps are PostgreSQL triggers")
def test_the_event_page_shows_a_taken_time_gone_at_once(client, frozen_now, alice, intro):
    params = {"tz": "America/New_York", "date": "2026-03-02"}
    for _view in range(2):  # the second view reuses the month and its grid
        html = client.get("/alice/intro/", params).content.decode()
        assert 'aria-label="Monday 2 March, 16 times"' in html and ">09:00</a>" in html
    book(intro, at("2026-03-02 09:00"))
    html = client.get("/alice/intro/", params).content.decode()
    assert 'aria-label="Monday 2 March, 15 times"' in html and ">09:00</a>" not in html
