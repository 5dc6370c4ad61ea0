"""Reads of event types and bookings."""

from __future__ import annotations

import datetime as dt

from django.db import models

from accounts.models import handle_is


class EventTypeQuerySet(models.QuerySet):
    def active(self):
        return self.filter(is_active=True)

    def for_host(self, host):
        return self.filter(host=host)

    def public(self, handle: str, slug: str):
        """An event type at a public URL, whatever its state (callers decide on inactive)."""
        return self.select_related("host").filter(
            handle_is(handle, "host__handle"), host__is_active=True, slug=slug.lower()
        )

    def with_calendar_presence(self):
        """Annotate `host_has_calendars`: whether the host has an active calendar connection.
        The booking service asks connected calendars before it books (a query of its own);
        reading the answer here, in the query that finds the event type, spares that query
        for the many hosts with none."""
        from calendars.models import Connection, ConnectionStatus

        return self.annotate(
            host_has_calendars=models.Exists(
                Connection.objects.filter(
                    host_id=models.OuterRef("host_id"), status=ConnectionStatus.ACTIVE
                )
            )
        )

    def with_availability_stamp(self):
        """Annotate `availability_stamp`: the host's stamp (None without one), read in the
        same query as the event type so that computed slots can be reused at no extra query
        (see availability.slot_cache)."""
        from availability.models import AvailabilityStamp

        return self.annotate(
            availability_stamp=models.Subquery(
                AvailabilityStamp.objects.filter(host_id=models.OuterRef("host_id")).values(
                    "stamp"
                )[:1]
            )
        )


class BookingQuerySet(models.QuerySet):
    def for_host(self, host):
        return self.filter(host=host)

    def active(self):
        from bookings.models import ACTIVE_STATUSES

        return self.filter(status__in=ACTIVE_STATUSES)

    def holding(self):
        """Bookings whose time is taken: active ones and those awaiting payment."""
        from bookings.models import HOLDING_STATUSES

        return self.filter(status__in=HOLDING_STATUSES)

    def overlapping(self, start: dt.datetime, end: dt.datetime):
        return self.filter(start__lt=end, end__gt=start)
