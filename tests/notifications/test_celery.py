"""Emails travel through a real Celery worker and the Redis broker, as in production."""

from __future__ import annotations

import time

import pytest
import time_machine
from celery.contrib.testing.worker import start_worker
from django.conf import settings
from django.core import mail

from config.celery import app
from notifications.models import DeliveryStatus, EmailDelivery
from tests.conftest import NOW, at, book


@pytest.mark.django_db(transaction=True)
def test_a_booking_email_is_delivered_by_a_celery_worker(intro, celery_inline):
    assert settings.CELERY_BROKER_URL.startswith("redis://"), "make test provides Redis"
    app.conf.task_always_eager = False
    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
        with time_machine.travel(NOW, tick=True):
            book(intro, at("2026-03-02 10:00"))
        deadline = time.monotonic() + 30
        while len(mail.outbox) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
    assert len(mail.outbox) == 2
    assert set(EmailDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.SENT}


def test_beat_runs_registered_tasks_on_schedule():
    app.loader.import_default_modules()
    schedule = settings.CELERY_BEAT_SCHEDULE
    assert schedule["every-minute-send-due-reminders"]["schedule"] == 60.0
    for entry in schedule.values():
        assert entry["task"] in app.tasks
