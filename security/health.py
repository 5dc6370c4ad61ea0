"""/healthz and /readyz for load balancers and docker-compose.

/healthz answers as long as the process serves requests and touches nothing else. /readyz checks
what a request needs: the database answers, every migration is applied, and Redis (cache and
Celery broker) answers; it says which check failed with a 503. Neither shows versions or data.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.http import JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger(__name__)


@never_cache
@require_GET
def healthz(request):
    return JsonResponse({"status": "ok"})


_migrations_applied = False


def _check_database() -> str | None:
    global _migrations_applied
    connection = connections[DEFAULT_DB_ALIAS]
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    if not _migrations_applied:
        # Reading the migration graph costs tens of milliseconds; once everything this code
        # knows is applied it stays so until the next deploy restarts the process.
        executor = MigrationExecutor(connection)
        if executor.migration_plan(executor.loader.graph.leaf_nodes()):
            return "migrations not applied"
        _migrations_applied = True
    return None


def _check_redis() -> str | None:
    if not settings.REDIS_URL:
        return None  # development: cache in memory, broker in files
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
    try:
        client.ping()
    finally:
        client.close()
    return None


CHECKS = {"database": _check_database, "redis": _check_redis}


@never_cache
@require_GET
def readyz(request):
    results = {}
    for name, check in CHECKS.items():
        try:
            problem = check()
        except Exception as error:  # any failure means not ready; say which, not why in detail
            logger.warning("readiness check %s failed: %s", name, type(error).__name__)
            problem = "unavailable"
        results[name] = problem or "ok"
    ready = all(result == "ok" for result in results.values())
    return JsonResponse(
        {"status": "ok" if ready else "unavailable", "checks": results},
        status=200 if ready else 503,
    )
