"""Small display helpers for shelter templates."""

from datetime import timedelta

from django import template
from django.conf import settings
from django.utils import timezone

register = template.Library()


@register.filter
def is_stale(moment) -> bool:
    """True when figures counted at `moment` are older than SHELTER_STALE_AFTER_HOURS."""
    if moment is None:
        return True
    return timezone.now() - moment > timedelta(hours=settings.SHELTER_STALE_AFTER_HOURS)


@register.filter
def percent_of(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0
