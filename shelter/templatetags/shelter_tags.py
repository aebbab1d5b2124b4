"""Small display helpers for shelter templates."""

from datetime import timedelta

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext, ngettext

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


@register.filter
def updated_ago(moment) -> str:
    """ "updated 12 minutes ago", from our own catalogs (Django's lack Kazakh for this)."""
    minutes = int((timezone.now() - moment).total_seconds() // 60)
    if minutes < 1:
        return gettext("updated just now")
    if minutes < 60:
        return ngettext("updated %(n)d minute ago", "updated %(n)d minutes ago", minutes) % {
            "n": minutes
        }
    hours = minutes // 60
    if hours < 48:
        return ngettext("updated %(n)d hour ago", "updated %(n)d hours ago", hours) % {"n": hours}
    days = hours // 24
    return ngettext("updated %(n)d day ago", "updated %(n)d days ago", days) % {"n": days}
