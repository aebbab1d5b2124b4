"""The dashboard's long tables, written in Python.

What templates/coordination/dashboard/partials/shelters_table.html and waiting_summary.html
wrote row by row, the same HTML: a page of 50 shelters and some 80 groups of waiting
households took template tags (a lookup, a `{% url %}`, a translation and a localisation per
cell) longer than reading the whole city. Each link is reversed once and its number filled in.
"""

from datetime import UTC, datetime
from html import escape

from django import template
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import NaturalTimeFormatter, naturaltime
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.timesince import timesince
from django.utils.timezone import is_aware, template_localtime
from django.utils.translation import (
    gettext,
    gettext_noop,  # marked here, translated per page
    ngettext,
)

from shelter.links import pk_url
from shelter.models import ShelterKind, ShelterStatus

register = template.Library()

ROW_CLASSES = {0: "row-full", 1: "row-nearly", 2: "row-stale"}  # Urgency.FULL, NEARLY_FULL, STALE


def _panel_url():
    return pk_url("coordination:dashboard_shelter")


def integer_text():
    """`localize` for the whole numbers of a table: without thousands grouped (the setting's
    default) a number is written as it is, and the format lookups localize makes for each
    number are not needed."""
    return localize if settings.USE_THOUSAND_SEPARATOR else str


class _ByNumber:
    """One of naturaltime's texts ("%(num)d days"), translated once for each number."""

    __slots__ = ("done", "text")

    def __init__(self, text):
        self.text, self.done = text, {}

    def __mod__(self, params: dict) -> str:
        number = params["num"]
        if number not in self.done:
            self.done[number] = self.text % params
        return self.done[number]


def natural_time():
    """`naturaltime` for a whole table, the same text: "3 days, 2 hours ago" asks the catalog
    for each of its words again each time, and some 80 rows of waiting households are all
    days old."""
    units = {name: _ByNumber(text) for name, text in NaturalTimeFormatter.past_substrings.items()}
    ago = str(NaturalTimeFormatter.time_strings["past-day"])

    def natural(value):
        if not isinstance(value, datetime) or not is_aware(value):
            return naturaltime(value)
        now = datetime.now(UTC)
        if value >= now or (now - value).days == 0:  # today's or to come: naturaltime's own
            return naturaltime(value)
        return ago % {"delta": timesince(value, now, time_strings=units)}

    return natural


def _labels(choices) -> dict[str, str]:
    """Each choice's label in the page's language, escaped: translated once a table."""
    return {value: escape(str(label)) for value, label in choices}


SHELTER_ROW = (
    '\n    <tr class="{row_class}" data-shelter="{pk}">\n'
    '      <td class="table-stack-title"><a href="{url}" class="fw-semibold">{name}</a><br>'
    '<small class="text-body-secondary">{kind} · {city}{district}</small></td>\n'
    '      <td data-label="{t[status]}"><span class="badge status-{status}">{status_label}</span>'
    "{by_decision}</td>\n"
    '      <td class="text-end" data-label="{t[places]}">{places}</td>\n'
    '      <td class="text-end" data-label="{t[occupied]}">{occupied}</td>\n'
    '      <td class="text-end fw-semibold" data-label="{t[free]}">{free}</td>\n'
    '      <td class="text-nowrap" data-label="{t[used]}"><meter class="util" min="0" max="100" '
    'low="70" high="90" optimum="0" value="{used}">{used}%</meter> {used}%</td>\n'
    '      <td class="small" data-label="{t[last_update]}">{last_update}{stale}</td>\n'
    '      <td class="text-end" data-label="{t[alerts]}">{alerts}</td>\n'
    '      <td class="table-stack-actions"><a class="btn btn-outline-secondary btn-sm" '
    'href="{url}">{t[manage]}</a></td>\n'
    "    </tr>\n  "
)


@register.simple_tag
def dashboard_shelter_rows(shelters) -> SafeString:
    """The shelters table's rows (shelters with the figures of dashboard.selectors).

    Plain string formatting with each value escaped once (as shelter_tags.space_list):
    format_html, escaping every part again, took as long as the rest of the row.
    """
    panel_url = _panel_url()
    texts = {
        name: escape(gettext(text))
        for name, text in (
            ("status", gettext_noop("Status")),
            ("places", gettext_noop("Places")),
            ("occupied", gettext_noop("Occupied")),
            ("free", gettext_noop("Free")),
            ("used", gettext_noop("Used")),
            ("last_update", gettext_noop("Last update")),
            ("alerts", gettext_noop("Alerts")),
            ("manage", gettext_noop("Manage")),
            ("never", gettext_noop("never counted")),
        )
    }
    by_decision = " <small>{}</small>".format(escape(gettext("by decision")))
    possibly_stale = '<br><span class="stale">{}</span>'.format(
        escape(gettext("possibly out of date"))
    )
    kinds = _labels(ShelterKind.choices)
    statuses = _labels(ShelterStatus.choices)
    number = integer_text()
    natural = natural_time()
    return mark_safe(  # noqa: S308  (every value escaped here, the rest is ours)
        "".join(
            SHELTER_ROW.format(
                t=texts,
                row_class=ROW_CLASSES.get(s.urgency, ""),
                pk=s.pk,
                url=escape(panel_url(s.pk)),
                name=escape(s.name),
                kind=kinds.get(s.kind) or escape(s.kind),
                city=escape(s.city),
                district=escape(f", {s.district}") if s.district else "",
                status=escape(s.status),
                status_label=statuses.get(s.status) or escape(s.status),
                by_decision=by_decision if s.marked_full else "",
                places=escape(number(s.total_places)),
                occupied=escape(number(s.total_occupied)),
                free=escape(number(s.free_now)),
                used=escape(number(s.used_percent)),
                last_update=_last_update(s, texts["never"], natural),
                stale=possibly_stale if s.is_stale else "",
                alerts=escape(number(s.open_alerts)),
            )
            for s in shelters
        )
    )


def _last_update(shelter, never_counted: str, natural) -> str:
    """When and by whom the shelter was last counted, as HTML."""
    if not shelter.last_counted_at:
        return never_counted
    return '<time datetime="{}">{}</time>{}'.format(
        escape(template_localtime(shelter.last_counted_at).isoformat()),  # the date filter's "c"
        escape(natural(shelter.last_counted_at)),
        escape(f" · {shelter.last_counted_by}") if shelter.last_counted_by else "",
    )


NEEDS = (  # (attribute, badge text), in the order the badges are shown
    ("is_family", gettext_noop("family")),
    ("women_children_only", gettext_noop("women and children only")),
    ("has_pets", gettext_noop("pets")),
    ("needs_wheelchair", gettext_noop("wheelchair")),
    ("needs_medical", gettext_noop("medical")),
)


WAITING_ROW = (
    "\n    <tr>\n"
    '      <td data-label="{t[size]}">{size}</td>\n'
    '      <td data-label="{t[needs]}">{needs}</td>\n'
    '      <td class="text-end" data-label="{t[households]}">{households}</td>\n'
    '      <td class="small" data-label="{t[since]}">{since}</td>\n'
    '      <td class="small" data-label="{t[could_go]}">{could_go}{more}</td>\n'
    "    </tr>\n  "
)


@register.simple_tag
def dashboard_waiting_rows(groups) -> SafeString:
    """The rows of "who is waiting, and where they could go" (dashboard.selectors groups),
    written as dashboard_shelter_rows."""
    panel_url = _panel_url()
    number = integer_text()
    texts = {
        name: escape(gettext(text))
        for name, text in (
            ("size", gettext_noop("Size")),
            ("needs", gettext_noop("Needs")),
            ("households", gettext_noop("Households")),
            ("since", gettext_noop("Waiting since")),
            ("could_go", gettext_noop("Could go to")),
            ("stale", gettext_noop("possibly out of date: call first")),
            ("never", gettext_noop("not counted yet: call first")),
        )
    }
    texts["no_fit"] = '<span class="stale">{}</span>'.format(escape(gettext("no shelter fits")))
    badges = {
        attribute: f'<span class="badge text-bg-light border">{escape(gettext(text))}</span>'
        for attribute, text in NEEDS
    }
    since = natural_time()
    no_needs = '<span class="text-body-secondary small">{}</span>'.format(escape(gettext("none")))
    return mark_safe(  # noqa: S308  (every value escaped here, the rest is ours)
        "".join(
            WAITING_ROW.format(
                t=texts,
                size=escape(g.size_label),
                needs=_needs(g, badges, no_needs),
                households=escape(number(g.households)),
                since=escape(since(g.oldest)),
                could_go=_could_go_to(g, panel_url, number, texts),
                more=_more(g.more_shelters, number),
            )
            for g in groups
        )
    )


def _needs(group, badges: dict, no_needs: str) -> str:
    """Each need's badge; the last one has no space after it (as the template wrote it)."""
    shown = [attribute for attribute, _text in NEEDS if getattr(group, attribute)]
    if not shown:
        return no_needs
    return "".join(
        badges[attribute] + ("" if attribute == "needs_medical" else " ") for attribute in shown
    )


def _could_go_to(group, panel_url, number, texts: dict) -> str:
    if not group.shelters:
        return texts["no_fit"]
    parts = []
    for s in group.shelters:
        # A no-break space: the free places never go to the next line without their shelter
        # (a phone's narrow column broke them apart).
        url, name, free = escape(panel_url(s.pk)), escape(s.name), escape(number(s.largest_free))
        part = f'<a href="{url}">{name}</a>\u00a0({free})'
        if s.is_stale:
            part += (
                f' <span class="stale">{texts["stale" if s.last_counted_at else "never"]}</span>'
            )
            if s.phone:
                part += f' <a href="tel:{escape(s.phone.replace(" ", ""))}">{escape(s.phone)}</a>'
        parts.append(part)
    return ", ".join(parts)


def _more(more: int, number) -> str:
    if not more:
        return ""
    # Our catalogs' text, not escaped, as blocktranslate shows it; the number escaped.
    return " " + ngettext("and %(n)s more", "and %(n)s more", more) % {"n": escape(number(more))}
