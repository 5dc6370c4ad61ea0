"""Daily figures from hand-built histories: what counts on which host-local day, DST days in
New York and Sydney, moved bookings, cancelled reschedules, corrected marks, idempotence."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from analytics import rollup
from analytics.models import DailyStats, DirtyDay
from analytics.reports import Period, build_report, parse_period
from bookings import services
from tests.conftest import at, book, make_event_type, make_host

pytestmark = pytest.mark.django_db

NY = "America/New_York"
SYD = "Australia/Sydney"


def row(host, day: str, event_type=None) -> dict:
    found = DailyStats.objects.filter(host=host, date=dt.date.fromisoformat(day))
    if event_type is not None:
        found = found.filter(event_type=event_type)
    totals = dict.fromkeys(rollup.COUNTERS, 0)
    for stats in found:
        for name in rollup.COUNTERS:
            totals[name] += getattr(stats, name)
    return {name: value for name, value in totals.items() if value}


def book_at(event_type, start, when, **kwargs):
    with time_machine.travel(when, tick=False):
        return book(event_type, start, now=when, **kwargs)


def test_a_booking_made_on_monday_for_friday_is_created_monday_and_completed_friday(
    frozen_now, alice, intro
):
    booking = book_at(intro, at("2026-03-06 10:00"), at("2026-03-02 10:00"))
    services.mark_attendance(booking, status="completed", now=at("2026-03-07 09:00"))
    rollup.rollup_span(alice, dt.date(2026, 3, 1), dt.date(2026, 3, 8))
    assert row(alice, "2026-03-02") == {"created": 1, "confirmed": 1}
    assert row(alice, "2026-03-06") == {"completed": 1}
    assert row(alice, "2026-03-07") == {}
    stats = DailyStats.objects.get(host=alice, date=dt.date(2026, 3, 2))
    assert stats.lead_times == [96 * 60]


def test_new_yorks_23_hour_spring_day_keeps_its_evening(frozen_now, alice, intro):
    # Sunday 8 March 2026 has 23 hours in New York. 23:30 that evening is 03:30 UTC on the 9th
    # (EDT, -4); a UTC day or a fixed -5 offset would put it on Monday.
    book_at(intro, at("2026-03-09 10:00"), at("2026-03-08 23:30"))
    book_at(intro, at("2026-03-09 11:00"), at("2026-03-08 00:10"))
    book_at(intro, at("2026-03-09 12:00"), at("2026-03-09 00:10"))
    book_at(intro, at("2026-03-09 13:00"), at("2026-03-07 23:59"))
    rollup.rollup_span(alice, dt.date(2026, 3, 7), dt.date(2026, 3, 9))
    assert row(alice, "2026-03-07")["created"] == 1
    assert row(alice, "2026-03-08")["created"] == 2
    assert row(alice, "2026-03-09")["created"] == 1


def test_new_yorks_25_hour_autumn_day(frozen_now, alice, intro):
    # Sunday 1 November 2026: 01:00-02:00 happens twice; 23:30 is 04:30 UTC on the 2nd.
    book_at(intro, at("2026-11-02 10:00"), at("2026-11-01 23:30"))
    book_at(intro, at("2026-11-02 11:00"), dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC))
    book_at(intro, at("2026-11-02 12:00"), at("2026-11-02 00:00"))
    rollup.rollup_span(alice, dt.date(2026, 10, 31), dt.date(2026, 11, 2))
    assert row(alice, "2026-11-01")["created"] == 2
    assert row(alice, "2026-11-02")["created"] == 1


@pytest.fixture
def sydney(db):
    return make_host("sam@example.com", "sam", SYD, weekdays=range(7))


def test_sydneys_25_hour_autumn_day(frozen_now, sydney):
    # Sunday 5 April 2026: clocks go from 03:00 AEDT back to 02:00 AEST. The local day runs
    # 13:00 UTC on the 4th to 14:00 UTC on the 5th.
    call = make_event_type(sydney, "call")
    book_at(call, at("2026-04-07 10:00", SYD), dt.datetime(2026, 4, 4, 13, 0, tzinfo=dt.UTC))
    book_at(call, at("2026-04-07 11:00", SYD), dt.datetime(2026, 4, 5, 13, 59, tzinfo=dt.UTC))
    book_at(call, at("2026-04-07 12:00", SYD), dt.datetime(2026, 4, 5, 14, 0, tzinfo=dt.UTC))
    book_at(call, at("2026-04-07 13:00", SYD), dt.datetime(2026, 4, 4, 12, 59, tzinfo=dt.UTC))
    rollup.rollup_span(sydney, dt.date(2026, 4, 4), dt.date(2026, 4, 6))
    assert row(sydney, "2026-04-04")["created"] == 1
    assert row(sydney, "2026-04-05")["created"] == 2
    assert row(sydney, "2026-04-06")["created"] == 1


def test_sydneys_23_hour_spring_day(frozen_now, sydney):
    # Sunday 4 October 2026: 02:00 AEST jumps to 03:00 AEDT; the day is 14:00 UTC on the 3rd
    # to 13:00 UTC on the 4th.
    call = make_event_type(sydney, "call")
    book_at(call, at("2026-10-06 10:00", SYD), dt.datetime(2026, 10, 3, 13, 59, tzinfo=dt.UTC))
    book_at(call, at("2026-10-06 11:00", SYD), dt.datetime(2026, 10, 3, 14, 0, tzinfo=dt.UTC))
    book_at(call, at("2026-10-06 12:00", SYD), dt.datetime(2026, 10, 4, 12, 59, tzinfo=dt.UTC))
    book_at(call, at("2026-10-06 13:00", SYD), dt.datetime(2026, 10, 4, 13, 0, tzinfo=dt.UTC))
    rollup.rollup_span(sydney, dt.date(2026, 10, 3), dt.date(2026, 10, 5))
    assert row(sydney, "2026-10-03")["created"] == 1
    assert row(sydney, "2026-10-04")["created"] == 2
    assert row(sydney, "2026-10-05")["created"] == 1


def test_a_booking_moved_across_days_counts_where_each_thing_happened(frozen_now, alice, intro):
    booking = book_at(intro, at("2026-03-04 10:00"), at("2026-03-02 09:00"))
    with time_machine.travel(at("2026-03-03 12:00"), tick=False):
        moved = services.reschedule_booking(booking, start=at("2026-03-05 15:00"), by="guest")
    services.mark_attendance(moved, status="completed", now=at("2026-03-05 16:00"))
    rollup.rollup_span(alice, dt.date(2026, 3, 1), dt.date(2026, 3, 6))
    assert row(alice, "2026-03-02") == {"created": 1, "confirmed": 1}
    assert row(alice, "2026-03-03") == {"rescheduled": 1}
    assert row(alice, "2026-03-04") == {}  # the meeting's old day
    assert row(alice, "2026-03-05") == {"completed": 1}
    # Lead time is to the start it was booked for.
    assert DailyStats.objects.get(date=dt.date(2026, 3, 2)).lead_times == [49 * 60]


def test_a_cancelled_reschedule_counts_both_and_the_cancellation_rate(frozen_now, alice, intro):
    first = book_at(intro, at("2026-03-04 10:00"), at("2026-03-02 09:00"))
    second = book_at(intro, at("2026-03-04 11:00"), at("2026-03-02 09:30"))
    with time_machine.travel(at("2026-03-02 12:00"), tick=False):
        moved = services.reschedule_booking(first, start=at("2026-03-05 10:00"), by="host")
        services.cancel_booking(moved, by="guest", reason="Cannot after all")
        services.cancel_booking(second, by="host", reason="Ill")
    rollup.rollup_span(alice, dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    assert row(alice, "2026-03-02") == {
        "created": 2,
        "confirmed": 2,
        "rescheduled": 1,
        "cancelled_by_guest": 1,
        "cancelled_by_host": 1,
    }
    report = build_report(alice, Period(dt.date(2026, 3, 2), dt.date(2026, 3, 2), alice.zone))
    assert report.totals.cancellation_rate == 1.0


def test_requests_confirmed_and_declined_count_when_the_host_acts(frozen_now, alice, consult):
    one = book_at(consult, at("2026-03-04 10:00"), at("2026-03-02 09:00"))
    two = book_at(consult, at("2026-03-04 13:00"), at("2026-03-02 09:00"))
    with time_machine.travel(at("2026-03-03 08:00"), tick=False):
        services.confirm_booking(one, now=at("2026-03-03 08:00"))
        services.decline_booking(two, reason="Full")
    rollup.rollup_span(alice, dt.date(2026, 3, 2), dt.date(2026, 3, 3))
    assert row(alice, "2026-03-02") == {"created": 2}
    assert row(alice, "2026-03-03") == {"confirmed": 1, "declined": 1}


def test_a_corrected_mark_counts_once_by_its_latest_value(frozen_now, alice, intro):
    booking = book_at(intro, at("2026-03-04 10:00"), at("2026-03-02 09:00"))
    services.mark_attendance(booking, status="completed", now=at("2026-03-04 11:00"))
    services.mark_attendance(booking, status="no_show", now=at("2026-03-09 11:00"))
    rollup.rollup_span(alice, dt.date(2026, 3, 1), dt.date(2026, 3, 10))
    assert row(alice, "2026-03-04") == {"no_shows": 1}
    assert row(alice, "2026-03-09") == {}
    report = build_report(alice, Period(dt.date(2026, 3, 1), dt.date(2026, 3, 10), alice.zone))
    assert report.totals.completion_rate == 0.0


def test_figures_are_per_event_type_and_filterable(frozen_now, alice, intro, consult):
    book_at(intro, at("2026-03-04 10:00"), at("2026-03-02 09:00"))
    book_at(consult, at("2026-03-04 13:00"), at("2026-03-02 09:00"))
    book_at(consult, at("2026-03-04 15:00"), at("2026-03-02 09:00"))
    rollup.rollup_span(alice, dt.date(2026, 3, 2), dt.date(2026, 3, 2))
    assert row(alice, "2026-03-02", intro) == {"created": 1, "confirmed": 1}
    assert row(alice, "2026-03-02", consult) == {"created": 2}
    period = Period(dt.date(2026, 3, 2), dt.date(2026, 3, 2), alice.zone)
    assert build_report(alice, period, consult.pk).totals.counters["created"] == 2
    assert build_report(alice, period).totals.counters["created"] == 3


def test_recomputing_gives_the_same_rows_and_dirty_days_are_cleared(frozen_now, alice, intro):
    booking = book_at(intro, at("2026-03-04 10:00"), at("2026-03-02 09:00"))
    services.mark_attendance(booking, status="completed", now=at("2026-03-05 09:00"))
    dirty = set(DirtyDay.objects.values_list("date", flat=True))
    assert dirty == {dt.date(2026, 3, 2), dt.date(2026, 3, 4), dt.date(2026, 3, 5)}
    assert rollup.rollup_dirty_days() == 3
    assert not DirtyDay.objects.exists()

    def snapshot():
        return sorted(DailyStats.objects.values_list("date", "created", "completed", "lead_times"))

    first = snapshot()
    rollup.rebuild_all()
    assert snapshot() == first
    rollup.rollup_span(alice, dt.date(2026, 3, 1), dt.date(2026, 3, 6))
    assert (
        snapshot()
        == first
        == [
            (dt.date(2026, 3, 2), 1, 0, [2 * 24 * 60 + 60]),
            (dt.date(2026, 3, 4), 0, 1, []),
        ]
    )


def test_a_changed_timezone_rebuilds_the_host_on_its_new_days(frozen_now, alice, intro):
    book_at(intro, at("2026-03-04 10:00"), at("2026-03-02 21:30"))  # 02:30 UTC on the 3rd
    rollup.rebuild_host(alice)
    assert row(alice, "2026-03-02") == {"created": 1, "confirmed": 1}
    alice.timezone = "Europe/London"
    alice.save(update_fields=["timezone"])
    with time_machine.travel(at("2026-03-03 12:00"), tick=False):
        rollup.rollup_recent()
    assert row(alice, "2026-03-02") == {}
    assert row(alice, "2026-03-03") == {"created": 1, "confirmed": 1}


def test_the_rollup_command_rebuilds(frozen_now, alice, intro):
    from io import StringIO

    from django.core.management import call_command

    book_at(intro, at("2026-03-04 10:00"), at("2026-03-02 09:00"))
    DailyStats.objects.all().delete()
    out = StringIO()
    call_command("rollup_analytics", "--since", "2026-03-01", stdout=out)
    # The day it was made, and the meeting's day for the heatmap.
    assert "Rebuilt 2 daily row(s) for 1 host(s)." in out.getvalue()
    assert row(alice, "2026-03-02")["created"] == 1
    meeting = DailyStats.objects.get(date=dt.date(2026, 3, 4))
    assert meeting.meetings_by_hour[10] == 1 and sum(meeting.meetings_by_hour) == 1


def test_one_day_rollup_issues_the_same_queries_for_one_or_many_bookings(frozen_now, alice, intro):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    book_at(intro, at("2026-03-04 09:00"), at("2026-03-02 09:00"))
    for hour in range(9, 17):
        book_at(intro, at(f"2026-03-05 {hour:02d}:00"), at("2026-03-03 09:00"))
    counts = []
    for day in (dt.date(2026, 3, 2), dt.date(2026, 3, 3)):
        rollup.rollup_day(alice, day)
        with CaptureQueriesContext(connection) as captured:
            rollup.rollup_day(alice, day)
        counts.append(len(captured.captured_queries))
    assert counts[0] == counts[1]
    assert row(alice, "2026-03-03")["created"] == 8


def test_periods_end_today_in_the_hosts_zone(frozen_now, alice, sydney):
    # 2026-02-27 15:00 UTC is the 27th in New York and already the 28th in Sydney.
    assert parse_period("7d", alice.zone).end == dt.date(2026, 2, 27)
    assert parse_period("7d", sydney.zone) == Period(
        dt.date(2026, 2, 22), dt.date(2026, 2, 28), sydney.zone
    )
    assert parse_period("90d", alice.zone).days == 90
    assert parse_period("30d", alice.zone).previous().end == dt.date(2026, 1, 28)


def test_meetings_by_hour_are_on_the_hosts_clock_on_dst_days(frozen_now, intro):
    # New York falls back on Sunday 1 November 2026: 01:00-02:00 comes twice, both count at
    # 01; the meeting at 23:30 local is 04:30 UTC the next day but counts on the 1st. The host
    # books them by hand (outside their hours).
    host = make_host("nico@example.com", "nico", NY)
    call = make_event_type(host, "call")
    made = dt.datetime(2026, 10, 20, 12, 0, tzinfo=dt.UTC)
    book_at(call, dt.datetime(2026, 11, 1, 5, 30, tzinfo=dt.UTC), made, by_host=True)  # 01:30 EDT
    book_at(call, dt.datetime(2026, 11, 1, 6, 30, tzinfo=dt.UTC), made, by_host=True)  # 01:30 EST
    book_at(call, dt.datetime(2026, 11, 2, 4, 30, tzinfo=dt.UTC), made, by_host=True)  # 23:30 EST
    gone = book_at(call, dt.datetime(2026, 11, 1, 15, 0, tzinfo=dt.UTC), made, by_host=True)
    with time_machine.travel(made, tick=False):
        services.cancel_booking(gone, by="guest")
    rollup.rollup_dirty_days()
    day = DailyStats.objects.get(host=host, date=dt.date(2026, 11, 1))
    assert day.meetings_by_hour[1] == 2 and day.meetings_by_hour[23] == 1
    assert sum(day.meetings_by_hour) == 3
    assert not DailyStats.objects.filter(host=host, date=dt.date(2026, 11, 2)).exists()
    made_day = DailyStats.objects.get(host=host, date=dt.date(2026, 10, 20))
    assert made_day.meetings_by_hour == []
    # Four bookings made 12-13 days ahead: lead times in "1-2 weeks", totalled for the average.
    assert made_day.lead_time_buckets == [0, 0, 0, 0, 4, 0, 0]
    assert made_day.lead_time_minutes == sum(made_day.lead_times)
    rebuilt = rollup.rebuild_host(host, now=made)
    assert rebuilt == 2
    assert DailyStats.objects.get(host=host, date=dt.date(2026, 11, 1)).meetings_by_hour == (
        day.meetings_by_hour
    )
