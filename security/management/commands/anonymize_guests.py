"""manage.py anonymize_guests --older-than DAYS [--dry-run]"""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from security.retention import anonymize_guests, bookings_to_anonymize


class Command(BaseCommand):
    help = (
        "Replace guest names, emails and notes of bookings that ended more than DAYS days ago "
        "(times, status and event type are kept for analytics)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--older-than", type=int, required=True, metavar="DAYS")
        parser.add_argument("--dry-run", action="store_true", help="only count them")

    def handle(self, *args, older_than: int, dry_run: bool, **options):
        if older_than < 1:
            raise CommandError("--older-than must be at least 1 day")
        if dry_run:
            count = bookings_to_anonymize(older_than).count()
            self.stdout.write(f"{count} bookings would be anonymized (dry run)")
            return
        count = anonymize_guests(older_than)
        self.stdout.write(f"{count} bookings anonymized")
