"""Delete sign-ups whose email was never confirmed."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone


class Command(BaseCommand):
    help = "Delete accounts that never confirmed their email within --days (default 7)."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=7, help="Age after which to delete.")
        parser.add_argument("--dry-run", action="store_true", help="Only count them.")

    def handle(self, *args, days: int, dry_run: bool, **options):
        if days < 1:
            # 0 or a negative age would reach sign-ups made a moment ago (or in the future).
            raise CommandError(f"--days must be at least 1, got {days}.")
        cutoff = timezone.now() - dt.timedelta(days=days)
        stale = get_user_model().objects.filter(
            is_active=False, last_login__isnull=True, date_joined__lt=cutoff, handle__isnull=True
        )
        count = stale.count()
        if dry_run:
            self.stdout.write(
                f"{count} unconfirmed account(s) older than {days} days; none deleted (dry run)."
            )
            return
        stale.delete()
        self.stdout.write(f"Deleted {count} unconfirmed account(s) older than {days} days.")
