"""Abuse protection and production hardening, as one domain of its own.

Rate limits, the captcha, refusal counts, log filters, Sentry scrubbing, health checks and guest
data retention all cut across the other apps (bookings, accounts, notifications) without
belonging to any of them; keeping them here lets those apps stay about their own domain and
take protection through one-line decorators and small hooks.
"""

from __future__ import annotations

from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "security"
    verbose_name = "Security"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from django.contrib import admin

        from security.ratelimits import protect_admin_login

        # The admin's log-in is limited like the site's own, wherever ADMIN_URL mounts it.
        protect_admin_login(admin.site)
