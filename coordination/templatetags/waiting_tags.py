"""Display helpers for the waiting list."""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def fit_options(shelters, fitting) -> SafeString:
    """The "who fits in" select's `<option>`s, one per shelter as (id, name, free places):
    every shelter of the city for a coordinator, 500 of them. Plain formatting, the name
    escaped once: as template tags, or with format_html, they took longer than the rest of
    the page."""
    chosen = fitting.pk if fitting is not None else None
    text = gettext("Fits in %(name)s (%(free)s free)")
    return mark_safe(  # noqa: S308  (the name escaped here; the words are our catalog's)
        "".join(
            f'<option value="{pk}"{" selected" if pk == chosen else ""}>'
            f"{text % {'name': escape(name), 'free': free}}</option>"
            for pk, name, free in shelters
        )
    )
