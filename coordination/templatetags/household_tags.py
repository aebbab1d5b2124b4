"""A household's summary and where it was registered, written in Python.

What the partials coordination/partials/household_summary.html and household_registered.html
wrote, the same HTML: the waiting list shows both for each of its 50 (and 50 more) rows, and
an included template with its blocktranslates cost more than the rest of the row. Works on a
Household and on anything with its size, children and needs (selectors.WaitingElsewhere).
"""

import uuid
from html import escape

from django import template
from django.utils.formats import localize
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop, ngettext

from shelter.links import pk_url
from shelter.templatetags.shelter_tags import updated_ago

from ._rows import csrf_input

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


# "Find a place": what the partial coordination/partials/place_option.html wrote for each
# of its 20 places, written in Python (the same HTML, each value escaped once): with its two
# forms, URLs and words, the include cost more than the rest of the page.
PLACE_OPTION = (
    '<li class="list-group-item">\n'
    '    <div class="d-flex flex-wrap justify-content-between gap-1">\n'
    '      <span class="fw-semibold">{shelter_name} / {space_name}{unchecked}</span>\n'
    '      <span class="badge text-bg-success fs-6">{free}</span>\n'
    "    </div>\n"
    '    <div class="small text-body-secondary">{address}{km} · {used}{good}</div>\n'
    "    {stale}\n"
    '    <div class="d-flex flex-wrap gap-2 mt-2">\n'
    "      {call}\n"
    "      \n"
    '      <form method="post" action="{hold_url}" data-offline="{hold_label}">{csrf}{hold_once}\n'
    '        <input type="hidden" name="space" value="{space_pk}">\n'
    '        <button class="btn btn-primary tap" type="submit">{hold}</button>\n'
    "      </form>\n"
    "      {check_in}\n"
    "    </div>\n"
    "  </li>\n"
)
PLACE_CHECK_IN = (
    "\n      \n"
    '      <form method="post" action="{url}" data-offline="{label}">{csrf}{once}\n'
    '        <input type="hidden" name="space" value="{space_pk}">\n'
    '        <button class="btn btn-outline-primary tap" type="submit">{words}</button>\n'
    "      </form>\n"
    "      "
)
SUBMISSION = '<input type="hidden" name="submission" value="{}">'  # {% submission_field %}


def _place_words() -> dict[str, str]:
    return {
        "unchecked": (
            ' <span class="badge text-bg-warning" title="'
            + escape(
                gettext(
                    "Nobody has visited this home yet: not for women and children alone or "
                    "children without an adult."
                )
            )
            + '">'
            + escape(gettext("not yet checked"))
            + "</span>"
        ),
        "km": gettext("%(km)s km"),
        "used": gettext("shelter %(used)s%% full"),
        "good": " · <strong>" + escape(gettext("good fit")) + "</strong>",
        "out_of_date": escape(gettext("possibly out of date: call first")),
        "never": escape(gettext("not counted yet: call first")),
        "call": escape(gettext("Call")),
        "no_phone": escape(gettext("No phone given: ask a coordinator.")),
        "hold_label": gettext("Hold: %(code)s at %(space)s"),
        "check_in_label": gettext("Check-in: %(code)s at %(space)s"),
        "hold": escape(gettext("Hold these places")),
        "check_in": escape(gettext("Check in here now")),
    }


@register.simple_tag(takes_context=True)
def place_options(context, options, household) -> SafeString:
    """The places offered to `household` (places.PlaceOption), as the list's items: where,
    free places, distance, how full, how fresh the count, whom to call, "Hold these
    places", and "Check in here now" where the user may."""
    words = _place_words()
    csrf = csrf_input(context)
    hold_url = pk_url("coordination:hold")(household.pk)
    check_in_url = pk_url("coordination:check_in")(household.pk)
    items = []
    for option in options:
        space = option.space
        shelter = space.shelter
        space_text = escape(str(space))
        stale = ""
        call = ""
        if option.stale:
            counted = (
                f"{escape(updated_ago(option.counted_at))} · {words['out_of_date']}"
                if option.counted_at
                else words["never"]
            )
            stale = f'\n    <div class="small stale">{counted}</div>\n    '
            if shelter.phone:
                host = f"{escape(shelter.host)} " if shelter.host else ""
                phone = escape(shelter.phone)
                tel = escape(shelter.phone.replace(" ", ""))
                reach = (
                    f'<a class="btn btn-outline-secondary tap" href="tel:{tel}">{words["call"]} '
                    f'{host}<span class="text-nowrap">{phone}</span></a>\n        '
                )
            else:
                reach = (
                    '<span class="small text-body-secondary align-self-center">'
                    f"{words['no_phone']}</span>"
                )
            call = f"\n        {reach}\n      "
        check_in = ""
        if option.can_check_in:
            check_in = PLACE_CHECK_IN.format(
                url=check_in_url,
                label=words["check_in_label"] % {"code": household.code, "space": space_text},
                csrf=csrf,
                once=SUBMISSION.format(uuid.uuid4()),
                space_pk=space.pk,
                words=words["check_in"],
            )
        items.append(
            PLACE_OPTION.format(
                shelter_name=escape(shelter.name),
                space_name=escape(space.name),
                unchecked=words["unchecked"] if getattr(space, "host_unchecked", False) else "",
                free=ngettext("%(free)s free", "%(free)s free", option.free)
                % {"free": option.free},
                address=escape(shelter.address),
                km=(
                    " · " + words["km"] % {"km": escape(localize(option.distance_km))}
                    if option.distance_km is not None
                    else ""
                ),
                used=words["used"] % {"used": option.shelter_used_percent},
                good=words["good"] if option.good_fit and not option.stale else "",
                stale=stale,
                call=call,
                hold_url=hold_url,
                hold_label=words["hold_label"] % {"code": household.code, "space": space_text},
                csrf=csrf,
                hold_once=SUBMISSION.format(uuid.uuid4()),
                space_pk=space.pk,
                hold=words["hold"],
                check_in=check_in,
            )
        )
    return mark_safe("".join(items))  # noqa: S308  (every value escaped above)
