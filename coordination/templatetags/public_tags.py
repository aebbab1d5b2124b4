from django import template

register = template.Library()


@register.filter
def public_stale(shelter, now) -> bool:
    """Figures older than SHELTER_STALE_AFTER_HOURS (or never counted)."""
    return shelter.is_stale(now)
