"""An open alert's list item, written in Python.

What the partial coordination/partials/alert_item.html wrote, the same HTML: the dashboard
shows every open alert (70 in the benchmark's city), and an included template with two
`{% url %}`s, a `{% csrf_token %}` and its translations took longer a row than the Python.
"""

from django import template
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext

from .dashboard_tags import pk_url

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


@register.simple_tag(takes_context=True)
def alert_item(context, alert, back_to="") -> SafeString:
    """The alert's item with its "acknowledge" form (coming back to `back_to`, if given)."""
    shelter = alert.shelter
    # Reversed once a page: the dashboard lists every open alert (see pk_url).
    urls = context.render_context.dicts[0].setdefault("alert_item_urls", {})
    if not urls:
        urls["panel"] = pk_url("coordination:dashboard_shelter")
        urls["acknowledge"] = pk_url("coordination:alert_acknowledge")
    csrf_token = context.get("csrf_token")
    if alert.cleared_at:
        cleared = "· " + gettext("cleared %(when)s") % {"when": naturaltime(alert.cleared_at)}
    else:
        cleared = format_html("· <strong>{}</strong>", gettext("still so"))
    return format_html(
        ITEM,
        alert.pk,
        LEVEL_BADGES.get(alert.level, "text-bg-info"),
        alert.level_label,
        alert.text,
        alert.kind_label,
        f" · {alert.city}" if alert.city else "",
        format_html(
            ' · <a href="{}">{}</a>',
            urls["panel"](shelter.pk),
            shelter.name,
        )
        if shelter
        else "",
        gettext("raised %(when)s") % {"when": naturaltime(alert.created_at)},
        cleared,
        urls["acknowledge"](alert.pk),
        format_html('<input type="hidden" name="csrfmiddlewaretoken" value="{}">', csrf_token)
        if csrf_token and csrf_token != "NOTPROVIDED"  # noqa: S105  (what {% csrf_token %} skips)
        else "",
        format_html('<input type="hidden" name="next" value="{}">', back_to) if back_to else "",
        gettext("Acknowledge"),
    )
