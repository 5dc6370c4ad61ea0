"""Trend maths and page-view counting."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from analytics import pageviews, rollup
from analytics.models import DailyStats, PageViewCount
from analytics.reports import (
    Figures,
    Period,
    build_report,
    custom_period,
    relative_change,
)
from analytics.views import trend
from tests.conftest import NOW

pytestmark = pytest.mark.django_db

BROWSER = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/120.0 Safari/537.36"


def test_relative_change_with_zero_and_equal_periods():
    assert relative_change(0, 0) is None
    assert relative_change(5, 0) is None  # new
    assert relative_change(7, 7) == 0.0
    assert relative_change(15, 10) == 0.5
    assert relative_change(5, 10) == -0.5
    assert relative_change(0, 4) == -1.0
    assert relative_change(None, 2.5) is None
    assert relative_change(1, 3) == -0.6667


def test_cards_say_new_up_down_and_no_change():
    assert trend(3, 0) == {"direction": "new", "text": "new"}
    assert trend(0, 0) == {"direction": "flat", "text": "no change"}
    assert trend(4, 4) == {"direction": "flat", "text": "no change"}
    assert trend(15, 10) == {"direction": "up", "text": "+50%"}
    assert trend(5, 10) == {"direction": "down", "text": "−50%"}
    assert trend(None, None) == {"direction": "none", "text": "no data"}


def _stats(host, event_type, day, *, lead_times=(), **figures):
    """A daily row as the rollup writes it: lead times sorted, bucketed and totalled."""
    buckets = [0] * len(rollup.LEAD_BUCKET_EDGES)
    for minutes in lead_times:
        buckets[rollup.lead_bucket(minutes)] += 1
    return DailyStats.objects.create(
        host=host,
        event_type=event_type,
        date=day,
        computed_at=NOW,
        lead_times=sorted(lead_times),
        lead_time_buckets=buckets if lead_times else [],
        lead_time_minutes=sum(lead_times),
        **figures,
    )


def test_a_report_splits_the_period_from_the_previous_one_and_merges_lead_times(
    alice, intro, consult
):
    zone = alice.zone
    period = Period(dt.date(2026, 3, 8), dt.date(2026, 3, 14), zone)
    _stats(alice, intro, dt.date(2026, 3, 8), created=2, lead_times=[60, 180])
    _stats(alice, consult, dt.date(2026, 3, 8), created=1, lead_times=[120])
    _stats(alice, intro, dt.date(2026, 3, 14), created=1, completed=3, no_shows=1, lead_times=[600])
    _stats(alice, intro, dt.date(2026, 3, 7), created=2, lead_times=[60, 60])  # previous
    _stats(alice, intro, dt.date(2026, 3, 1), created=5)  # previous, first day
    _stats(alice, intro, dt.date(2026, 2, 28), created=50)  # before both
    _stats(alice, intro, dt.date(2026, 3, 15), created=50)  # after
    nine_and_ten = [0] * 9 + [2, 1] + [0] * 13
    _stats(alice, intro, dt.date(2026, 3, 9), meetings_by_hour=nine_and_ten)  # Monday
    _stats(alice, consult, dt.date(2026, 3, 9), meetings_by_hour=nine_and_ten)
    _stats(alice, intro, dt.date(2026, 3, 2), meetings_by_hour=nine_and_ten)  # previous
    PageViewCount.objects.create(host=alice, event_type=intro, date=dt.date(2026, 3, 9), views=8)
    report = build_report(alice, period)
    assert report.totals.counters["created"] == 4
    assert report.previous.counters["created"] == 7
    assert report.totals.page_views == 8
    assert report.totals.median_lead_time_hours == 2.5  # median of 60,120,180,600 minutes
    assert report.totals.average_lead_time_hours == 4.0
    assert report.totals.completion_rate == 0.75
    assert report.totals.conversion_rate == 0.5
    assert report.change()["created"] == round((4 - 7) / 7, 4)
    assert report.change()["page_views"] is None
    assert [day for day, _ in report.daily][0] == dt.date(2026, 3, 8)
    assert len(report.daily) == 7
    assert report.daily[1][1].page_views == 8
    assert report.heatmap[0][9] == 4 and report.heatmap[0][10] == 2
    assert sum(map(sum, report.heatmap)) == 6
    assert dict(report.totals.labelled_lead_buckets()) == {
        "Under 1 hour": 0,
        "1–24 hours": 4,
        "1–3 days": 0,
        "3–7 days": 0,
        "1–2 weeks": 0,
        "2–4 weeks": 0,
        "4 weeks or more": 0,
    }


def test_empty_periods_have_no_rates():
    empty = Figures()
    assert empty.median_lead_time_hours is None
    assert empty.completion_rate is None
    assert empty.cancellation_rate is None
    assert empty.conversion_rate is None


def test_lead_time_buckets():
    figures = Figures()
    for minutes in (30, 90, 60 * 30, 60 * 24 * 40, -5, 60, 28 * 24 * 60):
        figures.lead_buckets[rollup.lead_bucket(minutes)] += 1
    buckets = dict(figures.labelled_lead_buckets())
    assert buckets["Under 1 hour"] == 2  # a negative lead time is shown here too
    assert buckets["1–24 hours"] == 2  # 60 minutes is the first of this bucket
    assert buckets["1–3 days"] == 1
    assert buckets["4 weeks or more"] == 2


def test_custom_periods_are_checked(alice):
    zone = alice.zone
    assert custom_period("2026-01-01", "2026-01-31", zone, NOW).days == 31
    for start, end in [
        ("2026-02-01", "2026-01-01"),
        ("2026-01-01", "2027-06-01"),
        ("bad", "2026-01-01"),
        ("2026-02-30", "2026-03-01"),
        ("1900-01-01", "1900-01-02"),
    ]:
        with pytest.raises(ValueError):
            custom_period(start, end, zone, NOW)


@pytest.fixture
def rf():
    return RequestFactory()


def test_page_views_are_one_upsert_per_view_on_the_hosts_day(rf, frozen_now, alice, intro):
    request = rf.get("/alice/intro/", HTTP_USER_AGENT=BROWSER)
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    for _ in range(3):
        with CaptureQueriesContext(connection) as captured:
            assert pageviews.count_view(request, intro)
        assert len(captured.captured_queries) == 1
    counter = PageViewCount.objects.get()
    assert (counter.date, counter.views) == (dt.date(2026, 2, 27), 3)


def test_bots_partials_and_the_host_are_not_counted(rf, frozen_now, alice, intro):
    from django.contrib.auth.models import AnonymousUser

    agents = [
        "",
        "curl/8.0",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "facebookexternalhit/1.1",
        "Mozilla/5.0 (Windows NT 10.0) AppleWebKit/537.36 HeadlessChrome/120.0",
        "python-requests/2.31",
        "Slackbot-LinkExpanding 1.0",
    ]
    for agent in agents:
        request = rf.get("/alice/intro/", HTTP_USER_AGENT=agent)
        request.user = AnonymousUser()
        assert not pageviews.count_view(request, intro), agent
    partial = rf.get("/alice/intro/", HTTP_USER_AGENT=BROWSER, HTTP_HX_REQUEST="true")
    partial.user = AnonymousUser()
    assert not pageviews.count_view(partial, intro)
    own = rf.get("/alice/intro/", HTTP_USER_AGENT=BROWSER)
    own.user = alice
    assert not pageviews.count_view(own, intro)
    assert not PageViewCount.objects.exists()


def test_the_event_page_counts_its_views(client, frozen_now, alice, intro):
    client.get("/alice/intro/", HTTP_USER_AGENT=BROWSER)
    client.get("/alice/intro/", {"month": "2026-03"}, HTTP_USER_AGENT=BROWSER, HTTP_HX_REQUEST="1")
    client.get("/alice/intro/", HTTP_USER_AGENT="Googlebot/2.1")
    assert PageViewCount.objects.get(event_type=intro).views == 1


def test_the_heatmap_counts_held_meetings_by_the_hosts_weekday_and_hour(frozen_now, alice, intro):
    """Rolled up per meeting day from the bookings' present status: a cancellation or a move
    after the rollup takes the meeting off its old day at the next rollup."""
    from bookings import services
    from tests.conftest import at, book

    book(intro, at("2026-03-02 09:00"))  # Monday 09:00 New York
    book(intro, at("2026-03-02 09:30"))
    book(intro, at("2026-03-09 09:00"))  # Monday after the DST change: still 09:00 local
    book(intro, at("2026-03-04 16:00"))  # Wednesday 16:00
    gone = book(intro, at("2026-03-05 10:00"))
    moved = book(intro, at("2026-03-06 11:00"))
    book(intro, at("2026-03-20 10:00"))  # after the period
    rollup.rollup_dirty_days()
    period = Period(dt.date(2026, 3, 1), dt.date(2026, 3, 14), alice.zone)
    assert build_report(alice, period).heatmap[3][10] == 1
    services.cancel_booking(gone, by="guest")
    services.reschedule_booking(moved, start=at("2026-03-20 11:00"), by="guest")
    rollup.rollup_dirty_days()
    grid = build_report(alice, period).heatmap
    assert grid[0][9] == 3
    assert grid[2][16] == 1
    assert grid[3][10] == 0  # cancelled
    assert grid[4][11] == 0  # moved out of the period
    assert sum(map(sum, grid)) == 4
    later = Period(dt.date(2026, 3, 15), dt.date(2026, 3, 21), alice.zone)
    assert sum(map(sum, build_report(alice, later).heatmap)) == 2


def test_the_staff_heatmap_puts_each_meeting_on_its_hosts_clock(frozen_now, alice, bob, intro):
    """Staff see every host's meetings, each on that host's own day and hour: 10:00 in New
    York and 10:00 in London are both 10:00, though five hours apart."""
    from tests.conftest import at, book, make_event_type

    book(intro, at("2026-03-02 10:00"))  # Monday 10:00 New York, 15:00 UTC
    book(make_event_type(bob, "bobs-call"), at("2026-03-02 10:00", "Europe/London"))
    rollup.rollup_dirty_days()
    site = build_report(None, Period(dt.date(2026, 3, 1), dt.date(2026, 3, 7), alice.zone))
    assert site.heatmap[0][10] == 2
    assert sum(map(sum, site.heatmap)) == 2
    own = build_report(alice, Period(dt.date(2026, 3, 1), dt.date(2026, 3, 7), alice.zone))
    assert own.heatmap[0][10] == 1 and sum(map(sum, own.heatmap)) == 1
