"""The slot engine, as a specification. Pure: no database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from availability.slots import (
    Busy,
    EventRules,
    Refusal,
    Schedule,
    WallRange,
    compute_slots,
    local_to_utc,
    refusal_for_start,
    seat_group_of,
)

UTC = dt.UTC
NINE_TO_FIVE = {day: [WallRange(dt.time(9), dt.time(17))] for day in range(5)}


def schedule(zone: str, weekly=None, overrides=None) -> Schedule:
    return Schedule(
        zone=ZoneInfo(zone),
        weekly=NINE_TO_FIVE if weekly is None else weekly,
        overrides=overrides or {},
    )


def rules(**overrides) -> EventRules:
    values = {
        "event_type_id": 1,
        "duration": dt.timedelta(minutes=30),
        "interval": dt.timedelta(minutes=30),
        "window_days": 365,
    }
    values.update(overrides)
    return EventRules(**values)


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=UTC)


def local(text: str, zone: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)


LONG_AGO = utc("2026-01-01T00:00")


def slots_on(sched, event_rules, day, *, busy=(), now=LONG_AGO, guest=None):
    return compute_slots(
        sched,
        event_rules,
        busy,
        now=now,
        first_day=day,
        last_day=day,
        guest_zone=ZoneInfo(guest) if guest else sched.zone,
    )


def local_starts(slots, zone):
    return [slot.start.astimezone(ZoneInfo(zone)).strftime("%H:%M") for slot in slots]


def test_it_offers_the_weekday_hours_on_the_slot_grid():
    found = slots_on(schedule("America/New_York"), rules(), dt.date(2026, 3, 2))
    starts = local_starts(found, "America/New_York")
    assert starts[0] == "09:00" and starts[-1] == "16:30" and len(starts) == 16
    assert all(slot.end - slot.start == dt.timedelta(minutes=30) for slot in found)
    assert all(slot.seats_left == 1 for slot in found)


def test_it_offers_nothing_on_days_without_hours():
    assert slots_on(schedule("America/New_York"), rules(), dt.date(2026, 3, 7)) == []


def test_slots_step_by_the_interval_and_must_fit_the_duration():
    found = slots_on(
        schedule("UTC"),
        rules(duration=dt.timedelta(minutes=45), interval=dt.timedelta(minutes=60)),
        dt.date(2026, 3, 2),
    )
    assert local_starts(found, "UTC") == [f"{hour:02d}:00" for hour in range(9, 17)]
    found = slots_on(
        schedule("UTC"),
        rules(duration=dt.timedelta(minutes=90), interval=dt.timedelta(minutes=60)),
        dt.date(2026, 3, 2),
    )
    assert local_starts(found, "UTC")[-1] == "15:00"


# --- DST weeks: hours stay wall-clock hours on both sides of the change -------------------

DST_WEEKS = [
    # zone, a local date before the change, the change date, a local date after it
    ("America/New_York", dt.date(2026, 3, 6), dt.date(2026, 3, 9)),
    ("America/New_York", dt.date(2026, 10, 30), dt.date(2026, 11, 2)),
    ("America/Los_Angeles", dt.date(2026, 3, 6), dt.date(2026, 3, 9)),
    ("America/Los_Angeles", dt.date(2026, 10, 30), dt.date(2026, 11, 2)),
    ("Europe/London", dt.date(2026, 3, 27), dt.date(2026, 3, 30)),
    ("Europe/London", dt.date(2026, 10, 23), dt.date(2026, 10, 26)),
    ("Australia/Sydney", dt.date(2026, 4, 3), dt.date(2026, 4, 6)),
    ("Australia/Sydney", dt.date(2026, 10, 2), dt.date(2026, 10, 5)),
]


@pytest.mark.parametrize(("zone", "before", "after"), DST_WEEKS)
def test_hours_stay_nine_to_five_local_across_a_dst_change(zone, before, after):
    sched = schedule(zone)
    before_slots = slots_on(sched, rules(), before)
    after_slots = slots_on(sched, rules(), after)
    assert local_starts(before_slots, zone) == local_starts(after_slots, zone)
    assert local_starts(after_slots, zone)[0] == "09:00"
    # ...while the UTC instants move by the hour the clocks moved.
    shift = (after_slots[0].start - before_slots[0].start) - (after - before) * 1
    assert abs(shift) == dt.timedelta(hours=1)


@pytest.mark.parametrize(("zone", "before", "after"), DST_WEEKS)
def test_a_guest_elsewhere_sees_the_host_hours_shift_when_only_one_side_changes(
    zone, before, after
):
    guest = "Asia/Tokyo"  # no DST: sees the host's day move by an hour
    sched = schedule(zone)
    first_before = slots_on(sched, rules(), before)[0].start
    first_after = slots_on(sched, rules(), after)[0].start
    guest_before = first_before.astimezone(ZoneInfo(guest)).time()
    guest_after = first_after.astimezone(ZoneInfo(guest)).time()
    assert guest_before != guest_after


def test_the_new_york_spring_forward_sunday_skips_the_missing_hour():
    # 2026-03-08: 02:00-03:00 does not exist in New York.
    sched = schedule("America/New_York", weekly={6: [WallRange(dt.time(1), dt.time(4))]})
    found = slots_on(
        sched,
        rules(interval=dt.timedelta(minutes=60), duration=dt.timedelta(minutes=60)),
        dt.date(2026, 3, 8),
    )
    # 01:00 EST -> 06:00Z ... 04:00 EDT -> 08:00Z: two real hours, not three.
    assert [slot.start for slot in found] == [utc("2026-03-08T06:00"), utc("2026-03-08T07:00")]
    assert local_starts(found, "America/New_York") == ["01:00", "03:00"]


def test_a_range_starting_in_the_skipped_hour_starts_when_the_clock_resumes():
    assert local_to_utc(
        dt.date(2026, 3, 8), dt.time(2, 30), ZoneInfo("America/New_York"), prefer_later=False
    ) == utc("2026-03-08T07:30")  # 03:30 EDT
    sched = schedule("America/New_York", weekly={6: [WallRange(dt.time(2, 30), dt.time(5))]})
    found = slots_on(sched, rules(), dt.date(2026, 3, 8))
    assert local_starts(found, "America/New_York")[0] == "03:30"


def test_a_repeated_hour_counts_twice_on_the_fall_back_sunday():
    # 2026-11-01: 01:00-02:00 happens twice in New York. 00:00-03:00 local is four real hours.
    sched = schedule("America/New_York", weekly={6: [WallRange(dt.time(0), dt.time(3))]})
    found = slots_on(
        sched,
        rules(interval=dt.timedelta(hours=1), duration=dt.timedelta(hours=1)),
        dt.date(2026, 11, 1),
    )
    assert len(found) == 4
    assert local_starts(found, "America/New_York") == ["00:00", "01:00", "01:00", "02:00"]


def test_an_ambiguous_start_means_the_first_and_an_ambiguous_end_the_second_occurrence():
    zone = ZoneInfo("America/New_York")
    day = dt.date(2026, 11, 1)
    assert local_to_utc(day, dt.time(1, 30), zone, prefer_later=False) == utc("2026-11-01T05:30")
    assert local_to_utc(day, dt.time(1, 30), zone, prefer_later=True) == utc("2026-11-01T06:30")


def test_sydney_spring_forward_in_october_has_a_short_night():
    # 2026-10-04: 02:00 jumps to 03:00 in Sydney.
    sched = schedule("Australia/Sydney", weekly={6: [WallRange(dt.time(1), dt.time(4))]})
    found = slots_on(
        sched,
        rules(interval=dt.timedelta(hours=1), duration=dt.timedelta(hours=1)),
        dt.date(2026, 10, 4),
    )
    assert local_starts(found, "Australia/Sydney") == ["01:00", "03:00"]


def test_london_hours_are_offered_in_a_los_angeles_guest_timezone():
    sched = schedule("Europe/London")
    found = slots_on(sched, rules(), dt.date(2026, 3, 2), guest="America/Los_Angeles")
    # London 09:00 GMT = 01:00 PST; the guest's Monday holds London's Monday morning.
    assert local_starts(found, "America/Los_Angeles")[0] == "01:00"
    assert all(
        slot.start.astimezone(ZoneInfo("America/Los_Angeles")).date() == dt.date(2026, 3, 2)
        for slot in found
    )


def test_guest_dates_pick_slots_by_the_guest_calendar_not_the_host_one():
    # New York Monday 09:00-17:00 (EST, -5) is Tuesday 01:00-09:00 in Sydney (AEDT, +11).
    sched = schedule("America/New_York")
    assert slots_on(sched, rules(), dt.date(2026, 3, 2), guest="Australia/Sydney") == []
    tuesday = slots_on(sched, rules(), dt.date(2026, 3, 3), guest="Australia/Sydney")
    assert local_starts(tuesday, "Australia/Sydney")[0] == "01:00"
    assert tuesday[0].start == local("2026-03-02T09:00", "America/New_York")
    assert local_starts(tuesday, "Australia/Sydney")[-1] == "08:30"


# --- overrides ----------------------------------------------------------------------------


def test_an_override_replaces_the_weekday_hours_for_that_date():
    day = dt.date(2026, 3, 2)
    sched = schedule("UTC", overrides={day: [WallRange(dt.time(13), dt.time(14))]})
    assert local_starts(slots_on(sched, rules(), day), "UTC") == ["13:00", "13:30"]


def test_an_override_without_hours_closes_the_day():
    day = dt.date(2026, 3, 2)
    sched = schedule("UTC", overrides={day: []})
    assert slots_on(sched, rules(), day) == []


def test_an_override_can_open_a_weekend_day():
    day = dt.date(2026, 3, 7)
    sched = schedule("UTC", overrides={day: [WallRange(dt.time(10), dt.time(11))]})
    assert local_starts(slots_on(sched, rules(), day), "UTC") == ["10:00", "10:30"]


def test_several_ranges_a_day_and_touching_ranges_merge():
    sched = schedule(
        "UTC",
        weekly={
            0: [
                WallRange(dt.time(9), dt.time(10)),
                WallRange(dt.time(10), dt.time(11)),
                WallRange(dt.time(14), dt.time(15)),
            ]
        },
    )
    found = slots_on(sched, rules(duration=dt.timedelta(hours=1)), dt.date(2026, 3, 2))
    assert local_starts(found, "UTC") == ["09:00", "09:30", "10:00", "14:00"]


def test_an_end_of_midnight_runs_to_the_end_of_the_day_and_joins_the_next():
    sched = schedule(
        "UTC",
        weekly={0: [WallRange(dt.time(23), dt.time(0))], 1: [WallRange(dt.time(0), dt.time(1))]},
    )
    found = compute_slots(
        sched,
        rules(duration=dt.timedelta(hours=1)),
        [],
        now=utc("2026-01-01T00:00"),
        first_day=dt.date(2026, 3, 2),
        last_day=dt.date(2026, 3, 3),
        guest_zone=ZoneInfo("UTC"),
    )
    assert [slot.start for slot in found] == [
        utc("2026-03-02T23:00"),
        utc("2026-03-02T23:30"),
        utc("2026-03-03T00:00"),
    ]


# --- busy time, buffers, seats ------------------------------------------------------------


def test_busy_time_removes_the_slots_it_overlaps():
    busy = [Busy(utc("2026-03-02T10:00"), utc("2026-03-02T11:00"))]
    found = slots_on(schedule("UTC"), rules(), dt.date(2026, 3, 2), busy=busy)
    starts = local_starts(found, "UTC")
    assert "09:30" in starts and "11:00" in starts
    assert "10:00" not in starts and "10:30" not in starts


def test_the_candidate_buffers_keep_it_away_from_busy_time():
    busy = [Busy(utc("2026-03-02T10:00"), utc("2026-03-02T11:00"))]
    found = slots_on(
        schedule("UTC"),
        rules(buffer_before=dt.timedelta(minutes=15), buffer_after=dt.timedelta(minutes=15)),
        dt.date(2026, 3, 2),
        busy=busy,
    )
    starts = local_starts(found, "UTC")
    assert "09:30" not in starts  # its after-buffer would reach 10:15
    assert "11:00" not in starts  # its before-buffer would reach back to 10:45
    assert "09:00" in starts and "11:30" in starts


def test_existing_bookings_buffers_block_candidates_too():
    busy = [
        Busy(
            utc("2026-03-02T10:00"), utc("2026-03-02T11:00"), buffer_after=dt.timedelta(minutes=15)
        )
    ]
    starts = local_starts(slots_on(schedule("UTC"), rules(), dt.date(2026, 3, 2), busy=busy), "UTC")
    assert "11:00" not in starts and "11:30" in starts


def test_two_buffers_may_overlap_each_other():
    # Existing 10:00-11:00 with 15 min after; candidate 11:30 with 30 min before: both buffers
    # cover 11:00-11:15, but neither buffer overlaps a meeting.
    busy = [
        Busy(
            utc("2026-03-02T10:00"), utc("2026-03-02T11:00"), buffer_after=dt.timedelta(minutes=15)
        )
    ]
    found = slots_on(
        schedule("UTC"),
        rules(buffer_before=dt.timedelta(minutes=30)),
        dt.date(2026, 3, 2),
        busy=busy,
    )
    assert "11:30" in local_starts(found, "UTC")


def test_a_seated_slot_stays_offered_until_its_seats_are_taken():
    start = utc("2026-03-02T10:00")
    seated = rules(seats=3, duration=dt.timedelta(hours=1), interval=dt.timedelta(hours=1))
    mates = [Busy(start, start + dt.timedelta(hours=1), seat_key=seat_group_of(1, start))] * 2
    found = {
        slot.start: slot
        for slot in slots_on(schedule("UTC"), seated, dt.date(2026, 3, 2), busy=mates)
    }
    assert found[start].seats_left == 1
    full = mates + [Busy(start, start + dt.timedelta(hours=1), seat_key=seat_group_of(1, start))]
    found = {
        slot.start: slot
        for slot in slots_on(schedule("UTC"), seated, dt.date(2026, 3, 2), busy=full)
    }
    assert start not in found
    assert found[utc("2026-03-02T11:00")].seats_left == 3


def test_a_seated_booking_blocks_other_event_types_and_other_starts():
    start = utc("2026-03-02T10:00")
    seat = Busy(start, start + dt.timedelta(hours=1), seat_key=seat_group_of(1, start))
    other_event = rules(event_type_id=2)
    starts = local_starts(
        slots_on(schedule("UTC"), other_event, dt.date(2026, 3, 2), busy=[seat]), "UTC"
    )
    assert "10:00" not in starts and "10:30" not in starts
    same_event_half_past = rules(seats=3, duration=dt.timedelta(hours=1))
    starts = local_starts(
        slots_on(schedule("UTC"), same_event_half_past, dt.date(2026, 3, 2), busy=[seat]), "UTC"
    )
    assert "10:00" in starts and "10:30" not in starts and "09:30" not in starts


# --- notice and window ----------------------------------------------------------------------


def test_minimum_notice_hides_slots_too_soon():
    now = utc("2026-03-02T10:10")
    found = slots_on(
        schedule("UTC"), rules(minimum_notice=dt.timedelta(hours=2)), dt.date(2026, 3, 2), now=now
    )
    assert local_starts(found, "UTC")[0] == "12:30"


def test_past_slots_are_never_offered():
    now = utc("2026-03-02T12:00")
    found = slots_on(schedule("UTC"), rules(), dt.date(2026, 3, 2), now=now)
    assert local_starts(found, "UTC")[0] == "12:00"


def test_the_booking_window_counts_host_local_days():
    now = utc("2026-03-02T12:00")
    event = rules(window_days=7)
    assert slots_on(schedule("UTC"), event, dt.date(2026, 3, 9), now=now)
    assert slots_on(schedule("UTC"), event, dt.date(2026, 3, 10), now=now) == []


# --- refusals -----------------------------------------------------------------------------

NOW = utc("2026-03-02T12:00")


@pytest.mark.parametrize(
    ("start", "expected"),
    [
        ("2026-03-02T11:00", Refusal.IN_PAST),
        ("2026-03-02T12:30", Refusal.INSIDE_MINIMUM_NOTICE),
        ("2027-03-08T10:00", Refusal.BEYOND_WINDOW),
        ("2026-03-03T08:00", Refusal.OUTSIDE_HOURS),
        ("2026-03-03T16:45", Refusal.OUTSIDE_HOURS),  # would end after 17:00
        ("2026-03-03T10:10", Refusal.OFF_GRID),
        ("2026-03-03T10:00", Refusal.TAKEN),
        ("2026-03-03T11:00", None),
    ],
)
def test_it_says_why_a_start_cannot_be_booked(start, expected):
    busy = [Busy(utc("2026-03-03T10:00"), utc("2026-03-03T10:30"))]
    refusal = refusal_for_start(
        schedule("UTC"),
        rules(minimum_notice=dt.timedelta(hours=1)),
        busy,
        now=NOW,
        start=utc(start),
    )
    assert refusal == expected


def test_every_offered_slot_is_accepted_and_nothing_else_on_the_grid_is():
    sched = schedule("America/New_York")
    event = rules(buffer_after=dt.timedelta(minutes=15), minimum_notice=dt.timedelta(hours=2))
    busy = [
        Busy(
            local("2026-03-09T11:00", "America/New_York"),
            local("2026-03-09T12:00", "America/New_York"),
        )
    ]
    now = local("2026-03-06T15:00", "America/New_York")
    offered = {
        slot.start
        for slot in compute_slots(
            sched,
            event,
            busy,
            now=now,
            first_day=dt.date(2026, 3, 6),
            last_day=dt.date(2026, 3, 10),
            guest_zone=ZoneInfo("America/New_York"),
        )
    }
    candidate = local("2026-03-06T00:00", "America/New_York")
    while candidate < local("2026-03-11T00:00", "America/New_York"):
        accepted = refusal_for_start(sched, event, busy, now=now, start=candidate) is None
        assert accepted == (candidate in offered), candidate
        candidate += dt.timedelta(minutes=15)
