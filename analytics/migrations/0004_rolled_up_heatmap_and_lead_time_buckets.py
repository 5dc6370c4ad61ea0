"""Daily rows carry the lead-time distribution and the heatmap's meetings per hour, so the
dashboard reads only daily rows.

Existing rows get their buckets and total from the lead times they already hold. Meetings per
hour come from the bookings: every host-local day with a held meeting is marked dirty, and the
rollup task fills it in (as after 0002) within a few runs; `manage.py rollup_analytics` does
it at once.
"""

from django.db import migrations, models

# analytics.rollup.LEAD_BUCKET_EDGES when this migration was written.
LEAD_BUCKET_EDGES = (0, 60, 24 * 60, 3 * 24 * 60, 7 * 24 * 60, 14 * 24 * 60, 28 * 24 * 60)
HELD_STATUSES = ("pending", "confirmed", "completed", "no_show")


def bucket_of(minutes):
    index = 0
    for position, edge in enumerate(LEAD_BUCKET_EDGES):
        if minutes >= edge:
            index = position
    return index


def fill(apps, schema_editor):
    import datetime as dt
    from zoneinfo import ZoneInfo

    from django.db.models.functions import TruncDate

    DailyStats = apps.get_model("analytics", "DailyStats")
    Booking = apps.get_model("bookings", "Booking")
    DirtyDay = apps.get_model("analytics", "DirtyDay")
    changed = []
    for row in DailyStats.objects.exclude(lead_times=[]).iterator(chunk_size=2000):
        buckets = [0] * len(LEAD_BUCKET_EDGES)
        for minutes in row.lead_times:
            buckets[bucket_of(minutes)] += 1
        row.lead_time_buckets, row.lead_time_minutes = buckets, sum(row.lead_times)
        changed.append(row)
        if len(changed) == 2000:
            DailyStats.objects.bulk_update(changed, ["lead_time_buckets", "lead_time_minutes"])
            changed = []
    DailyStats.objects.bulk_update(changed, ["lead_time_buckets", "lead_time_minutes"])
    now = dt.datetime.now(dt.UTC)
    hosts = Booking.objects.values_list("host_id", "host__timezone").distinct().order_by()
    for host_id, zone_name in list(hosts):
        days = (
            Booking.objects.filter(host_id=host_id, status__in=HELD_STATUSES)
            .annotate(day=TruncDate("start", tzinfo=ZoneInfo(zone_name)))
            .values_list("day", flat=True)
            .distinct()
        )
        DirtyDay.objects.bulk_create(
            [DirtyDay(host_id=host_id, date=day, marked_at=now) for day in days],
            batch_size=2000,
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("analytics", "0003_payment_kinds"),
    ]

    operations = [
        migrations.AddField(
            model_name="dailystats",
            name="lead_time_buckets",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.AddField(
            model_name="dailystats",
            name="lead_time_minutes",
            field=models.BigIntegerField(default=0),
        ),
        migrations.AddField(
            model_name="dailystats",
            name="meetings_by_hour",
            field=models.JSONField(blank=True, default=list),
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
