"""The Celery app: configured from Django settings (CELERY_*), tasks found in every app."""

import os

from celery import Celery
from celery.signals import worker_process_init
from celery.worker.consumer import Consumer

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "coordination.settings")

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
