"""Celery tasks: thin wrappers over payments.services."""

from __future__ import annotations

from celery import shared_task

from payments import services


@shared_task
def expire_payment_holds() -> int:
    return services.expire_due_holds()


@shared_task
def reconcile_payments() -> dict:
    return services.reconcile_payments()
