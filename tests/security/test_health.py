"""/healthz answers without I/O; /readyz checks database, migrations and Redis, and says which
failed with a 503; neither shows versions or data."""

from __future__ import annotations

import pytest

from security import health


def test_healthz_needs_nothing(client):
    # No django_db mark: any database access here would raise.
    response = client.get("/healthz")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_is_ok_when_everything_answers(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "redis": "ok"}}
    assert "version" not in response.content.decode().lower()


@pytest.mark.django_db
def test_readyz_says_redis_is_down(client, settings):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    settings.REDIS_URL = f"redis://127.0.0.1:{port}/0"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"] == {"database": "ok", "redis": "unavailable"}


@pytest.mark.django_db(transaction=True)
def test_readyz_says_the_database_is_down(client):
    import socket

    from django.db import connections

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        dead_port = probe.getsockname()[1]
    database = connections["default"]
    real_host, real_port = database.settings_dict["HOST"], database.settings_dict["PORT"]
    # The database "stops": the next connection goes to a port where nothing listens.
    database.close()
    database.settings_dict.update(HOST="127.0.0.1", PORT=dead_port)
    try:
        response = client.get("/readyz")
    finally:
        database.close()
        database.settings_dict.update(HOST=real_host, PORT=real_port)
    assert response.status_code == 503
    assert response.json() == {
        "status": "unavailable",
        "checks": {"database": "unavailable", "redis": "ok"},
    }


@pytest.mark.django_db
def test_readyz_says_when_migrations_are_missing(client, monkeypatch):
    monkeypatch.setattr(health, "_migrations_applied", False)
    from django.db.migrations.executor import MigrationExecutor

    monkeypatch.setattr(MigrationExecutor, "migration_plan", lambda self, targets: ["pending"])
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["database"] == "migrations not applied"


def test_health_checks_are_not_redirected_to_https(client, settings):
    settings.SECURE_SSL_REDIRECT = True
    assert client.get("/healthz").status_code == 200
    assert client.get("/accounts/login/").status_code == 301
