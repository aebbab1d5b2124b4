"""The Celery app: configured from Django settings (CELERY_*), tasks found in every app."""

import os

from celery import Celery
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
