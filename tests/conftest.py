"""Shared people and clocks for the suite.

alice is a host in New York working Monday to Friday 09:00-17:00; bob is another host who must
never see or disturb Alice's data. The clock is frozen at NOW unless a test moves it.
"""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.contrib.auth import get_user_model

from availability.models import WeeklyRule
from bookings.models import EventType

# A Friday afternoon in New York; the following Monday is 2026-03-02.
NOW = dt.datetime(2026, 2, 27, 15, 0, tzinfo=dt.UTC)
MONDAY = dt.date(2026, 3, 2)


@pytest.fixture
def frozen_now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


def make_host(email: str, handle: str, zone: str, *, hours=((9, 17),), weekdays=range(5)):
    host = get_user_model().objects.create_user(
        email, "pw-for-tests-123", handle=handle, display_name=handle.title(), timezone=zone
    )
    WeeklyRule.objects.bulk_create(
        WeeklyRule(host=host, weekday=day, start_time=dt.time(start), end_time=dt.time(end))
        for day in weekdays
        for start, end in hours
    )
    return host


def make_event_type(host, slug: str = "intro", **settings) -> EventType:
    defaults = {
        "title": slug.title(),
        "duration_minutes": 30,
        "slot_interval_minutes": 30,
        "booking_window_days": 365,
    }
    return EventType.objects.create(host=host, slug=slug, **{**defaults, **settings})


@pytest.fixture
def alice(db):
    return make_host("alice@example.com", "alice", "America/New_York")


@pytest.fixture
def bob(db):
    return make_host("bob@example.com", "bob", "Europe/London")


@pytest.fixture
def intro(alice):
    return make_event_type(alice, "intro")


@pytest.fixture
def consult(alice):
    return make_event_type(
        alice,
        "consult",
        duration_minutes=60,
        slot_interval_minutes=60,
        buffer_after_minutes=15,
        requires_confirmation=True,
    )


@pytest.fixture
def workshop(alice):
    return make_event_type(
        alice, "workshop", duration_minutes=60, slot_interval_minutes=60, seats=3
    )


def at(local: str, zone: str = "America/New_York") -> dt.datetime:
    """An instant from a local wall time: at('2026-03-02 09:00')."""
    from zoneinfo import ZoneInfo

    return dt.datetime.fromisoformat(local).replace(tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def book(
    event_type,
    start,
    *,
    name="Gina Guest",
    email="gina@example.com",
    zone="Europe/London",
    **kwargs,
):
    from bookings.services import create_booking

    return create_booking(
        event_type=event_type,
        start=start,
        guest_name=name,
        guest_email=email,
        guest_timezone=zone,
        **kwargs,
    )


@pytest.fixture(autouse=True)
def fresh_rate_limits(settings):
    """Each test starts with unused rate-limit counters (a key prefix of its own)."""
    import uuid

    settings.RATELIMIT_CACHE_PREFIX = f"rl-test-{uuid.uuid4().hex}:"


@pytest.fixture(autouse=True)
def celery_inline():
    """Tasks run in the calling thread unless a test starts a real worker."""
    from config.celery import app

    app.conf.task_always_eager = True
    yield app
    app.conf.task_always_eager = True


@pytest.fixture
def after_commit(django_capture_on_commit_callbacks):
    """after_commit(fn, *args): call fn and run what it queued for after commit (emails)."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run
