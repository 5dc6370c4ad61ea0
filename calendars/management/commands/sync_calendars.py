"""Sync connected calendars and ICS subscriptions now (incremental unless --full)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from calendars import services
from calendars.models import Connection, IcsSubscription


class Command(BaseCommand):
    help = (
        "Read busy time from every active calendar connection and ICS subscription (or one "
        "host's) into blocked time. Incremental unless --full, which re-reads everything."
    )

    def add_arguments(self, parser):
        parser.add_argument("--host", help="only this host's calendars (email address)")
        parser.add_argument("--full", action="store_true", help="full resync, not incremental")

    def handle(self, *args, host=None, full=False, **options):
        connections = Connection.objects.active().order_by("pk")
        subscriptions = IcsSubscription.objects.order_by("pk")
        if host:
            connections = connections.filter(host__email__iexact=host)
            subscriptions = subscriptions.filter(host__email__iexact=host)
            if not connections.exists() and not subscriptions.exists():
                raise CommandError(f"No calendars connected for {host}.")
        synced = failed = 0
        for connection_id in connections.values_list("pk", flat=True):
            result = services.sync_connection(connection_id, full=full)
            synced, failed = (synced + 1, failed) if result.ok else (synced, failed + 1)
            if not result.ok:
                self.stderr.write(f"connection {connection_id}: {result.message}")
        for subscription_id in subscriptions.values_list("pk", flat=True):
            result = services.sync_subscription(subscription_id)
            synced, failed = (synced + 1, failed) if result.ok else (synced, failed + 1)
            if not result.ok:
                self.stderr.write(f"subscription {subscription_id}: {result.message}")
        mode = "full" if full else "incremental"
        self.stdout.write(f"{synced} calendars synced ({mode}), {failed} failed.")
