"""History for bookings made before the history existed.

Each existing booking gets a `created` event at its creation time and, when its status says it
ended, the event that ended it (cancelled, declined, completed, no-show) at its last update.
Reschedules and confirmations of that time were never recorded and are not invented. Every
backfilled event carries details.backfilled = true. All days touched are marked dirty so the
rollup task builds their figures.
"""

from django.db import migrations

END_KINDS = {
    "cancelled": "cancelled",
    "declined": "declined",
    "completed": "completed",
    "no_show": "no_show",
}


def backfill(apps, schema_editor):
    from zoneinfo import ZoneInfo

    Booking = apps.get_model("bookings", "Booking")
    BookingEvent = apps.get_model("analytics", "BookingEvent")
    DirtyDay = apps.get_model("analytics", "DirtyDay")
    recorded = BookingEvent.objects.values("booking_id")
    events, dirty = [], set()
    missing = Booking.objects.exclude(pk__in=recorded).select_related("host", "event_type")
    for booking in missing.iterator(chunk_size=2000):
        zone = ZoneInfo(booking.host.timezone)
        status = booking.status if booking.status in ("pending", "confirmed") else "confirmed"
        if booking.status == "declined" or (
            booking.status == "cancelled" and booking.event_type.requires_confirmation
        ):
            status = "pending"
        events.append(
            BookingEvent(
                booking_id=booking.pk,
                host_id=booking.host_id,
                event_type_id=booking.event_type_id,
                kind="created",
                actor="guest",
                at=booking.created_at,
                start=booking.start,
                details={"status": status, "backfilled": True},
            )
        )
        dirty.add((booking.host_id, booking.created_at.astimezone(zone).date()))
        kind = END_KINDS.get(booking.status)
        if kind:
            actor = "host"
            if kind == "cancelled":
                actor = booking.cancelled_by or "guest"
            events.append(
                BookingEvent(
                    booking_id=booking.pk,
                    host_id=booking.host_id,
                    event_type_id=booking.event_type_id,
                    kind=kind,
                    actor=actor,
                    at=max(booking.updated_at, booking.created_at),
                    start=booking.start,
                    details={"backfilled": True},
                )
            )
            dirty.add((booking.host_id, booking.updated_at.astimezone(zone).date()))
            if kind in ("completed", "no_show"):
                dirty.add((booking.host_id, booking.start.astimezone(zone).date()))
        if len(events) >= 5000:
            BookingEvent.objects.bulk_create(events)
            events = []
    BookingEvent.objects.bulk_create(events)
    from django.utils import timezone

    now = timezone.now()
    DirtyDay.objects.bulk_create(
        [DirtyDay(host_id=host_id, date=day, marked_at=now) for host_id, day in sorted(dirty)],
        ignore_conflicts=True,
    )


class Migration(migrations.Migration):
    dependencies = [("analytics", "0001_booking_history_and_daily_figures")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
