"""Celery tasks of the shelter app: thin wrappers that take ids and call a service."""

from celery import shared_task

from . import coalesce, services


@shared_task(acks_late=True, ignore_result=True)
def refresh_shelter_status(shelter_id: int) -> str:
    """Open <-> full from the committed free places. Idempotent: safe to run twice or late.

    Every change sets the status in its own transaction now (services.locks.announce); the
    task stays for messages queued by a version that asked it after each change.
    """
    coalesce.started(refresh_shelter_status.name, shelter_id)
    return services.shelter_refresh_status(shelter_id=shelter_id)
