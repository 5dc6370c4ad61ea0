"""Read-only admin lists of payments and Stripe webhook events (changes go through services)."""

from __future__ import annotations

from django.contrib import admin

from payments.models import Payment, PaymentStep, Refund, StripeAccount, WebhookEvent


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class PaymentStepInline(admin.TabularInline):
    model = PaymentStep
    extra = 0
    can_delete = False
    readonly_fields = ["kind", "amount", "note", "at"]

    def has_add_permission(self, request, obj=None):
        return False


class RefundInline(admin.TabularInline):
    model = Refund
    extra = 0
    can_delete = False
    readonly_fields = [
        "amount",
        "reason",
        "requested_by",
        "status",
        "stripe_id",
        "attempts",
        "last_error",
    ]

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = [
        "booking",
        "amount",
        "currency",
        "status",
        "refunded_amount",
        "disputed",
        "created_at",
    ]
    list_filter = ["status", "currency", "disputed", "manual_capture"]
    search_fields = ["booking__uid", "checkout_session_id", "payment_intent_id"]
    inlines = [PaymentStepInline, RefundInline]


@admin.register(WebhookEvent)
class WebhookEventAdmin(ReadOnlyAdmin):
    list_display = ["event_id", "type", "endpoint", "received_at", "processed_at", "attempts"]
    list_filter = ["type", "endpoint", ("processed_at", admin.EmptyFieldListFilter)]
    search_fields = ["event_id", "account"]
    readonly_fields = ["last_error"]


@admin.register(StripeAccount)
class StripeAccountAdmin(ReadOnlyAdmin):
    list_display = ["host", "account_id", "charges_enabled", "details_submitted", "updated_at"]
