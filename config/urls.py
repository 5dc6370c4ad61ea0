"""Top-level routes. The public booking pages come last: /<handle>/ matches almost anything."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from bookings import host_views
from notifications import views as notification_views

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("bookings.api_urls")),
    path("accounts/login/", auth_views.LoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("dashboard/bookings/<uuid:uid>/", host_views.booking_detail, name="dashboard-booking"),
    path("feeds/<str:token>.ics", notification_views.calendar_feed, name="calendar-feed"),
    path("", include("bookings.urls")),
]

handler404 = "bookings.errors.not_found"
handler500 = "bookings.errors.server_error"
