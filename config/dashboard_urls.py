"""The host dashboard, mounted at /dashboard/. Every view here requires a logged-in host."""

from django.urls import path

from accounts import views as account_views
from analytics import views as analytics_views
from availability import views as availability_views
from bookings import host_views
from calendars import views as calendar_views

urlpatterns = [
    path("", host_views.home, name="dashboard"),
    path("onboarding/", account_views.onboarding, name="onboarding"),
    path("settings/", account_views.settings_page, name="settings"),
    path("settings/api-tokens/", account_views.api_token_create, name="api-token-create"),
    path(
        "settings/api-tokens/<int:token_id>/revoke/",
        account_views.api_token_revoke,
        name="api-token-revoke",
    ),
    path("event-types/", host_views.event_types, name="event-types"),
    path("event-types/new/", host_views.event_type_form, name="event-type-new"),
    path("event-types/<int:pk>/", host_views.event_type_form, name="event-type-edit"),
    path(
        "event-types/<int:pk>/duplicate/",
        host_views.event_type_duplicate,
        name="event-type-duplicate",
    ),
    path("event-types/<int:pk>/move/", host_views.event_type_move, name="event-type-move"),
    path("event-types/order/", host_views.event_type_order, name="event-type-order"),
    path("event-types/<int:pk>/toggle/", host_views.event_type_toggle, name="event-type-toggle"),
    path("event-types/<int:pk>/delete/", host_views.event_type_delete, name="event-type-delete"),
    path("availability/", availability_views.availability, name="availability"),
    path("availability/copy/", availability_views.copy_hours, name="availability-copy"),
    path("availability/timezone/", availability_views.set_timezone, name="availability-timezone"),
    path("availability/overrides/", availability_views.overrides, name="overrides"),
    path(
        "availability/overrides/<str:date>/delete/",
        availability_views.delete_override,
        name="override-delete",
    ),
    path("availability/undo/", availability_views.undo_delete, name="availability-undo"),
    path("availability/blocked/", availability_views.blocks, name="blocks"),
    path("availability/blocked/<int:block_id>/", availability_views.blocks, name="block-edit"),
    path(
        "availability/blocked/<int:block_id>/delete/",
        availability_views.delete_block,
        name="block-delete",
    ),
    path("bookings/", host_views.bookings, name="dashboard-bookings"),
    path("bookings/new/", host_views.booking_new, name="dashboard-booking-new"),
    path("bookings/export.csv", host_views.bookings_export, name="dashboard-bookings-export"),
    path("bookings/<uuid:uid>/", host_views.booking_detail, name="dashboard-booking"),
    path(
        "bookings/<uuid:uid>/reschedule/",
        host_views.booking_reschedule,
        name="dashboard-booking-reschedule",
    ),
    path("calendar/", host_views.calendar, name="dashboard-calendar"),
    path("analytics/", analytics_views.dashboard, name="analytics"),
    path("analytics/bookings/", analytics_views.figure_bookings, name="analytics-bookings"),
    path("analytics/daily.csv", analytics_views.daily_csv, name="analytics-daily-csv"),
    path("analytics/bookings.csv", analytics_views.bookings_csv, name="analytics-bookings-csv"),
    path("calendars/", calendar_views.calendars_page, name="calendars"),
    path("calendars/google/connect/", calendar_views.connect_google, name="calendars-google"),
    path(
        "calendars/microsoft/connect/",
        calendar_views.connect_microsoft,
        name="calendars-microsoft",
    ),
    path("calendars/ics/", calendar_views.add_subscription, name="calendars-ics-add"),
    path(
        "calendars/ics/<int:subscription_id>/remove/",
        calendar_views.remove_subscription,
        name="calendars-ics-remove",
    ),
    path(
        "calendars/<int:connection_id>/choose/",
        calendar_views.choose_calendars,
        name="calendars-choose",
    ),
    path("calendars/<int:connection_id>/sync/", calendar_views.sync_now, name="calendars-sync"),
    path(
        "calendars/<int:connection_id>/status/",
        calendar_views.sync_status,
        name="calendars-status",
    ),
    path(
        "calendars/<int:connection_id>/disconnect/",
        calendar_views.disconnect,
        name="calendars-disconnect",
    ),
]
