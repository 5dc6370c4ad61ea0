"""Admin for hours, date overrides and blocked time."""

from django.contrib import admin

from availability.models import BusyBlock, DateOverride, WeeklyRule


@admin.register(WeeklyRule)
class WeeklyRuleAdmin(admin.ModelAdmin):
    list_display = ["host", "weekday", "start_time", "end_time"]
    list_filter = ["weekday"]
    search_fields = ["host__email", "host__handle"]
    list_select_related = ["host"]
    autocomplete_fields = ["host"]


@admin.register(DateOverride)
class DateOverrideAdmin(admin.ModelAdmin):
    list_display = ["host", "date", "start_time", "end_time", "is_unavailable"]
    list_filter = ["date"]
    search_fields = ["host__email", "host__handle"]
    list_select_related = ["host"]
    date_hierarchy = "date"
    autocomplete_fields = ["host"]


@admin.register(BusyBlock)
class BusyBlockAdmin(admin.ModelAdmin):
    list_display = ["host", "start", "end", "source", "reason"]
    list_filter = ["source", "start"]
    search_fields = ["host__email", "host__handle", "reason", "external_id"]
    list_select_related = ["host"]
    date_hierarchy = "start"
    autocomplete_fields = ["host"]
