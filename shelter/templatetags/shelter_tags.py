"""Small display helpers for shelter templates."""

from datetime import timedelta

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
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


@register.simple_tag
def space_free(space) -> SafeString:
    """A space's free/places badge, and when and by whom it was last counted.

    What the partial shelter/partials/space_free.html wrote, in Python: My shelters shows it
    for every space of every shelter (200 rows for a volunteer of 20 shelters), and an
    included template costs about ten times as much a row.
    """
    badge = format_html(
        '<span class="badge {}">{}/{} {}</span>',
        "text-bg-success" if space.free > 0 else "text-bg-danger",
        space.free,
        space.places,
        gettext("free"),
    )
    stale = is_stale(space.counted_at)
    if space.counted_at:
        counted = updated_ago(space.counted_at)
        if space.counted_by:
            counted += " " + gettext("by %(who)s") % {"who": space.counted_by.get_username()}
        if stale:
            counted += " · " + gettext("possibly out of date")
    else:
        counted = gettext("never counted")
    return format_html(
        '{}\n<small class="{}">\n{}\n</small>\n',
        badge,
        "text-danger fw-semibold" if stale else "text-body-secondary",
        counted,
    )


@register.simple_tag
def shelter_options(shelters) -> SafeString:
    """`<option>`s of the shelters, for a page showing the same select many times (a claim
    form per meal offer): written once, not once per select."""
    return format_html_join(
        "", '<option value="{}">{}</option>', ((s.pk, s.name) for s in shelters)
    )
