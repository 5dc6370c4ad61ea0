"""Celery tasks: thin wrappers over analytics.rollup."""

from __future__ import annotations

from celery import shared_task

from analytics import rollup


@shared_task
def rollup_dirty_days() -> int:
    return rollup.rollup_dirty_days()


@shared_task
def rollup_recent() -> int:
    return rollup.rollup_recent()
