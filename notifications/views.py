"""A host's calendar feed: a secret URL that calendar apps poll for upcoming bookings."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpResponse
from django.utils import timezone
from icalendar import Calendar

from bookings.ics import PRODID, booking_event
from bookings.models import ACTIVE_STATUSES, Booking
from notifications.models import CalendarFeed

# Recent meetings stay in the feed for a while so calendars do not drop them at once.
FEED_LOOKBACK = dt.timedelta(days=30)


def calendar_feed(request, token: str):
    feed = (
        CalendarFeed.objects.select_related("host").filter(token=token).first()
        if len(token) <= 64
        else None
    )
    if feed is None or not feed.host.is_active:
        raise Http404
    bookings = (
        Booking.objects.for_host(feed.host)
        .filter(status__in=ACTIVE_STATUSES, end__gte=timezone.now() - FEED_LOOKBACK)
        .select_related("event_type", "host")
        .order_by("start")
    )
    calendar = Calendar.new(
        prodid=PRODID,
        name=f"{feed.host.public_name}: bookings",
        refresh_interval=dt.timedelta(minutes=15),
        subcomponents=[booking_event(booking, for_host=True) for booking in bookings],
    )
    calendar.add("method", "PUBLISH")
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    return response
