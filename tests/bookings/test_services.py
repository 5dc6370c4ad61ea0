"""The booking service: rules, state changes and the database guarantee."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from availability.loader import find_slots
from availability.models import BusyBlock, DateOverride
from bookings import services
from bookings.models import Booking, BookingStatus, CancelledBy
from tests.conftest import MONDAY, at, book, make_event_type

pytestmark = pytest.mark.django_db


def test_a_booking_is_confirmed_with_its_end_and_a_stable_uid(frozen_now, intro):
    booking = book(intro, at("2026-03-02 10:00"))
    assert booking.status == BookingStatus.CONFIRMED
    assert booking.end - booking.start == dt.timedelta(minutes=30)
    assert booking.start == dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
    assert booking.host == intro.host
    assert booking.sequence == 0


def test_a_booking_of_an_event_that_needs_confirmation_is_pending(frozen_now, consult):
    assert book(consult, at("2026-03-02 10:00")).status == BookingStatus.PENDING


def test_a_taken_slot_is_refused_as_unavailable(frozen_now, intro):
    book(intro, at("2026-03-02 10:00"))
    with pytest.raises(services.SlotUnavailable):
        book(intro, at("2026-03-02 10:00"), email="other@example.com")


@pytest.mark.parametrize(
    ("local_start", "reason"),
    [
        ("2026-02-27 09:00", "in_past"),
        ("2026-03-02 07:00", "outside_hours"),
        ("2026-03-02 16:45", "outside_hours"),
        ("2026-03-02 10:10", "off_grid"),
        ("2028-03-02 10:00", "beyond_window"),
    ],
)
def test_it_refuses_starts_that_break_the_rules(frozen_now, intro, local_start, reason):
    with pytest.raises(services.BookingRefused) as refused:
        book(intro, at(local_start))
    assert refused.value.reason == reason
    assert not Booking.objects.exists()


def test_it_refuses_a_start_inside_minimum_notice(frozen_now, alice):
    # frozen_now is Friday 10:00 in New York.
    event_type = make_event_type(alice, "soon", minimum_notice_minutes=120)
    with pytest.raises(services.BookingRefused) as refused:
        book(event_type, at("2026-02-27 11:30"))
    assert refused.value.reason == "inside_minimum_notice"
    assert book(event_type, at("2026-02-27 12:00"))


def test_it_refuses_an_inactive_event_type(frozen_now, intro):
    intro.is_active = False
    intro.save()
    with pytest.raises(services.BookingRefused) as refused:
        book(intro, at("2026-03-02 10:00"))
    assert refused.value.reason == "event_inactive"


def test_a_booking_blocks_every_event_type_of_the_host(frozen_now, intro, consult):
    book(intro, at("2026-03-02 10:00"))
    with pytest.raises(services.SlotUnavailable):
        book(consult, at("2026-03-02 10:00"))


def test_a_pending_booking_blocks_like_a_confirmed_one(frozen_now, intro, consult):
    book(consult, at("2026-03-02 10:00"))
    with pytest.raises(services.SlotUnavailable):
        book(intro, at("2026-03-02 10:30"))


def test_buffers_after_an_existing_booking_are_respected(frozen_now, intro, consult):
    book(consult, at("2026-03-02 10:00"))  # 15 minutes after: 11:00-11:15 kept clear
    with pytest.raises(services.SlotUnavailable):
        book(intro, at("2026-03-02 11:00"))
    assert book(intro, at("2026-03-02 11:30"))


def test_another_hosts_bookings_do_not_block(frozen_now, intro, bob):
    bobs = make_event_type(bob, "intro")
    bob_start = at("2026-03-02 15:00", "Europe/London")  # 10:00 in New York
    book(bobs, bob_start)
    assert book(intro, bob_start)


def test_busy_blocks_and_overrides_are_honoured(frozen_now, intro, alice):
    BusyBlock.objects.create(host=alice, start=at("2026-03-02 10:00"), end=at("2026-03-02 11:00"))
    with pytest.raises(services.SlotUnavailable):
        book(intro, at("2026-03-02 10:30"))
    DateOverride.objects.create(host=alice, date=dt.date(2026, 3, 3))
    with pytest.raises(services.BookingRefused):
        book(intro, at("2026-03-03 10:00"))


def test_seats_fill_up_then_refuse(frozen_now, workshop):
    start = at("2026-03-02 10:00")
    for index in range(3):
        book(workshop, start, email=f"guest{index}@example.com")
    with pytest.raises(services.SlotUnavailable):
        book(workshop, start, email="late@example.com")
    slots = find_slots(workshop, MONDAY, MONDAY, workshop.host.zone)
    assert start not in {slot.start for slot in slots}


def test_seats_left_is_reported_per_slot(frozen_now, workshop):
    start = at("2026-03-02 10:00")
    book(workshop, start)
    slots = {slot.start: slot for slot in find_slots(workshop, MONDAY, MONDAY, workshop.host.zone)}
    assert slots[start].seats_left == 2


# --- reschedule, cancel, confirm, decline -------------------------------------------------


def test_rescheduling_keeps_the_uid_and_raises_the_sequence(frozen_now, intro):
    booking = book(intro, at("2026-03-02 10:00"))
    moved = services.reschedule_booking(booking, start=at("2026-03-03 14:00"))
    assert moved.uid == booking.uid and moved.pk == booking.pk
    assert moved.sequence == 1
    assert moved.start == at("2026-03-03 14:00")
    assert moved.end == at("2026-03-03 14:30")
    # The old time is free again.
    assert book(intro, at("2026-03-02 10:00"), email="next@example.com")


def test_rescheduling_may_overlap_the_booking_own_old_time(frozen_now, consult):
    booking = book(consult, at("2026-03-02 10:00"))
    moved = services.reschedule_booking(booking, start=at("2026-03-02 11:00"))
    assert moved.start == at("2026-03-02 11:00")


def test_rescheduling_into_a_taken_slot_is_refused_and_changes_nothing(frozen_now, intro):
    first = book(intro, at("2026-03-02 10:00"))
    book(intro, at("2026-03-02 11:00"), email="x@example.com")
    with pytest.raises(services.SlotUnavailable):
        services.reschedule_booking(first, start=at("2026-03-02 11:00"))
    first.refresh_from_db()
    assert first.start == at("2026-03-02 10:00") and first.sequence == 0


def test_cancelling_frees_the_slot_and_records_who_and_why(frozen_now, intro):
    booking = book(intro, at("2026-03-02 10:00"))
    cancelled = services.cancel_booking(booking, by=CancelledBy.GUEST, reason="Sick")
    assert cancelled.status == BookingStatus.CANCELLED
    assert cancelled.cancelled_by == "guest" and cancelled.cancel_reason == "Sick"
    assert cancelled.sequence == 1
    assert book(intro, at("2026-03-02 10:00"), email="next@example.com")


def test_a_cancelled_booking_cannot_be_cancelled_or_moved_again(frozen_now, intro):
    booking = services.cancel_booking(book(intro, at("2026-03-02 10:00")), by=CancelledBy.GUEST)
    with pytest.raises(services.InvalidState):
        services.cancel_booking(booking, by=CancelledBy.GUEST)
    with pytest.raises(services.InvalidState):
        services.reschedule_booking(booking, start=at("2026-03-03 10:00"))


def test_a_guest_cannot_cancel_after_the_start(intro):
    import time_machine

    with time_machine.travel(at("2026-02-27 10:00"), tick=False):
        booking = book(intro, at("2026-03-02 10:00"))
    with time_machine.travel(at("2026-03-02 10:05"), tick=False):
        with pytest.raises(services.InvalidState):
            services.cancel_booking(booking, by=CancelledBy.GUEST)
        assert services.cancel_booking(booking, by=CancelledBy.HOST).status == "cancelled"


def test_confirming_a_pending_booking(frozen_now, consult):
    booking = services.confirm_booking(book(consult, at("2026-03-02 10:00")))
    assert booking.status == BookingStatus.CONFIRMED and booking.sequence == 1
    with pytest.raises(services.InvalidState):
        services.confirm_booking(booking)


def test_declining_frees_the_time(frozen_now, consult):
    booking = services.decline_booking(book(consult, at("2026-03-02 10:00")), reason="Away")
    assert booking.status == BookingStatus.DECLINED and booking.cancel_reason == "Away"
    assert book(consult, at("2026-03-02 10:00"), email="next@example.com").status == "pending"


# --- the database is the last word ----------------------------------------------------------


def _raw_booking(event_type, start, **fields):
    return Booking(
        event_type=event_type,
        start=start,
        end=start + event_type.duration,
        guest_name="Raw",
        guest_email="raw@example.com",
        guest_timezone="UTC",
        status=BookingStatus.CONFIRMED,
        **fields,
    )


def test_the_database_refuses_overlapping_bookings_written_around_the_service(
    frozen_now, intro, consult
):
    _raw_booking(intro, at("2026-03-02 10:00")).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_booking(consult, at("2026-03-02 10:15")).save()


def test_the_database_allows_seat_mates_but_not_other_overlaps(frozen_now, workshop, intro):
    start = at("2026-03-02 10:00")
    _raw_booking(workshop, start).save()
    _raw_booking(workshop, start).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_booking(workshop, start + dt.timedelta(minutes=30)).save()
    with pytest.raises(IntegrityError), transaction.atomic():
        _raw_booking(intro, start).save()


def test_the_database_ignores_inactive_bookings_for_overlaps(frozen_now, intro):
    _raw_booking(
        intro,
        at("2026-03-02 10:00"),
    ).save()
    Booking.objects.update(status=BookingStatus.CANCELLED)
    _raw_booking(intro, at("2026-03-02 10:00")).save()


def test_an_integrity_veto_becomes_slot_unavailable(frozen_now, intro):
    """If the Python check were ever bypassed, the constraint still answers SLOT_UNAVAILABLE."""
    booking = _raw_booking(intro, at("2026-03-02 10:00"))
    booking.save()
    duplicate = _raw_booking(intro, at("2026-03-02 10:00"))
    with pytest.raises(services.SlotUnavailable):
        services._save_guarded(duplicate)


def test_manual_busy_blocks_may_not_overlap(frozen_now, alice):
    BusyBlock.objects.create(host=alice, start=at("2026-03-02 10:00"), end=at("2026-03-02 11:00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        BusyBlock.objects.create(
            host=alice, start=at("2026-03-02 10:30"), end=at("2026-03-02 12:00")
        )
    BusyBlock.objects.create(
        host=alice,
        start=at("2026-03-02 10:30"),
        end=at("2026-03-02 12:00"),
        source="google",
        external_id="evt-1",
    )


# --- query counts ---------------------------------------------------------------------------


def _fill(event_type, count):
    start = at("2026-03-02 09:00")
    made = 0
    day = 0
    while made < count:
        slot = start + dt.timedelta(days=day * 7 + (made % 5), minutes=30 * ((made // 5) % 16))
        Booking(
            event_type=event_type,
            start=slot,
            end=slot + event_type.duration,
            guest_name="G",
            guest_email="g@example.com",
            guest_timezone="UTC",
            status=BookingStatus.CONFIRMED,
        ).save()
        made += 1
        if made % 80 == 0:
            day += 1


@pytest.mark.parametrize("bookings", [1, 200])
def test_finding_slots_costs_the_same_queries_whatever_the_bookings(
    frozen_now, intro, django_assert_num_queries, bookings
):
    _fill(intro, bookings)
    event_type = type(intro).objects.select_related("host").get(pk=intro.pk)
    with django_assert_num_queries(1):
        find_slots(event_type, MONDAY, MONDAY + dt.timedelta(days=30), event_type.host.zone)


def test_making_an_event_seated_later_keeps_earlier_bookings_one_to_one(frozen_now, intro):
    """The slot list and the database agree: a booking made one-to-one is never shared."""
    start = at("2026-03-02 10:00")
    book(intro, start)
    intro.seats = 3
    intro.save()
    offered = {slot.start for slot in find_slots(intro, MONDAY, MONDAY, intro.host.zone)}
    assert start not in offered
    with pytest.raises(services.SlotUnavailable):
        book(intro, start, email="second@example.com")
    assert book(intro, at("2026-03-02 11:00"), email="a@example.com").seat_group.startswith("seat:")
    assert book(intro, at("2026-03-02 11:00"), email="b@example.com")
