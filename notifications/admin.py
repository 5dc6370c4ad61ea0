"""Admin: every email and its fate, reminders, and hosts' feed URLs."""

from django.contrib import admin, messages
from django.urls import reverse

from bookings.links import absolute_url
from notifications.models import CalendarFeed, DeliveryStatus, EmailDelivery, Reminder
from notifications.services import enqueue


@admin.register(EmailDelivery)
class EmailDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "kind",
        "recipient_role",
        "recipient",
        "status",
        "attempts",
        "sent_at",
    ]
    list_filter = ["status", "kind", "recipient_role"]
    search_fields = ["recipient", "booking__uid", "last_error"]
    list_select_related = ["booking"]
    date_hierarchy = "created_at"
    readonly_fields = [field.name for field in EmailDelivery._meta.fields]
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    @admin.action(description="Send again now (failed or waiting emails)")
    def retry_now(self, request, queryset):
        retried = 0
        for delivery in queryset.exclude(status__in=[DeliveryStatus.SENT, DeliveryStatus.SENDING]):
            delivery.status = DeliveryStatus.PENDING
            delivery.save(update_fields=["status"])
            enqueue(delivery.pk)
            retried += 1
        self.message_user(request, f"Queued {retried} email(s) again.", messages.SUCCESS)


@admin.register(Reminder)
class ReminderAdmin(admin.ModelAdmin):
    list_display = [
        "due_at",
        "minutes_before",
        "recipient_role",
        "status",
        "booking",
        "processed_at",
    ]
    list_filter = ["status", "minutes_before", "recipient_role"]
    search_fields = ["booking__uid", "booking__guest_email"]
    list_select_related = ["booking__event_type"]
    date_hierarchy = "due_at"
    readonly_fields = [field.name for field in Reminder._meta.fields]

    def has_add_permission(self, request):
        return False


@admin.register(CalendarFeed)
class CalendarFeedAdmin(admin.ModelAdmin):
    list_display = ["host", "created_at", "feed_url"]
    search_fields = ["host__email", "host__handle"]
    list_select_related = ["host"]
    readonly_fields = ["token", "created_at", "feed_url"]
    autocomplete_fields = ["host"]
    actions = ["rotate"]

    @admin.display(description="Subscription URL")
    def feed_url(self, feed):
        return absolute_url(reverse("calendar-feed", args=[feed.token])) if feed.pk else ""

    @admin.action(description="Rotate the URL (the old one stops working)")
    def rotate(self, request, queryset):
        for feed in queryset:
            feed.rotate()
        self.message_user(request, f"Rotated {queryset.count()} feed URL(s).", messages.SUCCESS)
