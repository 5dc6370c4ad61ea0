"""Reading busy time from Google and Microsoft into blocked time: what counts as busy,
recurrences, all-day events, time zones across DST, pagination, incremental and full sync."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.core.management import call_command

from availability.loader import find_slots
from availability.models import BusyBlock
from calendars import services
from calendars.models import Connection
from tests.conftest import MONDAY, at

pytestmark = pytest.mark.django_db

NY = ZoneInfo("America/New_York")
LA = ZoneInfo("America/Los_Angeles")


def spans(host, source):
    return sorted(
        (block.start, block.end) for block in BusyBlock.objects.filter(host=host, source=source)
    )


def test_busy_google_events_block_slots_within_one_sync(
    alice, intro, frozen_now, connect_google, google
):
    google.add_timed(google.account, "dentist", at("2026-03-02 10:00"), at("2026-03-02 11:00"))
    connect_google(alice)
    starts = {slot.start for slot in find_slots(intro, MONDAY, MONDAY, NY)}
    assert at("2026-03-02 09:30") in starts
    assert at("2026-03-02 10:00") not in starts and at("2026-03-02 10:30") not in starts
    assert at("2026-03-02 11:00") in starts


def test_free_declined_and_cancelled_events_do_not_block(
    alice, intro, frozen_now, connect_google, google
):
    cal = google.account
    google.add_timed(cal, "busy", at("2026-03-02 09:00"), at("2026-03-02 09:30"))
    google.add_timed(
        cal, "free", at("2026-03-02 10:00"), at("2026-03-02 11:00"), transparency="transparent"
    )
    google.add_timed(
        cal,
        "declined",
        at("2026-03-02 12:00"),
        at("2026-03-02 13:00"),
        attendees=[{"email": cal, "self": True, "responseStatus": "declined"}],
    )
    google.add_timed(
        cal,
        "tentative",
        at("2026-03-02 14:00"),
        at("2026-03-02 15:00"),
        status="tentative",
        attendees=[{"email": cal, "self": True, "responseStatus": "tentative"}],
    )
    connect_google(alice)
    assert spans(alice, "google") == [
        (at("2026-03-02 09:00"), at("2026-03-02 09:30")),
        (at("2026-03-02 14:00"), at("2026-03-02 15:00")),
    ]


def test_recurring_events_with_moved_and_cancelled_instances(
    alice, intro, frozen_now, connect_google, google
):
    first = dt.datetime(2026, 3, 2, 13, 0, tzinfo=NY)
    google.add_recurring(
        google.account,
        "standup",
        first,
        dt.timedelta(hours=1),
        count=4,
        moved={1: dt.datetime(2026, 3, 10, 15, 0, tzinfo=NY)},
        cancelled=(2,),
    )
    connect_google(alice)
    assert spans(alice, "google") == [
        (at("2026-03-02 13:00"), at("2026-03-02 14:00")),
        (at("2026-03-10 15:00"), at("2026-03-10 16:00")),  # moved from Monday to Tuesday
        (at("2026-03-23 13:00"), at("2026-03-23 14:00")),  # the 16th was cancelled
    ]


def test_events_in_another_zone_keep_their_wall_time_across_dst(
    alice, intro, frozen_now, connect_google, google
):
    # 09:00 in Los Angeles weekly: 17:00 UTC before 8 March, 16:00 UTC after.
    google.add_recurring(
        google.account,
        "la",
        dt.datetime(2026, 3, 2, 9, 0, tzinfo=LA),
        dt.timedelta(minutes=30),
        count=2,
    )
    connect_google(alice)
    assert spans(alice, "google") == [
        (
            dt.datetime(2026, 3, 2, 17, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 2, 17, 30, tzinfo=dt.UTC),
        ),
        (
            dt.datetime(2026, 3, 9, 16, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 9, 16, 30, tzinfo=dt.UTC),
        ),
    ]


def test_all_day_events_are_busy_for_that_local_day(
    alice, intro, frozen_now, connect_google, google
):
    google.add_all_day(google.account, "holiday", dt.date(2026, 3, 3))
    # A multi-day all-day event across the DST change in New York (8 March).
    google.add_all_day(google.account, "trip", dt.date(2026, 3, 7), days=3)
    connect_google(alice)
    assert spans(alice, "google") == [
        (at("2026-03-03 00:00"), at("2026-03-04 00:00")),
        (at("2026-03-07 00:00"), at("2026-03-10 00:00")),
    ]
    assert not find_slots(intro, dt.date(2026, 3, 3), dt.date(2026, 3, 3), NY)


def test_google_pagination_is_followed_to_the_end(alice, intro, frozen_now, connect_google, google):
    google.page_size = 3
    for day in range(10):
        start = at("2026-03-02 09:00") + dt.timedelta(days=day)
        google.add_timed(google.account, f"e{day}", start, start + dt.timedelta(minutes=30))
    connect_google(alice)
    assert len(spans(alice, "google")) == 10
    assert google.calls("GET", "/events") == 4


def test_incremental_sync_applies_changes_only(alice, intro, frozen_now, connect_google, google):
    google.add_timed(google.account, "keep", at("2026-03-02 09:00"), at("2026-03-02 10:00"))
    google.add_timed(google.account, "drop", at("2026-03-03 09:00"), at("2026-03-03 10:00"))
    connection = connect_google(alice)
    google.remove(google.account, "drop")
    google.add_timed(google.account, "new", at("2026-03-04 09:00"), at("2026-03-04 10:00"))
    result = services.sync_connection(connection.pk)
    assert result.ok and result.busy_events == 2
    assert spans(alice, "google") == [
        (at("2026-03-02 09:00"), at("2026-03-02 10:00")),
        (at("2026-03-04 09:00"), at("2026-03-04 10:00")),
    ]


def test_an_expired_sync_token_means_a_full_resync(
    alice, intro, frozen_now, connect_google, google
):
    google.add_timed(google.account, "a", at("2026-03-02 09:00"), at("2026-03-02 10:00"))
    connection = connect_google(alice)
    google.expire_sync_tokens()
    google.add_timed(google.account, "b", at("2026-03-03 09:00"), at("2026-03-03 10:00"))
    assert services.sync_connection(connection.pk).ok
    assert len(spans(alice, "google")) == 2
    assert connection.calendars.get().sync_cursor.startswith("sync-")


def test_rate_limits_back_off_honouring_retry_after_and_keep_blocks(
    alice, intro, frozen_now, connect_google, google
):
    google.add_timed(google.account, "a", at("2026-03-02 09:00"), at("2026-03-02 10:00"))
    connection = connect_google(alice)
    google.fail_next(
        "/events",
        429,
        headers={"Retry-After": "900"},
        body={
            "error": {
                "code": 429,
                "message": "Rate Limit Exceeded",
                "errors": [{"reason": "rateLimitExceeded"}],
            }
        },
    )
    result = services.sync_connection(connection.pk)
    connection.refresh_from_db()
    assert not result.ok and "rate limiting" in connection.last_error
    assert connection.next_sync_at >= frozen_now + dt.timedelta(seconds=900)
    assert len(spans(alice, "google")) == 1


def test_a_403_rate_limit_and_a_500_are_retried_later(
    alice, intro, frozen_now, connect_google, google
):
    connection = connect_google(alice)
    google.fail_next(
        "/events",
        403,
        body={
            "error": {
                "code": 403,
                "message": "User Rate Limit Exceeded",
                "errors": [{"reason": "userRateLimitExceeded"}],
            }
        },
    )
    assert not services.sync_connection(connection.pk).ok
    google.fail_next("/events", 500)
    assert not services.sync_connection(connection.pk).ok
    connection.refresh_from_db()
    assert connection.sync_failures == 2 and "trouble" in connection.last_error
    assert connection.next_sync_at > frozen_now
    assert services.sync_connection(connection.pk).ok
    connection.refresh_from_db()
    assert connection.sync_failures == 0 and connection.last_error == ""


def test_a_401_refreshes_once_and_retries(alice, intro, frozen_now, connect_google, google):
    google.add_timed(google.account, "a", at("2026-03-02 09:00"), at("2026-03-02 10:00"))
    connection = connect_google(alice)
    google.expire_access_tokens()
    before = google.calls("POST", "/token")
    assert services.sync_connection(connection.pk, full=True).ok
    assert google.calls("POST", "/token") == before + 1


def test_invalid_grant_asks_the_host_to_reconnect_once_and_keeps_blocks(
    client, alice, intro, frozen_now, connect_google, google, django_capture_on_commit_callbacks
):
    google.add_timed(google.account, "a", at("2026-03-02 09:00"), at("2026-03-02 10:00"))
    connection = connect_google(alice)
    google.revoke_all()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        assert not services.sync_connection(connection.pk).ok
    Connection.objects.filter(pk=connection.pk).update(status="active")  # as if it came back
    with django_capture_on_commit_callbacks(execute=True):
        assert not services.sync_connection(connection.pk).ok
    connection.refresh_from_db()
    assert connection.status == "needs_reconnect"
    assert len(mail.outbox) == 1 and "Reconnect" in mail.outbox[0].subject
    assert mail.outbox[0].to == ["alice@example.com"]
    assert len(spans(alice, "google")) == 1  # kept, shown as possibly out of date
    page = client.get("/dashboard/").content.decode()
    assert "can no longer read" in page and "Reconnect" in page
    calendars_page = client.get("/dashboard/calendars/").content.decode()
    assert "possibly out of date" in calendars_page


def test_reconnecting_clears_the_banner(client, alice, intro, frozen_now, connect_google, google):
    connection = connect_google(alice)
    google.revoke_all()
    services.sync_connection(connection.pk)
    connect_google(alice)
    connection.refresh_from_db()
    assert connection.status == "active"
    assert "can no longer read" not in client.get("/dashboard/").content.decode()


def test_microsoft_busy_time_with_delta_pages_and_removals(
    alice, intro, frozen_now, connect_microsoft, microsoft
):
    microsoft.page_size = 2
    cal = microsoft.primary
    microsoft.add_timed(cal, "a", at("2026-03-02 09:00"), at("2026-03-02 10:00"))
    microsoft.add_timed(cal, "b", at("2026-03-02 11:00"), at("2026-03-02 12:00"), showAs="free")
    microsoft.add_timed(
        cal, "c", at("2026-03-02 13:00"), at("2026-03-02 14:00"), showAs="tentative"
    )
    microsoft.add_timed(
        cal,
        "d",
        at("2026-03-02 15:00"),
        at("2026-03-02 16:00"),
        responseStatus={"response": "declined"},
    )
    microsoft.add_timed(cal, "e", at("2026-03-03 15:00"), at("2026-03-03 16:00"), isCancelled=True)
    microsoft.add_all_day(cal, "f", dt.date(2026, 3, 4), zone="Europe/Berlin")
    connection = connect_microsoft(alice)
    assert spans(alice, "microsoft") == [
        (at("2026-03-02 09:00"), at("2026-03-02 10:00")),
        (at("2026-03-02 13:00"), at("2026-03-02 14:00")),
        (
            dt.datetime(2026, 3, 3, 23, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 3, 4, 23, 0, tzinfo=dt.UTC),
        ),
    ]
    microsoft.delete(cal, "a")
    microsoft.add_timed(cal, "g", at("2026-03-05 09:00"), at("2026-03-05 10:00"))
    assert services.sync_connection(connection.pk).ok
    assert (at("2026-03-02 09:00"), at("2026-03-02 10:00")) not in spans(alice, "microsoft")
    assert (at("2026-03-05 09:00"), at("2026-03-05 10:00")) in spans(alice, "microsoft")


def test_microsoft_windows_zone_names_keep_local_days_and_wall_times_across_dst(
    alice, intro, frozen_now, connect_microsoft, microsoft
):
    """Outlook names zones the Windows way; Alice's own zone (New York) must not stand in."""
    cal = microsoft.primary
    berlin = ZoneInfo("Europe/Berlin")
    # 09:00 in Berlin on the Friday before and the Monday after its DST change (29 March).
    for day in (27, 30):
        start = dt.datetime(2026, 3, day, 9, 0, tzinfo=berlin)
        microsoft.add_timed(
            cal,
            f"berlin-{day}",
            start,
            start + dt.timedelta(hours=1),
            zone="W. Europe Standard Time",
        )
    # Sydney leaves DST on 5 April: that local day is 25 hours long.
    microsoft.add_all_day(cal, "sydney", dt.date(2026, 4, 5), zone="AUS Eastern Standard Time")
    # Three days in Los Angeles across the US change (8 March).
    microsoft.add_all_day(cal, "la", dt.date(2026, 3, 7), days=3, zone="Pacific Standard Time")
    connect_microsoft(alice)

    def utc(*parts):
        return dt.datetime(*parts, tzinfo=dt.UTC)

    assert spans(alice, "microsoft") == [
        (utc(2026, 3, 7, 8, 0), utc(2026, 3, 10, 7, 0)),
        (utc(2026, 3, 27, 8, 0), utc(2026, 3, 27, 9, 0)),
        (utc(2026, 3, 30, 7, 0), utc(2026, 3, 30, 8, 0)),
        (utc(2026, 4, 4, 13, 0), utc(2026, 4, 5, 14, 0)),
    ]


def test_microsoft_expired_delta_link_means_full_resync(
    alice, intro, frozen_now, connect_microsoft, microsoft
):
    microsoft.add_timed(microsoft.primary, "a", at("2026-03-02 09:00"), at("2026-03-02 10:00"))
    connection = connect_microsoft(alice)
    microsoft.expire_delta_tokens()
    assert services.sync_connection(connection.pk).ok
    assert len(spans(alice, "microsoft")) == 1


def test_microsoft_429_with_retry_after(alice, intro, frozen_now, connect_microsoft, microsoft):
    connection = connect_microsoft(alice)
    microsoft.fail_next(
        "/delta",
        429,
        headers={"Retry-After": "120"},
        body={"error": {"code": "TooManyRequests", "message": "slow down"}},
    )
    assert not services.sync_connection(connection.pk).ok
    connection.refresh_from_db()
    assert connection.next_sync_at >= frozen_now + dt.timedelta(seconds=120)


def test_two_connections_both_block(
    alice, intro, frozen_now, connect_google, connect_microsoft, google, microsoft
):
    google.add_timed(google.account, "g", at("2026-03-02 09:00"), at("2026-03-02 10:00"))
    microsoft.add_timed(microsoft.primary, "m", at("2026-03-02 11:00"), at("2026-03-02 12:00"))
    connect_google(alice)
    connect_microsoft(alice)
    starts = {slot.start for slot in find_slots(intro, MONDAY, MONDAY, NY)}
    assert at("2026-03-02 09:00") not in starts and at("2026-03-02 11:00") not in starts
    assert at("2026-03-02 10:00") in starts


def test_choosing_calendars_reads_and_drops_their_busy_time(
    client, alice, intro, frozen_now, connect_google, google, django_capture_on_commit_callbacks
):
    google.add_calendar("family@group.calendar.google.com", "Family")
    google.add_timed(
        "family@group.calendar.google.com", "f", at("2026-03-02 09:00"), at("2026-03-02 10:00")
    )
    connection = connect_google(alice)
    assert not spans(alice, "google")
    family = connection.calendars.get(name="Family")
    primary = connection.calendars.get(is_primary=True)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            f"/dashboard/calendars/{connection.pk}/choose/",
            {"busy": [family.pk], "target": family.pk},
        )
    assert len(spans(alice, "google")) == 1
    family.refresh_from_db()
    assert family.receives_bookings
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/dashboard/calendars/{connection.pk}/choose/", {"busy": [primary.pk]})
    assert not spans(alice, "google")


def test_the_beat_claims_each_due_connection_once(alice, bob, frozen_now, connect_google):
    connection = connect_google(alice)
    Connection.objects.update(next_sync_at=frozen_now)
    assert services.claim_due_connection() == connection.pk
    assert services.claim_due_connection() is None  # pushed 5 minutes on
    connection.refresh_from_db()
    assert connection.next_sync_at == frozen_now + services.SYNC_EVERY


def test_sync_calendars_command(alice, intro, frozen_now, connect_google, google, capsys):
    connect_google(alice)
    google.add_timed(google.account, "a", at("2026-03-02 09:00"), at("2026-03-02 10:00"))
    call_command("sync_calendars", "--host", "alice@example.com", "--full")
    assert "1 calendars synced (full), 0 failed." in capsys.readouterr().out
    assert len(spans(alice, "google")) == 1


def test_sync_now_shows_progress_and_the_result(
    client, alice, intro, frozen_now, connect_google, google, django_capture_on_commit_callbacks
):
    connection = connect_google(alice)
    google.add_timed(google.account, "a", at("2026-03-02 09:00"), at("2026-03-02 10:00"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/dashboard/calendars/{connection.pk}/sync/", HTTP_HX_REQUEST="true"
        )
    html = response.content.decode()
    # The task ran (eagerly here); the first poll already sees the result.
    assert "Syncing" in html and 'hx-trigger="every 1s"' in html
    since = html.split("since=")[1].split('"')[0]
    status = client.get(f"/dashboard/calendars/{connection.pk}/status/?since={since}")
    assert "Synced: 1 busy event." in status.content.decode()


def test_a_full_sync_runs_daily_to_move_the_window_forward(
    alice, intro, frozen_now, connect_google
):
    import time_machine

    connection = connect_google(alice)
    calendar = connection.calendars.get()
    first = calendar.full_synced_at
    assert first == frozen_now
    with time_machine.travel(frozen_now + dt.timedelta(hours=2), tick=False):
        services.sync_connection(connection.pk)
    calendar.refresh_from_db()
    assert calendar.full_synced_at == first  # incremental
    later = frozen_now + dt.timedelta(hours=25)
    with time_machine.travel(later, tick=False):
        services.sync_connection(connection.pk)
    calendar.refresh_from_db()
    assert calendar.full_synced_at == later


def test_a_provider_that_does_not_answer_in_time_is_retried_later(
    alice, intro, frozen_now, connect_google, google, monkeypatch
):
    from calendars.providers import google as google_provider

    connection = connect_google(alice)
    monkeypatch.setattr(google_provider, "REQUEST_TIMEOUT", 0.5)
    google.delay_next("/events", 2)
    result = services.sync_connection(connection.pk)
    connection.refresh_from_db()
    assert not result.ok and "in time" in connection.last_error
    assert connection.next_sync_at > frozen_now and connection.syncing_since is None
