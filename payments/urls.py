"""Public payment routes: Stripe's webhooks and the guest's payment status."""

from django.urls import path

from payments import views, webhooks

urlpatterns = [
    path("stripe/webhook/", webhooks.platform_webhook, name="stripe-webhook"),
    path("stripe/connect-webhook/", webhooks.connect_webhook, name="stripe-connect-webhook"),
    path("booking/<uuid:uid>/status/", views.booking_status, name="payments-booking-status"),
]
