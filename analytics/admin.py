"""Admin for the booking history and the daily figures: read-only, since the history is written
by the booking services and the figures by the rollup."""

from django.contrib import admin

from analytics.models import BookingEvent, DailyStats, PageViewCount


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(BookingEvent)
class BookingEventAdmin(ReadOnlyAdmin):
    list_display = ["at", "kind", "actor", "booking", "host", "event_type"]
    list_filter = ["kind", "actor"]
    search_fields = ["booking__uid", "host__email"]
    list_select_related = ["booking__event_type", "host", "event_type"]
    date_hierarchy = "at"


@admin.register(DailyStats)
class DailyStatsAdmin(ReadOnlyAdmin):
    list_display = [
        "date",
        "host",
        "event_type",
        "created",
        "confirmed",
        "completed",
        "no_shows",
        "cancelled_by_guest",
        "cancelled_by_host",
        "rescheduled",
        "declined",
    ]
    search_fields = ["host__email"]
    list_select_related = ["host", "event_type"]
    date_hierarchy = "date"


@admin.register(PageViewCount)
class PageViewCountAdmin(ReadOnlyAdmin):
    list_display = ["date", "host", "event_type", "views"]
    search_fields = ["host__email"]
    list_select_related = ["host", "event_type"]
    date_hierarchy = "date"
