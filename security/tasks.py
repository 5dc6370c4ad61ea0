"""Periodic security work for Celery beat."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from security.retention import anonymize_guests


@shared_task
def anonymize_old_guests() -> int:
    if not settings.GUEST_DATA_RETENTION_DAYS:
        return 0
    return anonymize_guests(settings.GUEST_DATA_RETENTION_DAYS)
