"""Logs: JSON lines with request ids, emails masked, names/notes/tokens never written.

The PII sweep runs a booking, a reschedule, a failed log-in, a missing feed token and an email
send through Celery with every logger at DEBUG, captures the formatted output of the project's
real handler configuration, and searches it for each planted value."""

from __future__ import annotations

import io
import json
import logging
import logging.config

import pytest
from django.urls import reverse

from bookings.links import guest_links
from security.logs import PiiFilter, RequestIdFilter, logging_config
from tests.conftest import at

PLANTED_NAME = "Zebulon Plantedname"
PLANTED_EMAIL = "zebulon.planted@example.org"
PLANTED_NOTES = "planted-notes-do-not-log"
PLANTED_PASSWORD = "planted-Password-77"


@pytest.fixture
def captured_logs():
    """Everything logged at any level, formatted as production formats it (JSON)."""
    stream = io.StringIO()
    config = logging_config(json=True, level="DEBUG", debug_logs=True)
    handler = logging.StreamHandler(stream)
    handler.setFormatter(
        logging.config.dictConfigClass(config).configure_custom(dict(config["formatters"]["main"]))
    )
    handler.addFilter(RequestIdFilter())
    handler.addFilter(PiiFilter())
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    levels = {}
    for name in ("django", "django.request", "celery", "bookings", "notifications", "accounts"):
        levels[name] = logging.getLogger(name).level
        logging.getLogger(name).setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(old_level)
    for name, level in levels.items():
        logging.getLogger(name).setLevel(level)


def lines(stream) -> list[dict]:
    return [json.loads(line) for line in stream.getvalue().splitlines() if line.strip()]


def test_every_line_is_json_with_a_request_id(client, db, captured_logs):
    response = client.get("/no-such-host-xyz/intro/", HTTP_X_REQUEST_ID="req-abc.123")
    assert response["X-Request-ID"] == "req-abc.123"
    records = lines(captured_logs)
    assert records, "the 404 is logged"
    assert all({"time", "level", "logger", "message", "request_id"} <= set(r) for r in records)
    assert any(r["request_id"] == "req-abc.123" for r in records)


def test_an_unsafe_request_id_is_replaced(client, db):
    response = client.get("/healthz", HTTP_X_REQUEST_ID="bad id\nforged line")
    assert response["X-Request-ID"] != "bad id\nforged line"
    assert len(response["X-Request-ID"]) == 32
    assert client.get("/healthz")["X-Request-ID"]


def test_emails_are_masked_and_tokens_cut():
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "mail to %s via /booking/1/cancel/?token=%s and /feeds/%s.ics key sk_test_%s",
        (
            "alice@example.com",
            "eyJib29rIjoxfQ:1vX:abcdefghijklmnopqrstuvwxyz",
            "feedtok123",
            "A" * 20,
        ),
        None,
    )
    PiiFilter().filter(record)
    message = record.getMessage()
    assert "ali***@example.com" in message and "alice@" not in message
    assert "abcdefghijklmnopqrstuvwxyz" not in message
    assert "feedtok123" not in message and "AAAAAAAAAAAA" not in message


def test_sensitive_extra_fields_and_tracebacks_are_scrubbed():
    try:
        raise ValueError(f"duplicate key for {PLANTED_EMAIL}")
    except ValueError:
        import sys

        record = logging.LogRecord("x", logging.ERROR, __file__, 1, "boom", None, sys.exc_info())
    record.guest_name = PLANTED_NAME
    record.notes = PLANTED_NOTES
    PiiFilter().filter(record)
    text = json.dumps({k: str(v) for k, v in record.__dict__.items()})
    assert PLANTED_NAME not in text and PLANTED_NOTES not in text and PLANTED_EMAIL not in text
    assert "zeb***@example.org" in record.exc_text


def test_debug_logs_turn_on_debug_output_of_our_loggers():
    assert (
        logging_config(json=True, level="INFO", debug_logs=True)["loggers"]["bookings"]["level"]
        == "DEBUG"
    )
    assert (
        logging_config(json=True, level="INFO", debug_logs=False)["loggers"]["bookings"]["level"]
        == "INFO"
    )


@pytest.mark.django_db
def test_no_planted_pii_in_any_log_line(client, intro, frozen_now, captured_logs, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    from django.test import TestCase

    with TestCase.captureOnCommitCallbacks(execute=True):
        booked = client.post(
            reverse("event-book", args=["alice", "intro"]),
            {
                "start": at("2026-03-02 09:00").isoformat(),
                "timezone": "Europe/London",
                "name": PLANTED_NAME,
                "email": PLANTED_EMAIL,
                "notes": PLANTED_NOTES,
            },
        )
    assert booked.status_code == 302
    booking = intro.bookings.get()
    links = guest_links(booking)
    with TestCase.captureOnCommitCallbacks(execute=True):
        moved = client.post(
            f"{reverse('booking-reschedule', args=[booking.uid])}?token={links.reschedule_token}",
            {"token": links.reschedule_token, "start": at("2026-03-02 11:00").isoformat()},
        )
    assert moved.status_code == 302
    # A forged token, a failed log-in and a feed token that does not exist.
    client.get(f"{reverse('booking-cancel', args=[booking.uid])}?token=forged{links.cancel_token}")
    client.post(reverse("login"), {"username": PLANTED_EMAIL, "password": PLANTED_PASSWORD})
    client.get("/feeds/planted-feed-token-123.ics")
    # The emails went out through the Celery task.
    from django.core import mail

    assert any(PLANTED_EMAIL in message.to for message in mail.outbox)
    output = captured_logs.getvalue()
    assert "email delivered" in output and "booking rescheduled" in output
    planted = [
        PLANTED_NAME,
        "Plantedname",
        PLANTED_EMAIL,
        PLANTED_NOTES,
        PLANTED_PASSWORD,
        links.reschedule_token,
        links.cancel_token,
        "planted-feed-token-123",
    ]
    found = [value for value in planted if value and value in output]
    assert found == []


@pytest.mark.django_db(transaction=True)
def test_no_planted_pii_in_the_logs_of_a_real_celery_worker(
    intro, celery_inline, captured_logs, capfd
):
    import time

    import time_machine
    from celery.contrib.testing.worker import start_worker
    from django.core import mail

    from config.celery import app
    from tests.conftest import NOW, book

    app.conf.task_always_eager = False
    with start_worker(
        app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="INFO"
    ):
        with time_machine.travel(NOW, tick=True):
            book(
                intro,
                at("2026-03-02 10:00"),
                name=PLANTED_NAME,
                email=PLANTED_EMAIL,
                notes=PLANTED_NOTES,
            )
        deadline = time.monotonic() + 30
        while len(mail.outbox) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert len(mail.outbox) == 2
    # The worker re-applies settings.LOGGING (Django's setup runs again), replacing our capture
    # handler with the configured console handler: read what that wrote too.
    output = captured_logs.getvalue() + capfd.readouterr().err
    assert "email delivered" in output, "the worker's lines were captured"
    assert [v for v in (PLANTED_NAME, PLANTED_EMAIL, PLANTED_NOTES) if v in output] == []


def test_production_writes_json_lines_with_masked_emails():
    from tests.security.test_headers import run_manage

    code = (
        "import logging; logging.getLogger('bookings').warning('mail for %s failed',"
        " 'alice@example.com')"
    )
    result = run_manage("shell", "-c", code)
    line = [text for text in result.stderr.splitlines() if "mail for" in text][0]
    record = json.loads(line)
    assert record["message"] == "mail for ali***@example.com failed"
    assert record["level"] == "WARNING" and record["logger"] == "bookings"
    assert record["request_id"] == "-"
