"""Celery tasks of the coordination app: thin wrappers around services, safe to run twice."""

from celery import shared_task
from django.conf import settings

from .households import services
from .offers import services as offer_services


@shared_task(acks_late=True, ignore_result=True)
def expire_holds() -> int:
    """Give back places of holds whose household did not arrive in time. Idempotent."""
    return services.holds_expire_due()


@shared_task(acks_late=True, ignore_result=True)
def purge_personal_data(older_than_days: int | None = None) -> int:
    """Blank the personal data of households with no activity for
    PURGE_PERSONAL_DATA_AFTER_DAYS (not while checked in), and of hosts whose offer or last
    stay ended that long ago. Idempotent: a second run finds nothing. Returns how many
    households and offers."""
    days = settings.PURGE_PERSONAL_DATA_AFTER_DAYS if older_than_days is None else older_than_days
    households = services.household_purge_personal_data(older_than_days=days)
    return households + offer_services.offers_purge_personal_data(older_than_days=days)
