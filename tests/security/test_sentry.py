"""Errors reach Sentry without personal data: the real sentry-sdk sends to a local fake ingest
server, and every envelope byte is searched for the planted values."""

from __future__ import annotations

import logging

import pytest
import sentry_sdk
from django.http import HttpResponse
from django.test import override_settings
from django.urls import path

from security.sentry import init_sentry
from tests.fakes.sentry_server import FakeSentry

PLANTED = {
    "name": "Zebulon Plantedname",
    "email": "zebulon.planted@example.org",
    "notes": "planted-notes-never-send",
    "guest_token": "eyJiIjoxLCJwIjoiY2FuY2VsIn0:1vXyZa:Plantedsignature0123456789abcd",
    "feed_token": "plantedfeedtoken0123456789",
    "oauth_code": "4/0AplantedOAuthCode",
    "stripe_secret": "sk_test_PlantedStripeSecret123",
}

logger = logging.getLogger("tests.sentry")


def exploding_view(request):
    # What careless code might do: log and raise with personal data in hand.
    logger.warning("about to fail for %s (%s)", PLANTED["email"], PLANTED["name"])
    sentry_sdk.add_breadcrumb(
        category="booking",
        message=f"guest {PLANTED['email']} wrote {PLANTED['notes']}",
        data={"guest_name": PLANTED["name"], "url": f"/feeds/{PLANTED['feed_token']}.ics"},
    )
    from accounts.models import User

    User.objects.filter(email=PLANTED["email"]).exists()  # a query span/breadcrumb with it
    guest_name = PLANTED["name"]  # noqa: F841  (a local variable Sentry could capture)
    raise RuntimeError(f"could not book for {PLANTED['email']} with key {PLANTED['stripe_secret']}")


def logging_view(request):
    logger.error("could not reach the calendar of %s", PLANTED["email"])
    return HttpResponse("ok")


urlpatterns = [
    path("boom/", exploding_view),
    path("ok/", logging_view),
]


@pytest.fixture
def sentry():
    fake = FakeSentry().start()
    init_sentry(dsn=fake.dsn, environment="test-env", release="1.2.3", traces_sample_rate=1.0)
    yield fake
    sentry_sdk.get_client().close()
    sentry_sdk.init(dsn=None)
    fake.stop()


@pytest.mark.django_db
@override_settings(ROOT_URLCONF=__name__)
def test_errors_and_logged_errors_reach_sentry_without_planted_secrets(client, sentry):
    client.raise_request_exception = False
    query = f"token={PLANTED['guest_token']}&code={PLANTED['oauth_code']}"
    response = client.post(
        f"/boom/?{query}",
        {"name": PLANTED["name"], "email": PLANTED["email"], "notes": PLANTED["notes"]},
        HTTP_REFERER=f"https://book.example.com/booking/x/cancel/?token={PLANTED['guest_token']}",
        HTTP_COOKIE="sessionid=plantedsessionid123",
    )
    assert response.status_code == 500
    client.get(f"/ok/?{query}")
    sentry_sdk.flush(timeout=5)

    assert sentry.events, "the error reached the fake Sentry"
    event = sentry.events[0]
    assert event["environment"] == "test-env" and event["release"] == "1.2.3"
    assert len(event["tags"]["request_id"]) == 32  # the id on the log lines too
    assert event["exception"]["values"][-1]["type"] == "RuntimeError"
    assert "zeb***@example.org" in event["exception"]["values"][-1]["value"]
    everything = "\n".join(sentry.raw)
    logged = [e for e in sentry.events if e.get("logentry")]
    assert logged and "zeb***@example.org" in str(logged[0]["logentry"])
    leaked = [name for name, value in PLANTED.items() if value in everything]
    leaked += ["session cookie"] if "plantedsessionid123" in everything else []
    assert leaked == []
