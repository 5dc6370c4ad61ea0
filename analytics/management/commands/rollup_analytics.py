"""Rebuild the daily analytics rows from the booking history."""

from __future__ import annotations

import datetime as dt

from django.core.management.base import BaseCommand, CommandError

from analytics import rollup


class Command(BaseCommand):
    help = (
        "Recompute the daily figures of every host from the booking history, from --since "
        "(a date, read as each host's local date) or from each host's first event, to today. "
        "Safe to run at any time: a day recomputed gives the same row."
    )

    def add_arguments(self, parser):
        parser.add_argument("--since", help="First day to rebuild, YYYY-MM-DD.")

    def handle(self, *args, since: str | None, **options):
        first = None
        if since:
            try:
                first = dt.date.fromisoformat(since)
            except ValueError:
                raise CommandError("--since must be a date as YYYY-MM-DD.") from None
        hosts, rows = rollup.rebuild_all(first)
        self.stdout.write(f"Rebuilt {rows} daily row(s) for {hosts} host(s).")
