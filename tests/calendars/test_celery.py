"""The first sync after connecting and the calendar write after booking travel through a real
Celery worker and the Redis broker, as in production."""

from __future__ import annotations

import time

import pytest
from celery.contrib.testing.worker import start_worker
from django.conf import settings

from availability.models import BusyBlock
from calendars.models import WrittenEvent
from config.celery import app
from tests.calendars.conftest import local_path, start_consent
from tests.conftest import book, make_event_type, make_host

pytestmark = pytest.mark.django_db(transaction=True)


def wait_for(check, seconds=30):
    deadline = time.monotonic() + seconds
    while not check() and time.monotonic() < deadline:
        time.sleep(0.1)
    return check()


def test_sync_and_write_run_in_a_worker(client, google, celery_inline):
    import datetime as dt
    from zoneinfo import ZoneInfo

    assert settings.CELERY_BROKER_URL.startswith("redis://"), "make test provides Redis"
    alice = make_host("alice@example.com", "alice", "America/New_York")
    intro = make_event_type(alice, "intro")
    zone = ZoneInfo("America/New_York")
    day = dt.datetime.now(zone).date() + dt.timedelta(days=3)
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    busy = dt.datetime.combine(day, dt.time(10), zone)
    google.add_timed(google.account, "dentist", busy, busy + dt.timedelta(hours=1))
    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        client.force_login(alice)
        response = client.get(local_path(google.approve(start_consent(client, "google"))))
        assert response.status_code == 302
        assert wait_for(lambda: BusyBlock.objects.filter(host=alice, source="google").exists())
        booking = book(intro, dt.datetime.combine(day, dt.time(12), zone))
        assert wait_for(
            lambda: WrittenEvent.objects.filter(booking=booking, status="written").exists()
        )
    assert len([e for e in google.events[google.account].values()]) == 2
