"""Health endpoints, mounted at the site root."""

from django.urls import path

from security import health

urlpatterns = [
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
]
