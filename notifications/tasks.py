"""Celery tasks: thin wrappers over notifications.services."""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError, close_old_connections

from notifications import services

# While the database is unreachable (restart, failover) a send is tried again shortly; the
# outbox row is untouched or, if it was claimed, goes back after its lease.
DATABASE_RETRY_SECONDS = 5


@shared_task(bind=True, max_retries=None, acks_late=True)
def send_email_delivery(self, delivery_id: int) -> None:
    """Send one queued email; failed attempts come back with exponential backoff."""
    try:
        delay = services.attempt_delivery(delivery_id)
    except DatabaseError:
        close_old_connections()
        raise self.retry(countdown=DATABASE_RETRY_SECONDS) from None
    if delay is not None:
        raise self.retry(countdown=delay)


@shared_task(acks_late=True)
def send_email_deliveries(delivery_ids: list[int]) -> None:
    """Deliveries published together (a booking's emails, one message for the request to
    publish): each goes on as a task of its own, sent and retried on its own."""
    for delivery_id in delivery_ids:
        services.enqueue(delivery_id)


@shared_task
def send_due_reminders() -> int:
    return services.dispatch_due_reminders()


@shared_task
def requeue_stalled_emails() -> int:
    return services.requeue_stalled_deliveries()
