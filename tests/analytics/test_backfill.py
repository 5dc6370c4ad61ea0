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
