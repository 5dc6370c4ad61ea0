"""No double booking, whatever the concurrency: many clients race for one slot on PostgreSQL.

Each client is a thread with its own database connection; a barrier releases them together.
"""

from __future__ import annotations

import threading
from collections import Counter

import pytest
import time_machine
from django.db import IntegrityError, OperationalError, connection, transaction

from bookings import services
from bookings.models import Booking, BookingStatus
from tests.conftest import NOW, at, book, make_event_type

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]

CLIENTS = 24


def race(attempt, clients: int = CLIENTS) -> Counter:
    """Run attempt(index) in `clients` threads at once; count what each one returned."""
    barrier = threading.Barrier(clients)
    outcomes: list[str] = []
    lock = threading.Lock()

    def client(index: int) -> None:
        try:
            with time_machine.travel(NOW, tick=False):
                barrier.wait(timeout=30)
                outcome = attempt(index)
        except services.SlotUnavailable:
            outcome = "unavailable"
        except IntegrityError:
            outcome = "vetoed"
        except OperationalError as error:
            # PostgreSQL aborts one of two inserts that each wait on the other's conflicting row
            # (exclusion checks have no order between them): a refusal too, never a booking.
            deadlock = getattr(error.__cause__, "sqlstate", None) == "40P01"
            outcome = "deadlock" if deadlock else f"error: {error!r}"
        except Exception as error:  # recorded so that the test shows it
            outcome = f"error: {error!r}"
        finally:
            connection.close()
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=client, args=(index,)) for index in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return Counter(outcomes)


def test_exactly_one_of_many_clients_gets_a_one_to_one_slot(intro):
    start = at("2026-03-02 10:00")
    outcomes = race(lambda index: book(intro, start, email=f"g{index}@example.com") and "booked")
    assert outcomes == Counter({"booked": 1, "unavailable": CLIENTS - 1})
    assert Booking.objects.filter(status=BookingStatus.CONFIRMED).count() == 1


def test_exactly_n_clients_get_the_seats_of_a_seated_slot(workshop):
    start = at("2026-03-02 10:00")
    outcomes = race(lambda index: book(workshop, start, email=f"g{index}@example.com") and "booked")
    assert outcomes == Counter({"booked": 3, "unavailable": CLIENTS - 3})
    assert Booking.objects.filter(start=start).count() == 3


def test_one_winner_when_clients_race_across_event_types_and_overlapping_starts(alice, intro):
    long_call = make_event_type(alice, "long", duration_minutes=60, slot_interval_minutes=30)
    starts = [at("2026-03-02 10:00"), at("2026-03-02 10:30")]

    def attempt(index: int) -> str:
        event_type = intro if index % 2 else long_call
        book(
            event_type,
            starts[index % 2] if event_type is intro else starts[0],
            email=f"g{index}@example.com",
        )
        return "booked"

    outcomes = race(attempt)
    assert outcomes["booked"] in (1, 2)
    active = list(Booking.objects.filter(status__in=["pending", "confirmed"]).order_by("start"))
    for earlier, later in zip(active, active[1:], strict=False):
        assert earlier.end <= later.start


def test_reschedules_racing_new_bookings_never_overlap(frozen_now, intro):
    target = at("2026-03-02 15:00")
    movers = [
        book(
            intro,
            at("2026-03-02 09:00") + index * (at("2026-03-02 09:30") - at("2026-03-02 09:00")),
            email=f"m{index}@example.com",
        )
        for index in range(4)
    ]

    def attempt(index: int) -> str:
        if index < len(movers):
            services.reschedule_booking(movers[index], start=target)
            return "moved"
        book(intro, target, email=f"g{index}@example.com")
        return "booked"

    outcomes = race(attempt)
    assert outcomes["moved"] + outcomes["booked"] == 1
    assert Booking.objects.filter(start=target).count() == 1


def test_the_constraint_alone_stops_concurrent_raw_inserts(intro):
    """Even code that skipped the service and its lock cannot double-book on PostgreSQL."""
    start = at("2026-03-02 10:00")

    def attempt(index: int) -> str:
        with transaction.atomic():
            Booking(
                event_type=intro,
                start=start,
                end=start + intro.duration,
                guest_name="Raw",
                guest_email=f"r{index}@example.com",
                guest_timezone="UTC",
                status=BookingStatus.CONFIRMED,
            ).save()
        return "inserted"

    outcomes = race(attempt)
    assert outcomes["inserted"] == 1
    assert outcomes["vetoed"] + outcomes["deadlock"] == CLIENTS - 1, outcomes
    assert Booking.objects.filter(start=start).count() == 1
