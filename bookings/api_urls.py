"""Routes of the public JSON API, mounted at /api/v1/."""

from django.urls import path

from analytics import api as analytics_api
from bookings import api

urlpatterns = [
    path("openapi.json", api.openapi, name="api-openapi"),
    path("analytics", analytics_api.analytics, name="api-analytics"),
    path("bookings/<uuid:uid>.ics", api.ics, name="api-booking-ics"),
    path("bookings/<uuid:uid>", api.detail, name="api-booking-detail"),
    path("bookings/<uuid:uid>/cancel", api.cancel, name="api-booking-cancel"),
    path("bookings/<uuid:uid>/reschedule", api.reschedule, name="api-booking-reschedule"),
    path("<str:handle>/<str:slug>/slots", api.slots, name="api-slots"),
    path("<str:handle>/<str:slug>/bookings", api.create, name="api-booking-create"),
]
