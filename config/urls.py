"""Top-level routes. The public booking pages come last: /<handle>/ matches almost anything."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/v1/", include("bookings.api_urls")),
    path("", include("bookings.urls")),
]

handler404 = "bookings.errors.not_found"
handler500 = "bookings.errors.server_error"
