"""The host's availability pages: hours, copy, timezone, overrides, blocked time, preview."""

from __future__ import annotations

import datetime as dt

import pytest

from availability.models import BusyBlock, DateOverride, WeeklyRule
from availability.services import weekly_hours
from tests.conftest import at

pytestmark = pytest.mark.django_db

EMPTY_WEEK = {f"day_{day}": "" for day in range(7)}


@pytest.fixture
def host_client(client, alice):
    client.force_login(alice)
    return client


def test_weekly_hours_take_several_ranges_a_day(host_client, alice):
    response = host_client.post(
        "/dashboard/availability/",
        {**EMPTY_WEEK, "day_0": "09:00-12:00, 13:00-17:30", "day_5": "10:00-24:00"},
    )
    assert response.status_code == 302
    hours = weekly_hours(alice)
    assert hours[0] == [(dt.time(9), dt.time(12)), (dt.time(13), dt.time(17, 30))]
    assert hours[5] == [(dt.time(10), dt.time(0))]
    assert hours[1] == []
    page = host_client.get("/dashboard/availability/").content.decode()
    assert 'name="day_0_start" value="13:00"' in page and 'name="day_0_end" value="17:30"' in page
    assert 'name="day_5_end" value="00:00"' in page  # midnight at the end of Saturday


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("17:00-09:00", "ends before it starts"),
        ("09:00-12:00, 11:00-13:00", "overlaps"),
        ("9-5", "is not a range like"),
        ("25:00-26:00", "is not a time of day"),
    ],
)
def test_bad_hours_are_refused_and_nothing_changes(host_client, alice, text, message):
    before = list(
        WeeklyRule.objects.filter(host=alice).values_list("weekday", "start_time", "end_time")
    )
    response = host_client.post("/dashboard/availability/", {**EMPTY_WEEK, "day_0": text})
    assert response.status_code == 400 and message in response.content.decode()
    assert (
        list(WeeklyRule.objects.filter(host=alice).values_list("weekday", "start_time", "end_time"))
        == before
    )


def test_copying_a_day_to_other_days(host_client, alice):
    host_client.post(
        "/dashboard/availability/", {**EMPTY_WEEK, "day_2": "08:00-10:00, 15:00-16:00"}
    )
    host_client.post("/dashboard/availability/copy/", {"source": "2", "targets": ["5", "6"]})
    hours = weekly_hours(alice)
    assert (
        hours[5] == hours[6] == hours[2] == [(dt.time(8), dt.time(10)), (dt.time(15), dt.time(16))]
    )


def test_the_schedule_timezone_is_shown_and_editable(host_client, alice):
    assert "America/New_York" in host_client.get("/dashboard/availability/").content.decode()
    host_client.post("/dashboard/availability/timezone/", {"timezone": "Asia/Kolkata"})
    alice.refresh_from_db()
    assert alice.timezone == "Asia/Kolkata"
    host_client.post("/dashboard/availability/timezone/", {"timezone": "Nowhere"})
    alice.refresh_from_db()
    assert alice.timezone == "Asia/Kolkata"


def test_the_preview_shows_the_coming_week_from_the_engine(host_client, frozen_now, intro):
    html = host_client.get("/dashboard/availability/").content.decode()
    assert "What guests see this week" in html
    assert "Fri 27 Feb" in html and ">10:30<" in html  # frozen at Friday 10:00 New York
    assert "Sat 28 Feb" in html and "No times" in html
    partial = host_client.get(
        "/dashboard/availability/", {"preview": intro.pk}, HTTP_HX_REQUEST="true"
    )
    assert partial.content.decode().startswith('<div id="preview">')


def test_date_overrides_with_hours_or_a_day_off(host_client, frozen_now, alice):
    host_client.post(
        "/dashboard/availability/overrides/", {"date": "2026-03-03", "hours": "12:00-13:00"}
    )
    host_client.post(
        "/dashboard/availability/overrides/", {"date": "2026-03-04", "unavailable": "on"}
    )
    overrides = list(
        DateOverride.objects.filter(host=alice).order_by("date").values_list("date", "start_time")
    )
    assert overrides == [(dt.date(2026, 3, 3), dt.time(12)), (dt.date(2026, 3, 4), None)]
    page = host_client.get("/dashboard/availability/overrides/").content.decode()
    assert "Tue 3 Mar 2026" in page and "12:00-13:00" in page and "unavailable" in page
    missing = host_client.post("/dashboard/availability/overrides/", {"date": "2026-03-05"})
    assert missing.status_code == 400 and "or mark it unavailable" in missing.content.decode()
    host_client.post("/dashboard/availability/overrides/2026-03-04/delete/")
    assert not DateOverride.objects.filter(date=dt.date(2026, 3, 4)).exists()


def test_blocked_time_in_the_host_zone_with_overlaps_refused(host_client, frozen_now, alice):
    response = host_client.post(
        "/dashboard/availability/blocked/",
        {"start": "2026-03-02T10:00", "end": "2026-03-02T12:00", "reason": "Dentist"},
    )
    assert response.status_code == 302
    block = BusyBlock.objects.get(host=alice)
    assert block.start == at("2026-03-02 10:00") and block.end == at("2026-03-02 12:00")
    overlap = host_client.post(
        "/dashboard/availability/blocked/", {"start": "2026-03-02T11:00", "end": "2026-03-02T13:00"}
    )
    assert (
        overlap.status_code == 400
        and "overlaps time you have already blocked" in overlap.content.decode()
    )
    reversed_ = host_client.post(
        "/dashboard/availability/blocked/", {"start": "2026-03-02T15:00", "end": "2026-03-02T14:00"}
    )
    assert "The end must be after the start" in reversed_.content.decode()
    host_client.post(
        f"/dashboard/availability/blocked/{block.pk}/",
        {"start": "2026-03-02T09:00", "end": "2026-03-02T09:30", "reason": "Moved"},
    )
    block.refresh_from_db()
    assert block.start == at("2026-03-02 09:00") and block.reason == "Moved"
    host_client.post(f"/dashboard/availability/blocked/{block.pk}/delete/")
    assert not BusyBlock.objects.filter(pk=block.pk).exists()


def test_synced_blocks_are_shown_with_their_source_and_read_only(host_client, frozen_now, alice):
    synced = BusyBlock.objects.create(
        host=alice,
        start=at("2026-03-02 10:00"),
        end=at("2026-03-02 11:00"),
        source="google",
        external_id="evt-1",
    )
    page = host_client.get("/dashboard/availability/blocked/").content.decode()
    assert "From Google Calendar" in page
    assert f"/dashboard/availability/blocked/{synced.pk}/delete/" not in page
    host_client.post(f"/dashboard/availability/blocked/{synced.pk}/delete/")
    host_client.post(
        f"/dashboard/availability/blocked/{synced.pk}/",
        {"start": "2026-03-02T12:00", "end": "2026-03-02T13:00"},
    )
    synced.refresh_from_db()
    assert synced.start == at("2026-03-02 10:00")
