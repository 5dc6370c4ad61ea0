"""The analytics page, the rows behind each figure, CSV exports and the booking timeline."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from analytics import rollup
from bookings import services
from security.models import RefusalCount
from tests.conftest import at, book, make_event_type

pytestmark = pytest.mark.django_db

PAGE = "/dashboard/analytics/"
TODAY = at("2026-03-10 12:00")


def card_value(html: str, figure: str) -> str:
    match = re.search(
        rf'data-figure="{figure}">\s*<h2[^>]*>[^<]*</h2>\s*'
        r'<p class="analytics-card-value">([^<]*)<',
        html,
    )
    return match.group(1)


def body_of(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


@pytest.fixture
def week(frozen_now, alice, intro, consult):
    """Bookings made on 2 and 9 March, one moved, one cancelled, one completed."""
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        early = book(intro, at("2026-03-04 10:00"), name="Early Eve")
        book(intro, at("2026-03-13 10:00"), name='=HYPERLINK("x")')
    with time_machine.travel(at("2026-03-09 09:00"), tick=False):
        moved = book(intro, at("2026-03-11 10:00"), name="Moved Max")
        services.reschedule_booking(moved, start=at("2026-03-12 10:00"), by="guest")
        gone = book(consult, at("2026-03-12 14:00"), name="Gone Gus")
        services.cancel_booking(gone, by="host", reason="Ill")
    services.mark_attendance(early, status="completed", now=at("2026-03-04 11:00"))
    with time_machine.travel(TODAY, tick=False):
        rollup.rollup_dirty_days()
        yield {"early": early, "moved": moved}


def test_cards_match_the_rows_behind_them(client, alice, week):
    client.force_login(alice)
    with time_machine.travel(TODAY, tick=False):
        html = client.get(PAGE, {"period": "30d"}).content.decode()
        expected = {
            "created": "4",
            "confirmed": "3",
            "completed": "1",
            "rescheduled": "1",
            "cancelled_by_host": "1",
            "cancelled_by_guest": "0",
        }
        for figure, value in expected.items():
            assert card_value(html, figure) == value, figure
            link = re.search(rf'data-figure="{figure}">.*?href="([^"]+)"', html, re.S).group(1)
            drill = client.get(link.replace("&amp;", "&")).content.decode()
            count = re.search(r'analytics-drill-count">(\d+)<', drill).group(1)
            assert count == value, figure
            assert drill.count('class="analytics-drill-row"') == int(value)
        drill = client.get("/dashboard/analytics/bookings/", {"figure": "rescheduled"}).content
        assert b"Moved Max" in drill and b"Early Eve" not in drill


def test_the_page_shows_trends_charts_and_their_tables(client, alice, week):
    client.force_login(alice)
    with time_machine.travel(TODAY, tick=False):
        html = client.get(PAGE, {"period": "7d"}).content.decode()
    # 7 days to 10 March: 2 made on the 9th; the 7 days before: 2 on the 2nd.
    assert card_value(html, "created") == "2"
    assert re.search(r'data-figure="created">.*?no change', html, re.S)
    assert re.search(r'data-figure="rescheduled">.*?analytics-trend--new">new', html, re.S)
    assert 'id="analytics-data"' in html and "<script>" not in html.replace(" ", "")
    for chart in ("bookings", "changes", "heatmap", "lead", "conversion"):
        assert f'data-chart="{chart}"' in html
    assert html.count("<summary>Data table</summary>") == 5
    assert "2026-03-09</td><td>2</td>" in html
    assert "the busiest day was 2026-03-09 with 2" in html
    assert "style=" not in html


def test_the_event_type_filter_and_custom_dates(client, alice, week):
    client.force_login(alice)
    with time_machine.travel(TODAY, tick=False):
        html = client.get(PAGE, {"period": "30d", "event_type": "consult"}).content.decode()
        assert card_value(html, "created") == "1"
        assert card_value(html, "cancelled_by_host") == "1"
        custom = {"period": "custom", "start": "2026-03-02", "end": "2026-03-02"}
        html = client.get(PAGE, custom).content.decode()
        assert card_value(html, "created") == "2"
        bad = client.get(PAGE, {"period": "custom", "start": "2026-03-09", "end": "2026-03-01"})
        assert bad.status_code == 200
        assert "The end date is before the start date." in bad.content.decode()
        unknown = client.get(PAGE, {"event_type": "bobs"}).content.decode()
        assert "That event type was not found" in unknown


def test_empty_states_say_what_to_do(client, frozen_now, alice):
    client.force_login(alice)
    html = client.get(PAGE).content.decode()
    assert "Create an event type" in html
    intro = make_event_type(alice, "intro")
    html = client.get(PAGE).content.decode()
    assert "No bookings yet" in html and "http://testserver/alice/" in html
    with time_machine.travel(at("2026-03-02 09:00"), tick=False):
        book(intro, at("2026-03-04 10:00"))
    with time_machine.travel(at("2026-03-12 12:00"), tick=False):
        html = client.get(PAGE, {"period": "7d"}).content.decode()
    assert "Nothing happened in these dates" in html and "the last 90 days" in html


def test_the_page_and_api_read_the_same_number_of_queries_whatever_the_bookings(
    client, frozen_now, alice, intro
):
    """1 booking, then 16 more with moves, cancellations and marks: the page (heatmap and
    lead-time chart included) and the API read only daily rows, a fixed number of queries."""
    from accounts.api_tokens import issue_api_token

    _, token = issue_api_token(alice, "script")
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {token}"}
    with time_machine.travel(TODAY, tick=False):
        client.get("/api/v1/analytics", **bearer)  # the token's first use is written down
    client.force_login(alice)
    counts = []
    half_hour = at("2026-03-04 09:30") - at("2026-03-04 09:00")
    for day, batch in (("2026-03-04", 1), ("2026-03-05", 16)):
        with time_machine.travel(at("2026-03-02 09:00"), tick=False):
            made = [book(intro, at(f"{day} 09:00") + index * half_hour) for index in range(batch)]
            if batch > 1:
                services.cancel_booking(made[0], by="guest")
                services.reschedule_booking(made[1], start=at("2026-03-06 09:00"), by="guest")
        if batch > 1:
            services.mark_attendance(made[2], status="no_show", now=at("2026-03-06 12:00"))
        with time_machine.travel(TODAY, tick=False):
            rollup.rollup_dirty_days()
            with CaptureQueriesContext(connection) as page:
                assert client.get(PAGE, {"period": "90d"}).status_code == 200
            with CaptureQueriesContext(connection) as api:
                response = client.get("/api/v1/analytics", {"period": "90d"}, **bearer)
                assert response.status_code == 200
        counts.append((len(page.captured_queries), len(api.captured_queries)))
        # Bookings are only asked whether there is any (the empty state), never grouped.
        sqls = [query["sql"] for query in page.captured_queries]
        reads = [sql for sql in sqls if "bookings_booking" in sql]
        assert reads and all(sql.endswith("LIMIT 1") for sql in reads)
    assert counts[0] == counts[1]


def test_daily_and_bookings_csv(client, alice, week):
    client.force_login(alice)
    with time_machine.travel(TODAY, tick=False):
        daily = client.get("/dashboard/analytics/daily.csv", {"period": "7d"})
        assert daily["Content-Type"].startswith("text/csv")
        rows = list(csv.DictReader(io.StringIO(body_of(daily))))
        assert [row["date"] for row in rows][0] == "2026-03-04"
        assert len(rows) == 7
        assert rows[5]["created"] == "2" and rows[5]["cancelled_by_host"] == "1"
        listing = client.get("/dashboard/analytics/bookings.csv", {"period": "30d"})
        booked = list(csv.DictReader(io.StringIO(body_of(listing))))
        # Meetings in 9 Feb .. 10 March: only the early one (the rest are later).
        assert [row["guest_name"] for row in booked] == ["Early Eve"]
        custom = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}
        listing = client.get("/dashboard/analytics/bookings.csv", custom)
        names = [row["guest_name"] for row in csv.DictReader(io.StringIO(body_of(listing)))]
    # A guest's name that looks like a formula is not run by a spreadsheet.
    assert names == ["Early Eve", "Moved Max", "Gone Gus", '\'=HYPERLINK("x")']


def test_the_booking_page_shows_its_history(client, alice, week):
    client.force_login(alice)
    html = client.get(f"/dashboard/bookings/{week['moved'].uid}/").content.decode()
    assert "History" in html
    assert "Booked by the guest" in html
    assert "Moved by the guest" in html
    assert "From Wed 11 Mar 2026, 10:00 to Thu 12 Mar 2026, 10:00" in html


def test_staff_see_the_whole_site_and_hosts_do_not(client, alice, bob, week):
    bobs = make_event_type(bob, "bobs-call")
    with time_machine.travel(at("2026-03-09 09:00"), tick=False):
        book(bobs, at("2026-03-11 15:00", "Europe/London"), name="Bobs Guest")
    with time_machine.travel(TODAY, tick=False):
        rollup.rollup_dirty_days()
        client.force_login(alice)
        html = client.get(PAGE, {"period": "30d", "scope": "site"}).content.decode()
        assert card_value(html, "created") == "4"
        alice.is_staff = True
        alice.save(update_fields=["is_staff"])
        html = client.get(PAGE, {"period": "30d", "scope": "site"}).content.decode()
        assert card_value(html, "created") == "5"
        assert "Bobs Guest" not in html


def test_staff_see_rate_limit_refusals_of_the_period_and_hosts_never_do(client, alice, week):
    RefusalCount.objects.create(
        day=dt.date(2026, 3, 10), endpoint="api-booking-create", limit="booking-per-ip", count=7
    )
    RefusalCount.objects.create(
        day=dt.date(2026, 3, 10), endpoint="login", limit="login-per-ip", count=2
    )
    RefusalCount.objects.create(
        day=dt.date(2025, 1, 1), endpoint="login", limit="login-per-ip", count=50
    )
    with time_machine.travel(TODAY, tick=False):
        client.force_login(alice)
        mine = client.get(PAGE, {"period": "30d"}).content.decode()
        assert "refused by rate limits" not in mine
        assert (
            "refused by rate limits"
            not in client.get(PAGE, {"period": "30d", "scope": "site"}).content.decode()
        )  # not staff: the site view is not theirs either
        alice.is_staff = True
        alice.save(update_fields=["is_staff"])
        html = client.get(PAGE, {"period": "30d", "scope": "site"}).content.decode()
    assert "9 requests refused in these dates" in html  # the 2025 row is outside the period
    assert "<td>api-booking-create</td><td>7</td>" in html
    assert "<td>login</td><td>2</td>" in html
