"""What the protection layer records: refused requests, counted per day, endpoint and limit."""

from __future__ import annotations

from django.db import models


class RefusalCount(models.Model):
    """How many requests one limit refused on one endpoint on one (UTC) day."""

    day = models.DateField()
    endpoint = models.CharField(max_length=120, help_text="URL name of the view, e.g. event-book")
    limit = models.CharField(max_length=60, help_text="Name of the rate limit that refused")
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            # One row per day/endpoint/limit; also serves daily_counts' range scan by day.
            models.UniqueConstraint(
                fields=["day", "endpoint", "limit"], name="refusal_count_one_per_day"
            ),
        ]
        ordering = ["-day", "endpoint", "limit"]

    def __str__(self) -> str:
        return f"{self.day} {self.endpoint} {self.limit}: {self.count}"
