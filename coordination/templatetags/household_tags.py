"""A household's summary and where it was registered, written in Python.

What the partials coordination/partials/household_summary.html and household_registered.html
wrote, the same HTML: the waiting list shows both for each of its 50 (and 50 more) rows, and
an included template with its blocktranslates cost more than the rest of the row. Works on a
Household and on anything with its size, children and needs (selectors.WaitingElsewhere).
"""

from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop, ngettext

register = template.Library()

# (field, badge colour, words: translated when written)
BADGES = (
    ("women_children_only", "info", gettext_noop("women and children only")),
    ("has_infant", "info", gettext_noop("infant")),
    ("has_pets", "info", gettext_noop("pets")),
    ("needs_wheelchair", "info", gettext_noop("wheelchair")),
    ("needs_medical", "warning", gettext_noop("medical attention")),
)


def summary_html(household) -> str:
    """ "3 people, 1 child" and a badge for each need, as HTML (numbers and our words)."""
    people = ngettext("%(n)s person", "%(n)s people", household.size) % {"n": household.size}
    html = f'<span class="fw-semibold">{people}</span>'
    if household.children:
        n = household.children
        html += ", " + ngettext("%(n)s child", "%(n)s children", n) % {"n": n}
    html += "\n"
    for field, colour, words in BADGES:
        if getattr(household, field):
            html += f'<span class="badge text-bg-{colour}">{gettext(words)}</span>'
        html += "\n"
    return html


@register.simple_tag
def household_summary(household) -> SafeString:
    """ "3 people, 1 child" and a badge for each need."""
    return mark_safe(summary_html(household))  # noqa: S308  (numbers and our catalog's words)


def registered_text(household) -> str:
    """ "registered by <who> at <where>" (or either alone; nothing without both), the names
    escaped, and a newline."""
    who = household.registered_by.get_username() if household.registered_by_id else None
    where = household.registered_at.name if household.registered_at_id else None
    if who and where:
        text = gettext("registered by %(who)s at %(where)s") % {
            "who": escape(who),
            "where": escape(where),
        }
    elif who:
        text = gettext("registered by %(who)s") % {"who": escape(who)}
    elif where:
        text = gettext("registered at %(where)s") % {"where": escape(where)}
    else:
        text = ""
    return text + "\n"


@register.simple_tag
def household_registered(household) -> SafeString:
    """ "registered by <who> at <where>" (or either alone; nothing without both)."""
    return mark_safe(registered_text(household))  # noqa: S308  (names escaped; our words)
