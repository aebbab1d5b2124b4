"""An open alert's list item, written in Python.

What the partial coordination/partials/alert_item.html wrote, the same HTML: the dashboard
shows every open alert (70 in the benchmark's city), and an included template with two
`{% url %}`s, a `{% csrf_token %}` and its translations took longer a row than the Python.
"""

from html import escape

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from shelter.links import pk_url

from ..alerts.models import AlertKind, AlertLevel
from .dashboard_tags import natural_time

register = template.Library()

LEVEL_BADGES = {"critical": "text-bg-danger", "warning": "text-bg-warning"}

ITEM = (
    '<li class="list-group-item d-flex flex-wrap justify-content-between align-items-center'
    ' gap-2 alert-item" data-alert="{}">\n'
    "  <div>\n"
    '    <span class="badge {}">{}</span>\n'
    "    {}\n"
    '    <div class="small text-body-secondary">\n'
    "      {}{}{}\n"
    "      · {}\n"
    "      {}\n"
    "    </div>\n"
    "  </div>\n"
    '  <form method="post" action="{}">{}\n'
    "    {}\n"
    '    <button class="btn btn-outline-primary btn-sm" type="submit">{}</button>\n'
    "  </form>\n"
    "</li>\n"
)


def _page(context) -> dict:
    """What every item of a page shares, worked out once a page (kept with the page's render,
    as `{% include %}` keeps its templates): reversed URLs, translated words and labels."""
    page = context.render_context.dicts[0].get("alert_item_page")
    if page is None:
        page = context.render_context.dicts[0]["alert_item_page"] = {
            "panel": pk_url("coordination:dashboard_shelter"),
            "acknowledge": pk_url("coordination:alert_acknowledge"),
            "still_so": "· <strong>{}</strong>".format(escape(gettext("still so"))),
            "cleared": gettext("cleared %(when)s"),
            "raised": gettext("raised %(when)s"),
            "button": escape(gettext("Acknowledge")),
            "levels": {value: escape(str(label)) for value, label in AlertLevel.choices},
            "kinds": {value: escape(str(label)) for value, label in AlertKind.choices},
            "natural": natural_time(),
        }
    return page


@register.simple_tag(takes_context=True)
def alert_item(context, alert, back_to="") -> SafeString:
    """The alert's item with its "acknowledge" form (coming back to `back_to`, if given).

    Plain string formatting with each value escaped once: the alerts page lists up to 200
    and format_html, escaping every part again, took as long as the rest of the item.
    """
    page = _page(context)
    shelter = alert.shelter
    csrf_token = context.get("csrf_token")
    if alert.cleared_at:
        cleared = escape("· " + page["cleared"] % {"when": page["natural"](alert.cleared_at)})
    else:
        cleared = page["still_so"]
    return mark_safe(  # noqa: S308  (every value escaped here, the rest is ours)
        ITEM.format(
            alert.pk,
            LEVEL_BADGES.get(alert.level, "text-bg-info"),
            page["levels"].get(alert.level) or escape(alert.level),
            escape(alert.text),
            page["kinds"].get(alert.kind) or escape(alert.kind),
            escape(f" · {alert.city}") if alert.city else "",
            ' · <a href="{}">{}</a>'.format(escape(page["panel"](shelter.pk)), escape(shelter.name))
            if shelter
            else "",
            escape(page["raised"] % {"when": page["natural"](alert.created_at)}),
            cleared,
            escape(page["acknowledge"](alert.pk)),
            f'<input type="hidden" name="csrfmiddlewaretoken" value="{escape(str(csrf_token))}">'
            if csrf_token and csrf_token != "NOTPROVIDED"  # noqa: S105  (what {% csrf_token %} skips)
            else "",
            f'<input type="hidden" name="next" value="{conditional_escape(back_to)}">'
            if back_to
            else "",
            page["button"],
        )
    )
