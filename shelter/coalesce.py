"""Queue a shelter's (or a city's) after-commit work at most once per short interval.

Each change of occupancy asks for an alert evaluation of its shelter, and that one for an
evaluation of its city (coordination.alerts.tasks). At a hundred changes a second, one task
per change would bury the worker; the work is about the shelter as it is, so one run serves
every change made before it starts. A marker in the cache says "a run of this task for this
shelter is queued": the first change after a run started queues the next one, the others
add nothing. An idle worker runs each at once; a busy one finds at most one run per shelter
waiting, however many changes came meanwhile.

No countdown: a task held by the worker for later is an unacknowledged message, and kombu's
Redis transport crashes the worker ("Unrecoverable error") when it has to give such messages
back at the moment the broker connection drops.

Nothing is lost if the marker is: without a cache every change queues its own task (as
before), and a marker left behind by a task that never ran expires after PENDING_SECONDS.
"""

import hashlib
import logging

from celery import Task
from django.core.cache import cache

logger = logging.getLogger(__name__)

PENDING_SECONDS = 10  # the longest a lost task can hold back the next run


def _marker(task_name: str, key: int | str) -> str:
    if isinstance(key, str):  # a city's name: spaces, Cyrillic, any length; the key stays plain
        key = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"coalesce:{task_name}:{key}"


def enqueue(task: Task, key: int | str) -> None:
    """Queue `task(key)` unless a run of it is queued already. The key is a shelter's id, or
    a city's name (coordination's city rules are coalesced by city).

    Raises what the broker raises when it is unreachable: the caller then does the work
    itself, as it did before coalescing.
    """
    if task.app.conf.task_always_eager:
        task.delay(key)
        return
    marker = _marker(task.name, key)
    try:
        queued_already = not cache.add(marker, 1, timeout=PENDING_SECONDS)
    except Exception:  # no cache to agree through: queue it, as without coalescing
        logger.warning("cache unreachable: %s for %r not coalesced", task.name, key)
        queued_already, marker = False, None
    if queued_already:
        return
    try:
        task.delay(key)
    except Exception:
        if marker is not None:
            started(task.name, key)  # nothing is queued: let the next change queue it
        raise


def started(task_name: str, key: int | str) -> None:
    """Called by the task before it reads anything: a change committed from now on queues
    another run, and every change committed before is seen by this one."""
    try:
        cache.delete(_marker(task_name, key))
    except Exception:  # the marker expires by itself
        logger.warning("cache unreachable: coalescing marker of %r kept", key)
