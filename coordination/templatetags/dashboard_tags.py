"""The dashboard's long tables, written in Python.

What templates/coordination/dashboard/partials/shelters_table.html and waiting_summary.html
wrote row by row, the same HTML: a page of 50 shelters and some 80 groups of waiting
households took template tags (a lookup, a `{% url %}`, a translation and a localisation per
cell) longer than reading the whole city. Each link is reversed once and its number filled in.
"""

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.urls import reverse
from django.utils.formats import localize
from django.utils.html import escape, format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.timezone import template_localtime
from django.utils.translation import (
    gettext,
    gettext_noop,  # marked here, translated per page
    ngettext,
)

from shelter.models import ShelterKind, ShelterStatus

register = template.Library()

ROW_CLASSES = {0: "row-full", 1: "row-nearly", 2: "row-stale"}  # Urgency.FULL, NEARLY_FULL, STALE
_PK = 2_147_483_647  # reversed in place of each pk: a number no path holds otherwise


def pk_url(viewname: str):
    """A function of a pk giving the view's URL, as `{% url viewname pk %}` would (the URL
    reversed once, for a whole table)."""
    head, tail = reverse(viewname, args=[_PK]).split(str(_PK))
    return lambda pk: f"{head}{pk}{tail}"


def _panel_url():
    return pk_url("coordination:dashboard_shelter")


def number_format():
    """`localize` for the whole numbers of a table: without thousands grouped (the setting's
    default) a number is written as it is, and the format lookups localize makes for each
    number are not needed."""
    return localize if settings.USE_THOUSAND_SEPARATOR else str


def _labels(choices) -> dict[str, str]:
    """Each choice's label in the page's language, escaped: translated once a table."""
    return {value: escape(label) for value, label in choices}


@register.simple_tag
def dashboard_shelter_rows(shelters) -> SafeString:
    """The shelters table's rows (shelters with the figures of dashboard.selectors)."""
    panel_url = _panel_url()
    labels = {
        name: escape(gettext(text))
        for name, text in (
            ("status", gettext_noop("Status")),
            ("places", gettext_noop("Places")),
            ("occupied", gettext_noop("Occupied")),
            ("free", gettext_noop("Free")),
            ("used", gettext_noop("Used")),
            ("last_update", gettext_noop("Last update")),
            ("alerts", gettext_noop("Alerts")),
        )
    }
    by_decision = format_html(" <small>{}</small>", gettext("by decision"))
    never_counted = escape(gettext("never counted"))
    possibly_stale = format_html(
        '<br><span class="stale">{}</span>', gettext("possibly out of date")
    )
    manage = escape(gettext("Manage"))
    kinds = _labels(ShelterKind.choices)
    statuses = _labels(ShelterStatus.choices)
    number = number_format()
    return format_html_join(
        "",
        '\n    <tr class="{}" data-shelter="{}">\n'
        '      <td class="table-stack-title"><a href="{}" class="fw-semibold">{}</a><br>'
        '<small class="text-body-secondary">{} · {}{}</small></td>\n'
        '      <td data-label="{}"><span class="badge status-{}">{}</span>{}</td>\n'
        '      <td class="text-end" data-label="{}">{}</td>\n'
        '      <td class="text-end" data-label="{}">{}</td>\n'
        '      <td class="text-end fw-semibold" data-label="{}">{}</td>\n'
        '      <td class="text-nowrap" data-label="{}"><meter class="util" min="0" max="100" '
        'low="70" high="90" optimum="0" value="{}">{}%</meter> {}%</td>\n'
        '      <td class="small" data-label="{}">{}{}</td>\n'
        '      <td class="text-end" data-label="{}">{}</td>\n'
        '      <td class="table-stack-actions"><a class="btn btn-outline-secondary btn-sm" '
        'href="{}">{}</a></td>\n'
        "    </tr>\n  ",
        (
            (
                ROW_CLASSES.get(s.urgency, ""),
                s.pk,
                panel_url(s.pk),
                s.name,
                kinds.get(s.kind, s.kind),
                s.city,
                f", {s.district}" if s.district else "",
                labels["status"],
                s.status,
                statuses.get(s.status, s.status),
                by_decision if s.marked_full else "",
                labels["places"],
                number(s.total_places),
                labels["occupied"],
                number(s.total_occupied),
                labels["free"],
                number(s.free_now),
                labels["used"],
                number(s.used_percent),
                number(s.used_percent),
                number(s.used_percent),
                labels["last_update"],
                _last_update(s, never_counted),
                possibly_stale if s.is_stale else "",
                labels["alerts"],
                number(s.open_alerts),
                panel_url(s.pk),
                manage,
            )
            for s in shelters
        ),
    )


def _last_update(shelter, never_counted: str) -> SafeString:
    if not shelter.last_counted_at:
        return never_counted
    return format_html(
        '<time datetime="{}">{}</time>{}',
        template_localtime(shelter.last_counted_at).isoformat(),  # the date filter's "c"
        naturaltime(shelter.last_counted_at),
        f" · {shelter.last_counted_by}" if shelter.last_counted_by else "",
    )


NEEDS = (  # (attribute, badge text), in the order the badges are shown
    ("is_family", gettext_noop("family")),
    ("women_children_only", gettext_noop("women and children only")),
    ("has_pets", gettext_noop("pets")),
    ("needs_wheelchair", gettext_noop("wheelchair")),
    ("needs_medical", gettext_noop("medical")),
)


@register.simple_tag
def dashboard_waiting_rows(groups) -> SafeString:
    """The rows of "who is waiting, and where they could go" (dashboard.selectors groups)."""
    panel_url = _panel_url()
    labels = [
        escape(gettext(text))
        for text in (
            gettext_noop("Size"),
            gettext_noop("Needs"),
            gettext_noop("Households"),
            gettext_noop("Waiting since"),
            gettext_noop("Could go to"),
        )
    ]
    badges = {
        attribute: format_html('<span class="badge text-bg-light border">{}</span>', gettext(text))
        for attribute, text in NEEDS
    }
    no_needs = format_html('<span class="text-body-secondary small">{}</span>', gettext("none"))
    texts = {
        "stale": escape(gettext("possibly out of date: call first")),
        "never": escape(gettext("not counted yet: call first")),
        "no_fit": format_html('<span class="stale">{}</span>', gettext("no shelter fits")),
    }
    return format_html_join(
        "",
        "\n    <tr>\n"
        '      <td data-label="{}">{}</td>\n'
        '      <td data-label="{}">{}</td>\n'
        '      <td class="text-end" data-label="{}">{}</td>\n'
        '      <td class="small" data-label="{}">{}</td>\n'
        '      <td class="small" data-label="{}">{}{}</td>\n'
        "    </tr>\n  ",
        (
            (
                labels[0],
                g.size_label,
                labels[1],
                _needs(g, badges, no_needs),
                labels[2],
                localize(g.households),
                labels[3],
                naturaltime(g.oldest),
                labels[4],
                _could_go_to(g, panel_url, texts),
                _more(g.more_shelters),
            )
            for g in groups
        ),
    )


def _needs(group, badges: dict, no_needs: str) -> SafeString:
    """Each need's badge; the last one has no space after it (as the template wrote it)."""
    shown = [attribute for attribute, _text in NEEDS if getattr(group, attribute)]
    if not shown:
        return no_needs
    return mark_safe(  # noqa: S308  (badges built by format_html)
        "".join(
            badges[attribute] + ("" if attribute == "needs_medical" else " ") for attribute in shown
        )
    )


def _could_go_to(group, panel_url, texts: dict) -> SafeString:
    if not group.shelters:
        return texts["no_fit"]
    parts = []
    for s in group.shelters:
        # A no-break space: the free places never go to the next line without their shelter
        # (a phone's narrow column broke them apart).
        part = format_html(
            '<a href="{}">{}</a>\u00a0({})', panel_url(s.pk), s.name, localize(s.largest_free)
        )
        if s.is_stale:
            part += format_html(
                ' <span class="stale">{}</span>',
                texts["stale"] if s.last_counted_at else texts["never"],
            )
            if s.phone:
                part += format_html(' <a href="tel:{}">{}</a>', s.phone.replace(" ", ""), s.phone)
        parts.append(part)
    return mark_safe(", ".join(parts))  # noqa: S308  (each part built by format_html)


def _more(more: int) -> str:
    if not more:
        return ""
    text = ngettext("and %(n)s more", "and %(n)s more", more) % {"n": escape(localize(more))}
    return mark_safe(" " + text)  # noqa: S308  (our catalogs' text, as blocktranslate shows it)
