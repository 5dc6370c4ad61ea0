"""Routes outside the dashboard: OAuth callbacks (BASE_URL + /calendars/<provider>/callback/)
and push notification endpoints."""

from django.urls import path

from calendars import views

urlpatterns = [
    path("google/callback/", views.google_callback, name="calendars-google-callback"),
    path("microsoft/callback/", views.microsoft_callback, name="calendars-microsoft-callback"),
    path("google/notify/", views.google_notify, name="calendars-google-notify"),
    path("microsoft/notify/", views.microsoft_notify, name="calendars-microsoft-notify"),
]
