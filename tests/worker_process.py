"""A Celery worker as a separate process (prefork, as in production) on the test database."""

import os
import signal
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

from django.conf import settings as django_settings

from coordination.celery import app as celery_app


@contextmanager
def app_on_redis(url: str, settings):
    """This process's cache and broker use the given Redis (the test's own) until the end."""
    settings.REDIS_URL = url  # pytest-django's `settings` puts these back
    settings.CACHES = {
        **settings.CACHES,
        "default": {**settings.CACHES["default"], "LOCATION": url},
    }
    conf = celery_app.conf
    names = ("broker_url", "broker_write_url", "broker_read_url")
    previous = {name: conf[name] for name in names}
    conf.update(dict.fromkeys(names, url))
    _reset_producer_pools()
    conf.task_always_eager = False
    try:
        yield
    finally:
        conf.update(previous)
        _reset_producer_pools()
        conf.task_always_eager = True


def _reset_producer_pools() -> None:
    # Producer pools are made for the URL of their time; the next publish builds new ones.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


def worker_process(url: str, log: Path, **env: str) -> subprocess.Popen:
    database = django_settings.DATABASES["default"]
    env = {
        **os.environ,
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST']}:{database['PORT']}/"
            f"{database['NAME']}"
        ),
        "REDIS_URL": url,
        "ALERTS_RETRY_BASE_SECONDS": "0.2",
        **env,
    }
    command = [sys.executable, "-m", "celery", "-A", "coordination", "worker"]
    command += ["--pool", "prefork", "--concurrency", "2", "--loglevel", "INFO"]
    command += ["--without-mingle", "--without-gossip", "--hostname", "outage@%h"]
    # Its own process group: a test can kill the worker and its pool at once, as the OOM
    # killer or a lost machine would.
    return subprocess.Popen(
        command,
        start_new_session=True,
        env=env,
        cwd=django_settings.BASE_DIR,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )


def kill(worker: subprocess.Popen) -> None:
    """SIGKILL the worker and its pool processes: no goodbye, no acknowledgement."""
    os.killpg(worker.pid, signal.SIGKILL)
    worker.wait(timeout=10)


def stop(worker: subprocess.Popen) -> None:
    """A warm shutdown; killed if it does not end in 30 s (kombu's Redis transport can hang
    there giving back a prefetched message, as a service manager would kill it)."""
    if worker.poll() is None:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            kill(worker)
