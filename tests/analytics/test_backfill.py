"""Bookings made before the history existed get their created and ending events."""

from __future__ import annotations

import importlib

import pytest
from django.apps import apps

from analytics import rollup
from analytics.models import BookingEvent, DirtyDay
from bookings import services
from tests.conftest import NOW, at, book

pytestmark = pytest.mark.django_db

backfill = importlib.import_module("analytics.migrations.0002_backfill_booking_history").backfill


def test_old_bookings_get_history_once_and_their_days_are_built(frozen_now, alice, intro):
    kept = book(intro, at("2026-03-04 10:00"))
    gone = book(intro, at("2026-03-04 11:00"))
    services.cancel_booking(gone, by="host", reason="Ill")
    recorded = book(intro, at("2026-03-04 12:00"))
    BookingEvent.objects.exclude(booking=recorded).delete()
    DirtyDay.objects.all().delete()
    backfill(apps, None)
    backfill(apps, None)  # a second run adds nothing
    assert list(BookingEvent.objects.filter(booking=kept).values_list("kind", "at")) == [
        ("created", NOW)
    ]
    assert list(BookingEvent.objects.filter(booking=gone).values_list("kind", "actor")) == [
        ("created", "guest"),
        ("cancelled", "host"),
    ]
    assert BookingEvent.objects.filter(booking=recorded).count() == 1
    assert rollup.rollup_dirty_days() == 1
    assert BookingEvent.objects.filter(details__backfilled=True).count() == 3


fill_rolled_up = importlib.import_module(
    "analytics.migrations.0004_rolled_up_heatmap_and_lead_time_buckets"
).fill


def test_rows_from_before_the_heatmap_rollup_are_completed(frozen_now, alice, intro):
    from analytics.models import DailyStats

    book(intro, at("2026-03-04 10:00"))
    book(intro, at("2026-03-05 11:00"))
    gone = book(intro, at("2026-03-06 11:00"))
    services.cancel_booking(gone, by="guest")
    rollup.rollup_dirty_days()
    columns = ("date", "lead_times", "lead_time_buckets", "lead_time_minutes", "meetings_by_hour")
    built = sorted(DailyStats.objects.values_list(*columns))
    # As the rows stood before migration 0004: counters and lead times only.
    DailyStats.objects.filter(created=0).delete()
    DailyStats.objects.update(lead_time_buckets=[], lead_time_minutes=0, meetings_by_hour=[])
    fill_rolled_up(apps, None)
    made = DailyStats.objects.get(date=NOW.date())
    assert made.lead_time_buckets == [0, 0, 0, 2, 1, 0, 0]  # 5, 6 and 7 days 1 hour ahead
    assert made.lead_time_minutes == sum(made.lead_times)
    assert sorted(DirtyDay.objects.values_list("date", flat=True)) == [
        at("2026-03-04 10:00").date(),
        at("2026-03-05 11:00").date(),
    ]
    rollup.rollup_dirty_days()
    assert sorted(DailyStats.objects.values_list(*columns)) == built
