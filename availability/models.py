"""When a host can be booked: weekly hours, date overrides and blocked time.

Weekly rules and overrides are wall-clock times in the host's timezone, read per local date by
the slot engine. Busy blocks are instants in UTC. An end time of 00:00 means the end of that
local day (24:00), so a range can run up to midnight.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib.postgres.fields import RangeOperators
from django.db import models
from django.db.models import F, Q

from config.constraints import PostgresOnlyExclusionConstraint, half_open_range

MIDNIGHT = dt.time(0, 0)
_VALID_TIME_RANGE = Q(end_time__gt=F("start_time")) | Q(end_time=MIDNIGHT)


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class WeeklyRule(models.Model):
    """One range of working hours on a weekday; a day may have several."""

    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="weekly_rules"
    )
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField(help_text="00:00 means midnight at the end of the day.")

    class Meta:
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(condition=_VALID_TIME_RANGE, name="weeklyrule_start_before_end"),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="weeklyrule_weekday_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class DateOverride(models.Model):
    """A local date with its own hours. A row without times marks the whole day unavailable."""

    host = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="date_overrides"
    )
    date = models.DateField()
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)

    class Meta:
        ordering = ["date", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(start_time__isnull=True) & Q(end_time__isnull=True))
                | (Q(start_time__isnull=False) & Q(end_time__isnull=False) & _VALID_TIME_RANGE),
                name="dateoverride_times_valid",
            ),
        ]
        indexes = [
            # Slot loader: overrides of one host between two local dates.
            models.Index(fields=["host", "date"], name="dateoverride_host_date"),
        ]

    def __str__(self) -> str:
        if self.is_unavailable:
            return f"{self.date}: unavailable"
        return f"{self.date}: {self.start_time:%H:%M}–{self.end_time:%H:%M}"

    @property
    def is_unavailable(self) -> bool:
        return self.start_time is None


class BusySource(models.TextChoices):
    MANUAL = "manual", "Blocked by hand"
    GOOGLE = "google", "Google Calendar"
    MICROSOFT = "microsoft", "Microsoft Outlook"
    ICS = "ics", "ICS subscription"


class BusyBlock(models.Model):
    """Time the host cannot be booked, entered by hand or copied from a connected calendar."""

    # No index of its own: busyblock_host_end leads with host.
    host = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="busy_blocks",
        db_index=False,
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    reason = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=16, choices=BusySource.choices, default=BusySource.MANUAL)
    external_id = models.CharField(max_length=255, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end__gt=F("start")), name="busyblock_start_before_end"
            ),
            PostgresOnlyExclusionConstraint(
                name="busyblock_manual_no_overlap",
                expressions=[
                    ("host", RangeOperators.EQUAL),
                    (half_open_range("start", "end"), RangeOperators.OVERLAPS),
                ],
                condition=Q(source=BusySource.MANUAL),
                violation_error_message="This blocked time overlaps another blocked time.",
            ),
            models.UniqueConstraint(
                fields=["host", "source", "external_id"],
                condition=~Q(external_id=""),
                name="busyblock_external_unique",
            ),
        ]
        indexes = [
            # Slot loader (availability.loader, busy query): blocks of one host that end after
            # the low bound of the span shown; past blocks are never read.
            models.Index(fields=["host", "end"], name="busyblock_host_end"),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()}: {self.start:%Y-%m-%d %H:%M}–{self.end:%H:%M} UTC"

    @property
    def is_read_only(self) -> bool:
        """Blocks copied from a connected calendar are changed there, not here."""
        return self.source != BusySource.MANUAL


class AvailabilityStamp(models.Model):
    """A host's availability stamp, the key under which their computed slots may be reused.

    Written only by PostgreSQL triggers (migration 0004), in the same transaction as every
    change to the host's bookings, busy blocks, weekly hours, date overrides or event types, so
    no code path (admin, bulk sync, raw SQL) can change availability and keep the old stamp.
    Stamps come from a sequence, not a per-host counter: a rolled-back change's stamp is never
    handed out again. `host_id` is a plain column (no foreign key): a host's deletion cascades
    to their bookings, whose triggers write here while the host row is going away.
    """

    host_id = models.BigIntegerField(primary_key=True)
    stamp = models.BigIntegerField()

    def __str__(self) -> str:
        return f"host {self.host_id}: {self.stamp}"
