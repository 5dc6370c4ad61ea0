"""Counting refused requests per day and endpoint, and reading the counts back.

`record_refusal` is called on every rate-limit refusal; it must never turn a 429 into a 500, so
database trouble is logged and swallowed. `daily_counts` is the read staff analytics uses.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import F, Sum
from django.utils import timezone

from security.models import RefusalCount

logger = logging.getLogger(__name__)


def record_refusal(endpoint: str, limit: str) -> None:
    day = timezone.now().date()
    rows = RefusalCount.objects.filter(day=day, endpoint=endpoint[:120], limit=limit[:60])
    try:
        with transaction.atomic():
            if rows.update(count=F("count") + 1):
                return
            try:
                with transaction.atomic():
                    RefusalCount.objects.create(
                        day=day, endpoint=endpoint[:120], limit=limit[:60], count=1
                    )
            except IntegrityError:
                # Another process created today's row between our update and insert.
                rows.update(count=F("count") + 1)
    except DatabaseError:
        logger.warning("could not record a rate-limit refusal on %s", endpoint, exc_info=True)


@dataclass(frozen=True)
class DailyRefusals:
    day: dt.date
    endpoint: str
    count: int


def daily_counts(start_date: dt.date, end_date: dt.date) -> list[DailyRefusals]:
    """Refusals per day and endpoint for start_date..end_date (inclusive), all limits summed."""
    rows = (
        RefusalCount.objects.filter(day__gte=start_date, day__lte=end_date)
        .values("day", "endpoint")
        .annotate(total=Sum("count"))
        .order_by("day", "endpoint")
    )
    return [DailyRefusals(row["day"], row["endpoint"], row["total"]) for row in rows]
