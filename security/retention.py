"""Guest data retention: forget who booked, keep what happened.

Bookings that ended more than N days ago lose the guest's name, notes and any cancellation
reason; the email address becomes a keyed pseudonym (the same address gives the same
pseudonym, so analytics can still count repeat guests without knowing who they are). Times,
status, event type, host and timezone stay for the figures. The guest's copies in the email
outbox get the same pseudonym and lose the reason they quoted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from bookings.models import Booking
from notifications.models import EmailDelivery, Recipient

ANONYMOUS_NAME = "Former guest"
PSEUDONYM_DOMAIN = "anonymized.invalid"
BATCH_SIZE = 500


def pseudonym(email: str) -> str:
    digest = hmac.new(
        settings.SECRET_KEY.encode(), email.strip().lower().encode(), hashlib.sha256
    ).hexdigest()
    return f"guest-{digest[:20]}@{PSEUDONYM_DOMAIN}"


def bookings_to_anonymize(older_than_days: int, now: dt.datetime | None = None):
    cutoff = (now or timezone.now()) - dt.timedelta(days=older_than_days)
    return Booking.objects.filter(end__lt=cutoff).exclude(
        guest_email__endswith=f"@{PSEUDONYM_DOMAIN}"
    )


def anonymize_guests(older_than_days: int, now: dt.datetime | None = None) -> int:
    """Anonymize every booking that ended before now - older_than_days; how many were."""
    done = 0
    while True:
        with transaction.atomic():
            batch = list(
                bookings_to_anonymize(older_than_days, now)
                .select_for_update(skip_locked=True)
                .only("id", "guest_email")[:BATCH_SIZE]
            )
            if not batch:
                return done
            for booking in batch:
                alias = pseudonym(booking.guest_email)
                Booking.objects.filter(pk=booking.pk).update(
                    guest_name=ANONYMOUS_NAME, guest_email=alias, notes="", cancel_reason=""
                )
                for delivery in EmailDelivery.objects.filter(
                    booking_id=booking.pk, recipient_role=Recipient.GUEST
                ):
                    delivery.recipient = alias
                    delivery.snapshot = {
                        key: value for key, value in delivery.snapshot.items() if key != "reason"
                    }
                    delivery.save(update_fields=["recipient", "snapshot"])
            done += len(batch)
