"""Counting views of public event pages on the server: no cookies, no per-visitor rows.

A view is one full render of an event page by something that looks like a person's browser:
GET, not an htmx partial (month and day navigation), not the host looking at their own page,
and a User-Agent that is present and does not name itself a bot, crawler, preview fetcher or
command-line client. Each counted view is one upsert of the day's counter row, so the cost
per view stays the same however many views there were.
"""

from __future__ import annotations

import re

from django.db import connection
from django.utils import timezone

from analytics.days import local_date
from analytics.models import PageViewCount

# Self-declared robots and tools. Browsers never send these words; link-preview fetchers of
# chat apps and social sites do.
BOT_PATTERN = re.compile(
    r"bot|crawl|spider|slurp|scrape|preview|fetch|monitor|checker|validator|headless|"
    r"facebookexternalhit|embedly|quora link|whatsapp|curl|wget|httpie|python|java/|"
    r"go-http-client|okhttp|axios|node-fetch|libwww|httpclient|lighthouse|pingdom|uptime",
    re.IGNORECASE,
)


def is_counted(request, event_type) -> bool:
    if request.method != "GET" or request.headers.get("HX-Request"):
        return False
    agent = request.headers.get("User-Agent", "")
    if not agent or not agent.startswith("Mozilla/") or BOT_PATTERN.search(agent):
        return False
    user = getattr(request, "user", None)
    return not (user is not None and user.is_authenticated and user.pk == event_type.host_id)


def count_view(request, event_type, now=None) -> bool:
    """Add one view to today's counter (host-local day) when the request is a person's."""
    if not is_counted(request, event_type):
        return False
    now = now or timezone.now()
    day = local_date(now, event_type.host.zone)
    table = connection.ops.quote_name(PageViewCount._meta.db_table)
    # One statement, and a row per event type and day however many views: INSERT ... ON
    # CONFLICT is understood by PostgreSQL and SQLite alike.
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (host_id, event_type_id, date, views) VALUES (%s, %s, %s, 1) "
            f"ON CONFLICT (event_type_id, date) DO UPDATE SET views = {table}.views + 1",
            [event_type.host_id, event_type.pk, day],
        )
    return True
