"""The worker keeps its database connections between tasks, and replaces one that died.

Celery's Django fix-up would open a new connection for every task; the worker reuses them as
web requests do (CONN_MAX_AGE, checked before reuse: coordination/celery.py).
"""

from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connection

from coordination.alerts.tasks import evaluate_cities
from tests.coordination.alert_helpers import wait_until
from tests.factories import SpaceFactory
from tests.redis_server import RedisServer
from tests.worker_process import app_on_redis, stop, worker_process

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

OUTPUT = Path(django_settings.BASE_DIR) / "test-output"


def _worker_backends() -> set[int]:
    """The server processes of every other connection to the test database: the worker's."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid() "
            "AND backend_type = 'client backend'"
        )
        return {pid for (pid,) in cursor.fetchall()}


def _runs(log: Path) -> int:
    """evaluate_cities runs the worker has finished, by its log."""
    return sum(
        "evaluate_cities[" in line and " succeeded in " in line
        for line in log.read_text().splitlines()
    )


def test_the_worker_reuses_its_connections_and_replaces_dead_ones(settings):
    SpaceFactory(places=10)
    OUTPUT.mkdir(exist_ok=True)
    log = OUTPUT / "connections-worker.log"
    with RedisServer() as redis, app_on_redis(redis.url, settings):
        worker = worker_process(redis.url, log)  # two pool processes
        try:
            assert wait_until(lambda: _runs(log) == 1, timeout=30)  # its catch-up on start

            def run_once() -> None:
                before = _runs(log)
                evaluate_cities.delay()
                assert wait_until(lambda: _runs(log) > before, timeout=30)

            for _ in range(2):
                run_once()
            kept = _worker_backends()
            assert 1 <= len(kept) <= 2  # one per pool process at most
            for _ in range(4):
                run_once()
            assert _worker_backends() == kept  # four more tasks, no new connection

            with connection.cursor() as cursor:  # as a database restart would drop them
                cursor.execute(
                    "SELECT pg_terminate_backend(pid) FROM unnest(%s) AS pid", [list(kept)]
                )
            assert wait_until(lambda: not _worker_backends() & kept, timeout=10)
            for _ in range(2):
                run_once()  # each pool process finds its connection dead and opens another
            assert "raised unexpected" not in log.read_text()
            assert _worker_backends() and not _worker_backends() & kept
        finally:
            stop(worker)
