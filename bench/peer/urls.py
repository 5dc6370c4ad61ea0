"""The peer's own URLs, mounted as its README says."""

from django.urls import include, path

urlpatterns = [path("appointment/", include("appointment.urls"))]
