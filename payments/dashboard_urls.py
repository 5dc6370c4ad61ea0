"""Hosts' payment pages, mounted at /dashboard/payments/."""

from django.urls import path

from payments import views

urlpatterns = [
    path("", views.settings_page, name="payments-settings"),
    path("stripe/connect/", views.stripe_connect, name="payments-stripe-connect"),
    path("stripe/return/", views.stripe_return, name="payments-stripe-return"),
    path("stripe/refresh/", views.stripe_refresh, name="payments-stripe-refresh"),
    path("bookings/<uuid:uid>/refund/", views.refund, name="payments-refund"),
]
