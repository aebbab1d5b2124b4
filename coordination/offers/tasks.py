"""Periodic tasks of the offers: thin wrappers, safe to run twice."""

from celery import shared_task

from . import services


@shared_task(name="coordination.offers.open_due", acks_late=True, ignore_result=True)
def open_due() -> int:
    """Open approved places on their first day; standby after their last. Idempotent."""
    return services.offers_open_due()


@shared_task(name="coordination.offers.check_waiting", acks_late=True, ignore_result=True)
def check_waiting() -> bool:
    """Raise or clear the unchecked-offers alert. Idempotent (one open alert per key)."""
    return services.offers_alert_check()
