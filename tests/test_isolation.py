"""A host sees and changes only their own data: every dashboard URL, tried with another
host's ids, is a 404, and lists never show another host's rows."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import URLPattern

from accounts.api_tokens import issue_api_token
from accounts.models import ApiToken
from analytics import rollup
from availability.models import BusyBlock, DateOverride
from bookings.models import Booking, EventType
from calendars.models import Calendar, Connection, IcsSubscription
from config import dashboard_urls
from tests.conftest import at, book, make_event_type

pytestmark = pytest.mark.django_db


@pytest.fixture
def bobs_things(frozen_now, bob):
    event_type = make_event_type(bob, "bobs-call", requires_confirmation=True)
    booking = book(
        event_type,
        at("2026-03-02 15:00", "Europe/London"),
        name="Bobs Guest",
        email="bg@example.com",
    )
    block = BusyBlock.objects.create(
        host=bob, start=at("2026-03-03 10:00"), end=at("2026-03-03 11:00"), reason="Bobs block"
    )
    DateOverride.objects.create(host=bob, date=dt.date(2026, 3, 4))
    token, _ = issue_api_token(bob, "Bobs token")
    # Bob's figures exist, so any page that leaked them would show them.
    rollup.rollup_day(bob, dt.date(2026, 2, 27))
    connection = Connection.objects.create(
        host=bob, provider="google", account_email="bobs-calendar@example.com"
    )
    Calendar.objects.create(
        connection=connection,
        host=bob,
        external_id="bobs",
        name="Bobs calendar",
        counts_as_busy=True,
        receives_bookings=True,
        can_write=True,
    )
    subscription = IcsSubscription.objects.create(
        host=bob, name="Bobs ics", url_sealed="", url_host="example.com"
    )
    return {
        "pk": event_type.pk,
        "uid": booking.uid,
        "block_id": block.pk,
        "date": "2026-03-04",
        "token_id": token.pk,
        "connection_id": connection.pk,
        "subscription_id": subscription.pk,
    }


def page_text(response) -> str:
    if response.streaming:
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def dashboard_patterns() -> list[URLPattern]:
    return [pattern for pattern in dashboard_urls.urlpatterns if isinstance(pattern, URLPattern)]


def test_every_dashboard_url_with_another_hosts_ids_is_404(client, alice, bobs_things):
    client.force_login(alice)
    with_ids = [pattern for pattern in dashboard_patterns() if pattern.pattern.converters]
    assert len(with_ids) >= 9
    for pattern in with_ids:
        kwargs = {name: bobs_things[name] for name in pattern.pattern.converters}
        path = "/dashboard/" + str(pattern.pattern).replace(
            "<int:pk>", str(kwargs.get("pk"))
        ).replace("<uuid:uid>", str(kwargs.get("uid"))).replace(
            "<int:block_id>", str(kwargs.get("block_id"))
        ).replace("<str:date>", str(kwargs.get("date"))).replace(
            "<int:token_id>", str(kwargs.get("token_id"))
        )
        for name in ("connection_id", "subscription_id"):
            path = path.replace(f"<int:{name}>", str(kwargs.get(name)))
        statuses = []
        for method in ("get", "post"):
            response = getattr(client, method)(
                path, {"action": "cancel", "reason": "x"} if method == "post" else {}
            )
            assert response.status_code in (404, 405), (method, path, response.status_code)
            statuses.append(response.status_code)
        assert 404 in statuses, path  # the method the URL serves is a 404
    # Nothing of Bob's changed.
    booking = Booking.objects.get(uid=bobs_things["uid"])
    assert booking.status == "pending" and booking.sequence == 0
    assert EventType.objects.get(pk=bobs_things["pk"]).is_active
    assert BusyBlock.objects.filter(pk=bobs_things["block_id"]).exists()
    assert DateOverride.objects.filter(host__email="bob@example.com").exists()
    assert ApiToken.objects.get(pk=bobs_things["token_id"]).revoked_at is None
    assert Connection.objects.filter(pk=bobs_things["connection_id"], status="active").exists()
    assert Calendar.objects.get(connection_id=bobs_things["connection_id"]).counts_as_busy
    assert IcsSubscription.objects.filter(pk=bobs_things["subscription_id"]).exists()


def test_lists_and_pages_without_ids_show_only_the_hosts_own_data(client, alice, bobs_things):
    client.force_login(alice)
    without_ids = [pattern for pattern in dashboard_patterns() if not pattern.pattern.converters]
    for pattern in without_ids:
        path = "/dashboard/" + str(pattern.pattern)
        response = client.get(path, {"view": "month", "date": "2026-03-02", "tab": "pending"})
        assert response.status_code in (200, 302, 405), path
        html = page_text(response)
        for secret in (
            "Bobs Guest",
            "bg@example.com",
            "Bobs block",
            "bobs-call",
            "Bobs token",
            "bobs-calendar@example.com",
            "Bobs ics",
        ):
            assert secret not in html, (path, secret)


def test_a_manual_booking_cannot_use_another_hosts_event_type(client, alice, bobs_things):
    client.force_login(alice)
    response = client.post(
        "/dashboard/bookings/new/",
        {
            "event_type": bobs_things["pk"],
            "start": "2026-03-02T19:00",
            "name": "X",
            "email": "x@example.com",
            "timezone": "UTC",
        },
    )
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()
    assert not Booking.objects.filter(guest_email="x@example.com").exists()


def test_every_dashboard_page_needs_a_login(client, bobs_things):
    for pattern in dashboard_patterns():
        path = "/dashboard/" + str(pattern.pattern).replace("<int:pk>", "1").replace(
            "<uuid:uid>", str(bobs_things["uid"])
        ).replace("<int:block_id>", "1").replace("<str:date>", "2026-03-04").replace(
            "<int:token_id>", "1"
        )
        path = path.replace("<int:connection_id>", "1").replace("<int:subscription_id>", "1")
        response = client.get(path)
        assert response.status_code in (302, 405), path
        if response.status_code == 302:
            assert response.url.startswith("/accounts/login/"), path


def test_dashboard_forms_are_csrf_protected(alice, bobs_things):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.force_login(alice)
    assert strict.post("/dashboard/event-types/new/", {"title": "X"}).status_code == 403
    assert strict.post("/dashboard/availability/", {"day_0": ""}).status_code == 403


def test_analytics_figures_and_their_rows_are_the_hosts_own(client, alice, intro, bobs_things):
    """Alice's analytics (cards, drill-down for every figure, both CSVs) never count Bob's
    booking, while Bob's own page does."""
    client.force_login(alice)
    for figure in ("created", "confirmed", "declined", "cancelled_by_host"):
        page = client.get("/dashboard/analytics/bookings/", {"figure": figure, "period": "7d"})
        assert 'analytics-drill-count">0<' in page.content.decode(), figure
    html = client.get("/dashboard/analytics/", {"period": "7d", "scope": "site"}).content
    assert b'<p class="analytics-card-value">1</p>' not in html
    from django.contrib.auth import get_user_model

    bob = get_user_model().objects.get(email="bob@example.com")
    client.force_login(bob)
    page = client.get("/dashboard/analytics/bookings/", {"figure": "created", "period": "7d"})
    assert "Bobs Guest" in page.content.decode()
