"""Celery tasks of the shelter app: thin wrappers that take ids and call a service."""

import logging

from celery import shared_task

from . import coalesce, services

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, ignore_result=True)
def refresh_shelter_status(shelter_id: int) -> str:
    """Open <-> full from the committed free places. Idempotent: safe to run twice or late."""
    coalesce.started(refresh_shelter_status.name, shelter_id)
    return services.shelter_refresh_status(shelter_id=shelter_id)


def refresh_shelter_status_soon(shelter_id: int) -> None:
    """Queue the status refresh (one waiting per shelter, shelter/coalesce.py); if the
    broker is down, do it here rather than lose it."""
    try:
        coalesce.enqueue(refresh_shelter_status, shelter_id)
    except Exception:  # kombu raises a variety of errors when Redis is unreachable
        logger.warning("broker unreachable; refreshing shelter %s status in-process", shelter_id)
        services.shelter_refresh_status(shelter_id=shelter_id)
