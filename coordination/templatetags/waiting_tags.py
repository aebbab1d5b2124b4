"""Display helpers for the waiting list."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.translation import gettext

register = template.Library()


@register.simple_tag
def fit_options(shelters, fitting) -> SafeString:
    """The "who fits in" select's `<option>`s, one per shelter (every shelter of the city for a
    coordinator: 500 of them), in Python: as template tags they took longer than the rest of
    the page."""
    chosen = fitting.pk if fitting is not None else None
    text = gettext("Fits in %(name)s (%(free)s free)")
    return format_html_join(
        "",
        "{}",
        (
            (
                format_html(
                    '<option value="{}"{}>{}</option>',
                    shelter.pk,
                    " selected" if shelter.pk == chosen else "",
                    text % {"name": shelter.name, "free": shelter.total_free},
                ),
            )
            for shelter in shelters
        ),
    )
