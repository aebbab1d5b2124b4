"""The Celery app: configured from Django settings (CELERY_*), tasks found in every app."""

import functools
import logging
import os

from celery import Celery
from celery.signals import task_prerun, worker_process_init
from celery.worker.consumer import Consumer
from kombu.transport import redis as kombu_redis
from redis import ConnectionError as RedisConnectionError
from redis import RedisError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")
logger = logging.getLogger(__name__)

# kombu waits 2, 4, 6 ... up to 30 s between reconnection attempts, so a worker could stay
# idle for half a minute after Redis came back. Alerts should resume within seconds.
RECONNECT_INTERVALS = {"interval_start": 0.5, "interval_step": 0.5, "interval_max": 2}


class QuickReconnectConsumer(Consumer):
    """The worker's consumer, retrying the broker every 0.5 to 2 s instead of up to 30 s."""

    def ensure_connected(self, conn):
        ensure_connection = conn.ensure_connection

        def ensure_connection_quickly(*args, **kwargs):
            return ensure_connection(*args, **(RECONNECT_INTERVALS | kwargs))

        conn.ensure_connection = ensure_connection_quickly
        return super().ensure_connected(conn)


# kombu's Redis transport, when Redis goes away with tasks in flight, asks a closed
# connection for its parameters: AttributeError ("'NoneType' object has no attribute
# 'hostname'" or "'client'") while acknowledging a finished task or giving back held messages
# as the channel closes. The worker treats that as fatal ("Unrecoverable error") and exits
# in the middle of the outage (seen here in tests/coordination/test_redis_outage.py). As a
# connection error it is what it is: the ack is logged and retried by the broker (the task
# runs again, and every task is safe to run twice), held messages stay in Redis (given back
# after the visibility timeout, or lost with a Redis that restarted, whose work waits in the
# database: the occupancy outbox, pending deliveries).


def _connparams_of_open_connection(connparams):
    @functools.wraps(connparams)
    def checked(self, *args, **kwargs):
        if self.connection is None or self.connection.client is None:
            raise RedisConnectionError("the broker connection is closed")
        return connparams(self, *args, **kwargs)

    return checked


def _restore_unacked_unless_broker_gone(restore_unacked):
    @functools.wraps(restore_unacked)
    def restore(self, client=None):
        try:
            return restore_unacked(self, client)
        except RedisError as error:
            held = len(self._delivered)
            logger.warning("broker gone: %d held messages left to Redis (%s)", held, error)
            self._delivered.clear()
            return None

    return restore


kombu_redis.Channel._connparams = _connparams_of_open_connection(kombu_redis.Channel._connparams)
kombu_redis.QoS.restore_unacked = _restore_unacked_unless_broker_gone(
    kombu_redis.QoS.restore_unacked
)

app = Celery("coordination")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@worker_process_init.connect
def bound_each_statement(**kwargs) -> None:
    """In the worker's pool processes, a query may run TASK_STATEMENT_TIMEOUT_SECONDS at most.

    This, with the webhook and mail timeouts, bounds every task: the pool has no time limits
    of its own (see settings).
    """
    from django.conf import settings
    from django.db.backends.signals import connection_created

    def set_timeout(sender, connection, **kwargs):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SET statement_timeout = %s", [settings.TASK_STATEMENT_TIMEOUT_SECONDS * 1000]
                )

    connection_created.connect(set_timeout, weak=False, dispatch_uid="task_statement_timeout")


@task_prerun.connect
def close_old_connections_before_task(sender=None, **kwargs) -> None:
    """What Django does before each request: a connection past CONN_MAX_AGE, or one an error
    left unusable, is closed, and a kept one is checked before its first query
    (CONN_HEALTH_CHECKS). Not for a task run in-process, inside the caller's transaction."""
    if getattr(sender.request, "is_eager", False):
        return
    from django.db import close_old_connections

    close_old_connections()
