"""Admin for event types and bookings.

Bookings are read-only here: changes go through the booking service's actions, so the admin
keeps the same guarantees (no overlaps, sequence bumps) as every other entry point.
"""

from django.contrib import admin, messages

from bookings import services
from bookings.models import Booking, CancelledBy, EventType


@admin.register(EventType)
class EventTypeAdmin(admin.ModelAdmin):
    list_display = [
        "title",
        "slug",
        "host",
        "duration_minutes",
        "seats",
        "requires_confirmation",
        "is_active",
    ]
    list_filter = ["is_active", "requires_confirmation", "duration_minutes"]
    search_fields = ["title", "slug", "host__email", "host__handle"]
    list_select_related = ["host"]
    autocomplete_fields = ["host"]


@admin.register(Booking)
class BookingAdmin(admin.ModelAdmin):
    list_display = [
        "uid",
        "event_type",
        "host",
        "start",
        "end",
        "status",
        "guest_name",
        "guest_email",
    ]
    list_filter = ["status", "cancelled_by", "event_type__requires_confirmation", "start"]
    search_fields = [
        "uid",
        "guest_name",
        "guest_email",
        "host__email",
        "host__handle",
        "event_type__title",
    ]
    list_select_related = ["event_type", "host"]
    date_hierarchy = "start"
    ordering = ["-start"]
    readonly_fields = [field.name for field in Booking._meta.fields]
    actions = ["confirm_selected", "decline_selected", "cancel_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _apply(self, request, queryset, change, label: str):
        done = 0
        for booking in queryset:
            try:
                change(booking)
                done += 1
            except services.BookingError as error:
                self.message_user(request, f"{booking.uid}: {error.message}", messages.WARNING)
        if done:
            self.message_user(request, f"{label} {done} booking(s).", messages.SUCCESS)

    @admin.action(description="Confirm selected pending bookings")
    def confirm_selected(self, request, queryset):
        self._apply(request, queryset, services.confirm_booking, "Confirmed")

    @admin.action(description="Decline selected pending bookings")
    def decline_selected(self, request, queryset):
        self._apply(request, queryset, services.decline_booking, "Declined")

    @admin.action(description="Cancel selected bookings (as the host)")
    def cancel_selected(self, request, queryset):
        self._apply(
            request,
            queryset,
            lambda booking: services.cancel_booking(
                booking, by=CancelledBy.HOST, reason="Cancelled by an administrator."
            ),
            "Cancelled",
        )
