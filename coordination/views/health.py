"""Probes for load balancers: liveness and readiness. Nothing personal in them."""

from datetime import timedelta

import redis
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connections
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Min
from django.http import JsonResponse
from django.utils import timezone

from shelter.models import OccupancyOutbox

# Changes wait in the outbox for the worker; older than this, the worker is missing or behind.
OUTBOX_LAG_LIMIT = timedelta(minutes=2)
FINE = ("ok", "not used")


def healthz(request):
    """The process answers."""
    return JsonResponse({"status": "ok"})


def readyz(request):
    """Can this instance serve? 200 "ok" or "degraded" (with what is missing), 503 if not.

    Without the database nothing works: 503. Without Redis or the worker the app still
    serves and saves (pages from the database, alerts wait in the outbox): 200 "degraded",
    so a load balancer keeps the instance, and the body says what is missing.
    """
    checks = {"database": _database(), "migrations": _migrations()}
    if any(state not in FINE for state in checks.values()):
        return JsonResponse({"status": "unavailable", **checks}, status=503)
    checks |= {"redis": _redis(), "alert_evaluation": _outbox()}
    degraded = [name for name, state in checks.items() if state not in FINE]
    return JsonResponse({"status": "degraded" if degraded else "ok", "missing": degraded, **checks})


def _outbox() -> str:
    """Are the workers keeping up with the recorded changes?"""
    try:
        oldest = OccupancyOutbox.objects.aggregate(oldest=Min("created_at"))["oldest"]
    except DatabaseError:
        return "unknown"
    if oldest is None or timezone.now() - oldest < OUTBOX_LAG_LIMIT:
        return "ok"
    minutes = int((timezone.now() - oldest).total_seconds() // 60)
    return f"behind: a change waits for {minutes} minutes (is a worker running?)"


def _database() -> str:
    try:
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute("SELECT 1")
    except Exception:
        return "unreachable"
    return "ok"


def _migrations() -> str:
    try:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    except Exception:
        return "unknown"
    return "pending" if pending else "ok"


def _redis() -> str:
    if not settings.REDIS_URL:
        return "not used"
    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2).ping()
    except redis.RedisError:
        return "unreachable"
    return "ok"
