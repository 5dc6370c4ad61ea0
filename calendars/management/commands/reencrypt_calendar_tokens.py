"""Re-encrypt stored calendar tokens and ICS URLs with the newest CALENDAR_TOKEN_KEYS key."""

from __future__ import annotations

from cryptography.fernet import InvalidToken
from django.core.management.base import BaseCommand
from django.db import transaction

from calendars import crypto
from calendars.models import Connection, IcsSubscription


class Command(BaseCommand):
    help = (
        "After putting a new key first in CALENDAR_TOKEN_KEYS, seal every stored token and ICS "
        "URL with it; the old key can then be removed."
    )

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="count, change nothing")

    def handle(self, *args, dry_run=False, **options):
        count = unreadable = 0
        with transaction.atomic():
            for connection in Connection.objects.select_for_update().order_by("pk"):
                try:
                    connection.access_token_sealed = crypto.rotate(connection.access_token_sealed)
                    connection.refresh_token_sealed = crypto.rotate(connection.refresh_token_sealed)
                except InvalidToken:  # sealed with a key no longer listed: reconnect needed
                    unreadable += 1
                    continue
                if not dry_run:
                    connection.save(update_fields=["access_token_sealed", "refresh_token_sealed"])
                count += 1
            for subscription in IcsSubscription.objects.select_for_update().order_by("pk"):
                try:
                    subscription.url_sealed = crypto.rotate(subscription.url_sealed)
                except InvalidToken:
                    unreadable += 1
                    continue
                if not dry_run:
                    subscription.save(update_fields=["url_sealed"])
                count += 1
        verb = "would be re-encrypted" if dry_run else "re-encrypted"
        self.stdout.write(
            f"{count} calendar records {verb} with the newest key, {unreadable} unreadable."
        )
