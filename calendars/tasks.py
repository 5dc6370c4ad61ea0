"""Celery tasks: thin wrappers over calendars.services."""

from __future__ import annotations

from celery import shared_task

from calendars import services


@shared_task
def sync_due_calendars() -> int:
    """Beat, every minute: queue a sync for every connection (5 min) and ICS (15 min) due."""
    return services.queue_due_syncs()


@shared_task(bind=True, max_retries=20, acks_late=True)
def sync_connection(self, connection_id: int, full: bool = False) -> str:
    result = services.sync_connection(connection_id, full=full)
    if result.busy and self.request.retries < 3:
        # Another sync of this connection is running; this request (a push, "Sync now")
        # may carry news it has not seen, so look again shortly.
        raise self.retry(countdown=30)
    return result.message


@shared_task(acks_late=True)
def sync_subscription(subscription_id: int) -> str:
    return services.sync_subscription(subscription_id).message


@shared_task(bind=True, max_retries=None, acks_late=True)
def write_booking_event(self, booking_id: int) -> None:
    """Create, update or delete the booking's event; failures come back with backoff."""
    delay = services.push_booking(booking_id)
    if delay is not None:
        raise self.retry(countdown=delay)


@shared_task(autoretry_for=(Exception,), retry_backoff=60, max_retries=5)
def send_reconnect_email(connection_id: int) -> None:
    services.send_reconnect_email(connection_id)


@shared_task
def start_push_channels(connection_id: int) -> int:
    return services.start_push_channels(connection_id)


@shared_task
def renew_push_channels() -> int:
    return services.renew_push_channels()
