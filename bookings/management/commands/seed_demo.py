"""Create (or bring back) the demo host and its event types. Safe to run again."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
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
        "Create the demo host (demo@example.com / demo) with weekday hours and its event types."
    )

    @transaction.atomic
    def handle(self, *args, **options):
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
