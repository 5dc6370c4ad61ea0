"""Celery tasks: thin wrappers over notifications.services."""

from __future__ import annotations

from celery import shared_task

from notifications import services


@shared_task(bind=True, max_retries=None, acks_late=True)
def send_email_delivery(self, delivery_id: int) -> None:
    """Send one queued email; failed attempts come back with exponential backoff."""
    delay = services.attempt_delivery(delivery_id)
    if delay is not None:
        raise self.retry(countdown=delay)


@shared_task
def send_due_reminders() -> int:
    return services.dispatch_due_reminders()


@shared_task
def requeue_stalled_emails() -> int:
    return services.requeue_stalled_deliveries()
