"""Every booking change writes its history event in the same transaction, and nothing else
writes a booking: the services are walked one by one and the SQL they issue is read."""

from __future__ import annotations

import datetime as dt
import inspect
import re
from pathlib import Path

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from analytics.models import BookingEvent, DirtyDay
from bookings import services
from bookings.models import Booking
from tests.conftest import NOW, at, book

pytestmark = pytest.mark.django_db

BOOKING_WRITE = re.compile(r'^(INSERT INTO|UPDATE) "bookings_booking"')
EVENT_WRITE = re.compile(r'^INSERT INTO "analytics_bookingevent"')

# Every service function that changes a booking, and how to call it for the walk.
LATER = NOW + dt.timedelta(days=10)
WALK = {
    "create_booking": lambda ctx: book(ctx["consult"], at("2026-03-04 10:00")),
    "confirm_booking": lambda ctx: services.confirm_booking(ctx["pending"]),
    "decline_booking": lambda ctx: services.decline_booking(ctx["pending2"], reason="Busy"),
    "reschedule_booking": lambda ctx: services.reschedule_booking(
        ctx["confirmed"], start=at("2026-03-03 11:00"), by="guest"
    ),
    "cancel_booking": lambda ctx: services.cancel_booking(ctx["confirmed"], by="host"),
    "mark_attendance": lambda ctx: services.mark_attendance(
        ctx["held"], status="no_show", now=LATER
    ),
    "expire_unpaid_hold": lambda ctx: services.expire_unpaid_hold(ctx["unpaid"], now=NOW),
    "turn_on_paid_booking": lambda ctx: services.turn_on_paid_booking(ctx["unpaid"], now=NOW),
}


def booking_writing_functions() -> set[str]:
    """Public functions of bookings.services whose source saves a booking."""
    found = set()
    for name, function in inspect.getmembers(services, inspect.isfunction):
        if function.__module__ != services.__name__ or name.startswith("_"):
            continue
        source = inspect.getsource(function)
        writes = bool(re.search(r"_save_guarded\(\s*booking", source)) or "booking.save(" in source
        if writes or re.search(r"Booking\.objects\b.*\.(update|bulk_update|create)\(", source):
            found.add(name)
    return found


def test_the_walk_covers_every_service_that_writes_a_booking():
    assert booking_writing_functions() == set(WALK)


@pytest.fixture
def ctx(frozen_now, alice, intro, consult):
    return {
        "consult": consult,
        "pending": book(consult, at("2026-03-02 10:00")),
        "pending2": book(consult, at("2026-03-02 13:00")),
        "confirmed": book(intro, at("2026-03-03 09:00")),
        "held": book(intro, at("2026-03-02 15:00")),
        "unpaid": awaiting_payment(book(intro, at("2026-03-04 15:00"))),
    }


def awaiting_payment(booking: Booking) -> Booking:
    """A booking of a paid type before its payment (made here without Stripe)."""
    Booking.objects.filter(pk=booking.pk).update(status="awaiting_payment")
    booking.refresh_from_db()
    return booking


@pytest.mark.parametrize("name", sorted(WALK))
def test_each_booking_write_records_one_event_in_its_transaction(ctx, name):
    before = BookingEvent.objects.count()
    with CaptureQueriesContext(connection) as captured:
        WALK[name](ctx)
    statements = [query["sql"] for query in captured.captured_queries]
    booking_writes = [i for i, sql in enumerate(statements) if BOOKING_WRITE.match(sql)]
    event_writes = [i for i, sql in enumerate(statements) if EVENT_WRITE.match(sql)]
    assert len(booking_writes) == 1 and len(event_writes) == 1, statements
    assert BookingEvent.objects.count() == before + 1
    event = BookingEvent.objects.order_by("-id").first()
    assert (
        event.kind
        == {
            "create_booking": "created",
            "confirm_booking": "confirmed",
            "decline_booking": "declined",
            "reschedule_booking": "rescheduled",
            "cancel_booking": "cancelled",
            "mark_attendance": "no_show",
            "expire_unpaid_hold": "expired",
            "turn_on_paid_booking": "paid",
        }[name]
    )
    assert DirtyDay.objects.filter(host=event.host).exists()


def test_a_change_that_fails_leaves_no_event(ctx):
    before = BookingEvent.objects.count()
    with pytest.raises(services.InvalidState):
        services.confirm_booking(ctx["confirmed"])
    taken = at("2026-03-03 09:00")
    with pytest.raises(services.SlotUnavailable):
        book(ctx["confirmed"].event_type, taken)
    assert BookingEvent.objects.count() == before


def test_a_rolled_back_change_takes_its_event_with_it(ctx):
    before = BookingEvent.objects.count()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.cancel_booking(ctx["confirmed"], by="guest")
        raise RuntimeError("the caller failed after the change")
    assert BookingEvent.objects.count() == before
    assert Booking.objects.get(pk=ctx["confirmed"].pk).status == "confirmed"


def test_events_carry_what_each_change_needs(ctx):
    moved = services.reschedule_booking(ctx["confirmed"], start=at("2026-03-03 11:00"), by="host")
    services.cancel_booking(moved, by="guest", reason="Ill")
    services.decline_booking(ctx["pending2"], reason="Away")
    with time_machine.travel(LATER, tick=False):
        services.mark_attendance(ctx["held"], status="completed")
        services.mark_attendance(ctx["held"], status="no_show")
    kinds = list(BookingEvent.objects.filter(booking=moved).values_list("kind", "actor", "details"))
    assert kinds == [
        ("created", "guest", {"status": "confirmed"}),
        (
            "rescheduled",
            "host",
            {
                "from_start": at("2026-03-03 09:00").isoformat(),
                "to_start": at("2026-03-03 11:00").isoformat(),
            },
        ),
        ("cancelled", "guest", {"reason": "Ill"}),
    ]
    assert BookingEvent.objects.get(booking=ctx["pending2"], kind="declined").details == {
        "reason": "Away"
    }
    marks = BookingEvent.objects.filter(booking=ctx["held"]).exclude(kind="created")
    assert [(m.kind, m.details["previous"]) for m in marks] == [
        ("completed", "confirmed"),
        ("no_show", "completed"),
    ]
    created = BookingEvent.objects.get(booking=ctx["held"], kind="created")
    assert created.at == NOW and created.start == at("2026-03-02 15:00")


def test_host_bookings_are_recorded_as_the_hosts(ctx, intro):
    booking = book(intro, at("2026-03-07 10:00"), by_host=True)
    assert booking.history.get().actor == "host"


def test_history_outside_a_transaction_is_refused(ctx):
    from analytics import history

    # pytest-django wraps each test in a transaction, so step outside it by hand.
    with pytest.raises(RuntimeError):
        original = connection.in_atomic_block
        connection.in_atomic_block = False
        try:
            history.record(ctx["confirmed"], "confirmed", "host")
        finally:
            connection.in_atomic_block = original


def test_no_module_outside_the_services_writes_bookings():
    """A grep over the project's code: booking saves, creates and queryset updates appear only
    in bookings/services.py (models.py defines save; migrations and tests are not code paths)."""
    root = Path(__file__).resolve().parents[2]
    pattern = re.compile(
        r"Booking\.objects\.(create|bulk_create|update|bulk_update|get_or_create|update_or_create)"
        r"|booking\.save\(|Booking\.objects\.filter\([^)]*\)\.update\("
    )
    offenders = []
    for path in root.glob("*/**/*.py"):
        relative = path.relative_to(root).as_posix()
        if relative.startswith((".venv", "tests/", "bench/")) or "/migrations/" in relative:
            continue
        if relative in ("bookings/services.py", "bookings/models.py"):
            continue
        if relative == "security/retention.py":
            continue  # anonymizing old guests rewrites personal fields only: no booking change
        if pattern.search(path.read_text()):
            offenders.append(relative)
    assert offenders == []
