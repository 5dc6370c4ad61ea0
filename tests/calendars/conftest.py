"""Fakes of Google and Microsoft started per test, settings pointed at them, and helpers that
connect Alice's accounts through the real consent round trip."""

from __future__ import annotations

import urllib.parse

import pytest

from calendars.models import Connection
from tests.fakes.google_server import FakeGoogle
from tests.fakes.microsoft_server import FakeMicrosoft


@pytest.fixture
def google(settings):
    fake = FakeGoogle().start()
    fake.point_settings_here(settings)
    yield fake
    fake.stop()


@pytest.fixture
def microsoft(settings):
    fake = FakeMicrosoft().start()
    fake.point_settings_here(settings)
    yield fake
    fake.stop()


def local_path(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.path}?{parts.query}"


def start_consent(client, provider: str) -> str:
    response = client.post(f"/dashboard/calendars/{provider}/connect/")
    assert response.status_code == 302, response.content[:500]
    return response["Location"]


def connect(client, host, fake, provider: str, capture) -> Connection:
    """Log in as host, go through consent at the fake and come back to the callback."""
    client.force_login(host)
    consent = start_consent(client, provider)
    callback = fake.approve(consent)
    with capture(execute=True):
        response = client.get(local_path(callback))
    assert response.status_code == 302, response.content.decode()[:800]
    return Connection.objects.get(host=host, provider=provider, account_email=fake.account)


@pytest.fixture
def connect_google(client, google, django_capture_on_commit_callbacks):
    def run(host):
        return connect(client, host, google, "google", django_capture_on_commit_callbacks)

    return run


@pytest.fixture
def connect_microsoft(client, microsoft, django_capture_on_commit_callbacks):
    def run(host):
        return connect(client, host, microsoft, "microsoft", django_capture_on_commit_callbacks)

    return run
