"""Refusal counts are read-only in the admin: they are a record, not a setting."""

from __future__ import annotations

from django.contrib import admin

from security.models import RefusalCount


@admin.register(RefusalCount)
class RefusalCountAdmin(admin.ModelAdmin):
    list_display = ("day", "endpoint", "limit", "count")
    list_filter = ("limit", "endpoint")
    date_hierarchy = "day"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
