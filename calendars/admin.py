"""Admin: connections and subscriptions are visible (never their tokens or URLs)."""

from __future__ import annotations

from django.contrib import admin

from calendars.models import Calendar, Connection, IcsSubscription, WrittenEvent


class CalendarInline(admin.TabularInline):
    model = Calendar
    fields = ["name", "is_primary", "counts_as_busy", "receives_bookings", "push_expires_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["account_email", "provider", "host", "status", "last_synced_at"]
    list_filter = ["provider", "status"]
    search_fields = ["account_email", "host__email"]
    fields = [
        "host",
        "provider",
        "account_email",
        "status",
        "token_expires_at",
        "next_sync_at",
        "last_synced_at",
        "sync_failures",
        "last_error",
        "last_error_at",
        "reconnect_emailed_at",
    ]
    readonly_fields = fields
    inlines = [CalendarInline]


@admin.register(IcsSubscription)
class IcsSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["name", "url_host", "host", "last_synced_at", "last_error"]
    fields = ["host", "name", "url_host", "last_synced_at", "last_error", "next_sync_at"]
    readonly_fields = fields


@admin.register(WrittenEvent)
class WrittenEventAdmin(admin.ModelAdmin):
    list_display = ["booking", "calendar", "status", "attempts", "last_error", "updated_at"]
    list_filter = ["status"]
    fields = list_display + ["external_id", "meeting_url", "written_sequence"]
    readonly_fields = fields
