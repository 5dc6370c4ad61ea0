"""Ops: bring every booking awaiting payment (whatever its age) in line with Stripe."""

from __future__ import annotations

from django.core.management.base import BaseCommand

from payments import services


class Command(BaseCommand):
    help = (
        "Read Stripe for every booking awaiting payment, capture due holds, carry out owed "
        "refunds and retry webhook events that failed; prints a one-line summary."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--expire", action="store_true", help="Also end holds whose time has run out."
        )

    def handle(self, *args, **options):
        summary = services.reconcile_payments(older_than=None)
        expired = services.expire_due_holds() if options["expire"] else 0
        self.stdout.write(
            f"Synced {summary['synced']} awaiting payment, captured {summary['captured']}, "
            f"refunds {summary['refunds']}, events {summary['events']}, "
            f"errors {summary['errors']}, expired {expired}."
        )
