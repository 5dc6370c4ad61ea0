"""The Django admin covers every model, and booking changes there go through the service."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model

from availability.models import BusyBlock, DateOverride
from bookings.models import BookingStatus
from tests.conftest import at, book

pytestmark = pytest.mark.django_db

MODELS = [
    "accounts/user",
    "bookings/eventtype",
    "bookings/booking",
    "availability/weeklyrule",
    "availability/dateoverride",
    "availability/busyblock",
]


@pytest.fixture
def admin_client(client, db):
    admin = get_user_model().objects.create_superuser("admin@example.com", "admin-pass-123")
    client.force_login(admin)
    return client


@pytest.mark.parametrize("model", MODELS)
def test_every_model_has_a_searchable_list(admin_client, frozen_now, intro, model):
    booking = book(intro, at("2026-03-02 10:00"))
    DateOverride.objects.create(host=intro.host, date=at("2026-03-03 00:00").date())
    BusyBlock.objects.create(
        host=intro.host, start=at("2026-03-04 10:00"), end=at("2026-03-04 11:00")
    )
    response = admin_client.get(f"/admin/{model}/", {"q": "alice"})
    assert response.status_code == 200
    assert admin_client.get(f"/admin/bookings/booking/{booking.pk}/change/").status_code == 200


def test_the_user_add_form_works_with_email_logins(admin_client):
    response = admin_client.post(
        "/admin/accounts/user/add/",
        {
            "email": "new@example.com",
            "password1": "a-long-pass-phrase",
            "password2": "a-long-pass-phrase",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    assert get_user_model().objects.filter(email="new@example.com").exists()


def test_admin_actions_use_the_booking_service(admin_client, frozen_now, consult):
    booking = book(consult, at("2026-03-02 10:00"))
    response = admin_client.post(
        "/admin/bookings/booking/",
        {"action": "confirm_selected", "_selected_action": [booking.pk]},
    )
    assert response.status_code == 302
    booking.refresh_from_db()
    assert booking.status == BookingStatus.CONFIRMED and booking.sequence == 1
