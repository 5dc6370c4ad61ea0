"""Create (or bring back) the demo host and its event types. Safe to run again.

The demo login is public (demo@example.com / demo), so production refuses it unless --force;
in development the demo user is also a superuser, so the README's admin login works.
"""

import datetime as dt

from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from availability.models import WeeklyRule
from bookings.models import EventType

DEMO_EMAIL = "demo@example.com"
DEMO_EVENT_TYPES = {
    "intro": {
        "title": "Intro call",
        "description": "A quick first conversation to see how we can help.",
        "duration_minutes": 30,
        "slot_interval_minutes": 30,
        "minimum_notice_minutes": 120,
        "booking_window_days": 365,
        "location": "Video call (link sent by email)",
    },
    "consult": {
        "title": "Consultation",
        "description": "An hour on your project. Requests are confirmed by the host.",
        "duration_minutes": 60,
        "slot_interval_minutes": 60,
        "buffer_after_minutes": 15,
        "requires_confirmation": True,
        "booking_window_days": 365,
        "location": "Video call (link sent by email)",
    },
    "workshop": {
        "title": "Group workshop",
        "description": "A hands-on hour for up to three people.",
        "duration_minutes": 60,
        "slot_interval_minutes": 60,
        "seats": 3,
        "booking_window_days": 365,
        "location": "Video call (link sent by email)",
    },
    # Offered once the demo host connects Stripe (Dashboard → Payments).
    "deposit": {
        "title": "Session with deposit",
        "description": "An hour's session; a $50.00 deposit holds your time.",
        "duration_minutes": 60,
        "slot_interval_minutes": 60,
        "booking_window_days": 365,
        "location": "Video call (link sent by email)",
        "payment_mode": "deposit",
        "price_amount": 5000,
        "price_currency": "USD",
    },
}


class Command(BaseCommand):
    help = (
        "Create the demo host (demo@example.com / demo) with weekday hours and its event types;"
        " in development it is also a superuser (admin login). Refused in production unless"
        " --force (and then never a superuser)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even in production (a known login: remove it after the demo).",
        )

    @transaction.atomic
    def handle(self, *args, force: bool = False, **options):
        if django_settings.PRODUCTION and not force:
            raise CommandError(
                "seed_demo creates a known login (demo@example.com / demo); refused in "
                "production. Use --force for a throwaway demo deployment."
            )
        User = get_user_model()
        host, created = User.objects.get_or_create(
            email=DEMO_EMAIL,
            defaults={
                "handle": "demo",
                "display_name": "Demo Host",
                "timezone": "America/New_York",
            },
        )
        if created:
            host.set_password("demo")
            host.save(update_fields=["password"])
        if not django_settings.PRODUCTION and not host.is_superuser:
            host.is_staff = host.is_superuser = True
            host.save(update_fields=["is_staff", "is_superuser"])
        if not host.weekly_rules.exists():
            WeeklyRule.objects.bulk_create(
                WeeklyRule(host=host, weekday=weekday, start_time=dt.time(9), end_time=dt.time(17))
                for weekday in range(5)
            )
        for slug, settings in DEMO_EVENT_TYPES.items():
            EventType.objects.get_or_create(host=host, slug=slug, defaults=settings)
        verb = "Created" if created else "Kept"
        self.stdout.write(
            f"{verb} demo host {DEMO_EMAIL} at /demo/ with {len(DEMO_EVENT_TYPES)} event types."
        )
