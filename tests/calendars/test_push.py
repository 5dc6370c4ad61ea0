"""Push notifications (Google channels, Graph subscriptions) trigger a sync within seconds;
the endpoints check the channel token / clientState."""

from __future__ import annotations

import json

import pytest

from availability.models import BusyBlock
from calendars import services
from tests.conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def https_base(settings):
    settings.BASE_URL = "https://book.example.com"


def test_google_channels_open_on_https_and_a_notification_syncs(
    client,
    alice,
    intro,
    frozen_now,
    https_base,
    connect_google,
    google,
    django_capture_on_commit_callbacks,
):
    connection = connect_google(alice)
    calendar = connection.calendars.get(is_primary=True)
    assert calendar.push_id and calendar.push_expires_at > frozen_now
    channel = google.channels[calendar.push_id]
    assert channel["address"] == "https://book.example.com/calendars/google/notify/"
    google.add_timed(google.account, "new", at("2026-03-02 10:00"), at("2026-03-02 11:00"))
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/calendars/google/notify/",
            HTTP_X_GOOG_CHANNEL_ID=channel["id"],
            HTTP_X_GOOG_CHANNEL_TOKEN=channel["token"],
            HTTP_X_GOOG_RESOURCE_STATE="exists",
            HTTP_X_GOOG_RESOURCE_ID=channel["resourceId"],
        )
    assert response.status_code == 200
    assert BusyBlock.objects.filter(host=alice, source="google").count() == 1


def test_a_google_notification_with_a_wrong_token_does_nothing(
    client, alice, intro, frozen_now, https_base, connect_google, google
):
    connection = connect_google(alice)
    calendar = connection.calendars.get(is_primary=True)
    response = client.post(
        "/calendars/google/notify/",
        HTTP_X_GOOG_CHANNEL_ID=calendar.push_id,
        HTTP_X_GOOG_CHANNEL_TOKEN="guess",
    )
    assert response.status_code == 404
    assert client.post("/calendars/google/notify/").status_code == 404


def test_graph_validation_handshake_and_notifications(
    client,
    alice,
    intro,
    frozen_now,
    https_base,
    connect_microsoft,
    microsoft,
    django_capture_on_commit_callbacks,
):
    connection = connect_microsoft(alice)
    calendar = connection.calendars.get(is_primary=True)
    subscription = microsoft.subscriptions[calendar.push_id]
    assert subscription["notificationUrl"] == "https://book.example.com/calendars/microsoft/notify/"
    handshake = client.post("/calendars/microsoft/notify/?validationToken=abc%20123")
    assert handshake.status_code == 200 and handshake.content == b"abc 123"
    assert handshake["Content-Type"].startswith("text/plain")
    microsoft.add_timed(microsoft.primary, "new", at("2026-03-02 10:00"), at("2026-03-02 11:00"))
    forged = {"value": [{"subscriptionId": calendar.push_id, "clientState": "nope"}]}
    client.post("/calendars/microsoft/notify/", json.dumps(forged), content_type="application/json")
    assert not BusyBlock.objects.filter(host=alice).exists()
    real = {
        "value": [
            {
                "subscriptionId": calendar.push_id,
                "clientState": subscription["clientState"],
                "changeType": "created",
            }
        ]
    }
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/calendars/microsoft/notify/", json.dumps(real), content_type="application/json"
        )
    assert response.status_code == 202
    assert BusyBlock.objects.filter(host=alice, source="microsoft").count() == 1


def test_garbage_notifications_are_a_400_not_a_500(client):
    response = client.post(
        "/calendars/microsoft/notify/", "{not json", content_type="application/json"
    )
    assert response.status_code == 400
    response = client.post("/calendars/microsoft/notify/", "[1,2]", content_type="application/json")
    assert response.status_code == 400


def test_channels_are_renewed_before_they_expire(
    alice, intro, frozen_now, https_base, connect_google, google
):
    import datetime as dt

    import time_machine

    connection = connect_google(alice)
    old = connection.calendars.get(is_primary=True).push_id
    with time_machine.travel(frozen_now + dt.timedelta(days=6, hours=12), tick=False):
        assert services.renew_push_channels() == 1
    renewed = connection.calendars.get(is_primary=True)
    assert (
        renewed.push_id != old and old not in google.channels and renewed.push_id in google.channels
    )


def test_no_push_channels_on_plain_http(alice, intro, frozen_now, connect_google, google):
    connection = connect_google(alice)
    assert not connection.calendars.get(is_primary=True).push_id and not google.channels
