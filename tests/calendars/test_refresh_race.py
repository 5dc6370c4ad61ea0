"""Two workers that both find an expired token refresh it once between them, so Microsoft's
rotating refresh token is never lost. Real threads with their own database connections."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection as db_connection

from calendars import services
from calendars.models import Connection
from tests.conftest import make_host

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.concurrency]


def test_two_workers_refreshing_at_once_keep_a_working_refresh_token(
    transactional_db, microsoft, client, django_capture_on_commit_callbacks
):
    from tests.calendars.conftest import connect

    alice = make_host("alice@example.com", "alice", "America/New_York")
    connection = connect(client, alice, microsoft, "microsoft", django_capture_on_commit_callbacks)
    Connection.objects.filter(pk=connection.pk).update(
        token_expires_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)
    )
    microsoft.token_latency = 0.5  # both workers are inside "refresh" at the same time
    before = microsoft.calls("POST", "/token")
    barrier = threading.Barrier(2)
    tokens, errors = [], []

    def worker():
        try:
            mine = Connection.objects.get(pk=connection.pk)
            barrier.wait()
            tokens.append(services.access_token(mine))
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(error)
        finally:
            db_connection.close()

    threads = [threading.Thread(target=worker) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert microsoft.calls("POST", "/token") == before + 1
    assert tokens[0] == tokens[1] and tokens[0] in microsoft.access_tokens
    stored = Connection.objects.get(pk=connection.pk)
    assert stored.refresh_token in microsoft.refresh_tokens  # the newest, still valid
    assert stored.status == "active"
