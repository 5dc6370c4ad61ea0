"""The host's page for one booking: only its host sees it; confirm, decline and cancel work."""

from __future__ import annotations

import pytest

from bookings.models import BookingStatus
from tests.conftest import at, book

pytestmark = pytest.mark.django_db


def url(booking) -> str:
    return f"/dashboard/bookings/{booking.uid}/"


def test_it_asks_for_a_login_first(client, frozen_now, consult):
    booking = book(consult, at("2026-03-02 10:00"))
    response = client.get(url(booking))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/?next=")


def test_another_host_gets_404(client, frozen_now, consult, bob):
    booking = book(consult, at("2026-03-02 10:00"))
    client.force_login(bob)
    assert client.get(url(booking)).status_code == 404
    assert client.post(url(booking), {"action": "confirm"}).status_code == 404
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING


def test_the_host_confirms_from_the_email_link(client, frozen_now, consult, alice):
    booking = book(consult, at("2026-03-02 10:00"))
    client.force_login(alice)
    page = client.get(url(booking), {"action": "confirm"})
    assert "Confirm this request" in page.content.decode()
    booking.refresh_from_db()
    assert booking.status == BookingStatus.PENDING  # a GET changes nothing
    response = client.post(url(booking), {"action": "confirm"})
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED
    assert "Confirmed." in client.get(url(booking)).content.decode()


def test_the_host_declines_with_a_reason(client, frozen_now, consult, alice):
    booking = book(consult, at("2026-03-02 10:00"))
    client.force_login(alice)
    client.post(url(booking), {"action": "decline", "reason": "Fully booked that week"})
    booking.refresh_from_db()
    assert booking.status == BookingStatus.DECLINED
    assert booking.cancel_reason == "Fully booked that week"


def test_the_login_page_logs_a_host_in_by_email(client, alice):
    response = client.post(
        "/accounts/login/", {"username": "ALICE@example.com", "password": "pw-for-tests-123"}
    )
    assert response.status_code == 302
    client.post("/accounts/logout/")
    bad = client.post("/accounts/login/", {"username": "alice@example.com", "password": "wrong"})
    assert "don't match an account" in bad.content.decode()
