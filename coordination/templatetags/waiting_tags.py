"""Display helpers for the waiting list."""

import uuid
from html import escape

from django import template
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from shelter.links import pk_url

from ._rows import csrf_input
from .dashboard_tags import natural_time
from .household_tags import registered_text, summary_html

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


# The waiting list's rows, written in Python: the same HTML its template loops wrote, each
# value escaped once. Fifty rows and fifty more of the city's, each with two links, a
# "waiting since" and its words, took most of the page's time as template tags and includes.
WAITING_ROW = (
    '\n  <li class="list-group-item">\n'
    '    <div class="d-flex flex-wrap justify-content-between align-items-center gap-1">\n'
    '      <a class="tap-block fw-semibold" href="{household_url}">{name} {code}</a>\n'
    '      <small class="text-body-secondary">{since}</small>\n'
    "    </div>\n"
    "    {summary}\n"
    "    {ask}\n"
    "    {phone}\n"
    '    <div class="small text-body-secondary">{registered}</div>\n'
    "    {fits}\n"
    '    <a class="btn btn-outline-primary btn-sm tap mt-1" href="{find_url}">{find}</a>\n'
    "  </li>\n"
)
ELSEWHERE_ROW = (
    '\n  <li class="list-group-item">\n'
    '    <div class="d-flex flex-wrap justify-content-between gap-1">\n'
    '      <span class="fw-semibold">{code}</span>\n'
    '      <small class="text-body-secondary">{since}</small>\n'
    "    </div>\n"
    "    {summary}\n"
    "    {ask}\n"
    "    {registered}\n"
    "    {take}\n"
    "  </li>\n"
)
ELSEWHERE_TAKE = (
    "\n    \n"
    '    <form method="post" action="{hold_url}" class="mt-1" data-offline="{label}">'
    "{csrf}"
    '<input type="hidden" name="submission" value="{submission}">\n'
    '      <input type="hidden" name="space" value="{space_pk}">\n'
    '      <button class="btn btn-outline-primary tap" type="submit">{button}</button>\n'
    "    </form>\n"
    "    "
)
# coordination/asks/partials/asked_online.html, with its code
ASKED_ONLINE = (
    '<div class="small"><span class="badge text-bg-primary">{asked}</span>'
    ' <span class="font-monospace fw-semibold">{code}</span>{where}{since}</div>\n'
)


def _asked_online(code: str | None, where: str, since, natural) -> str:
    if not code:
        return ""
    return ASKED_ONLINE.format(
        asked=escape(gettext("asked online")),
        code=escape(code),
        where=f" · {escape(where)}" if where else "",
        since=(
            " · " + gettext("asked %(since)s") % {"since": escape(str(natural(since)))}
            if since
            else ""
        ),
    )


def _waiting_since(moment, natural) -> str:
    return gettext("waiting since %(since)s") % {"since": escape(str(natural(moment)))}


@register.simple_tag
def waiting_rows(households, fitting) -> SafeString:
    """The households waiting for a place (Household objects, `fits` annotated when
    `fitting` is a shelter), as the list's items: name and code, since when, summary, their
    online request, masked phone, who registered them, whether they fit, "Find a place"."""
    household_url = pk_url("coordination:household")
    find_url = pk_url("coordination:find_place")
    find = escape(gettext("Find a place"))
    natural = natural_time()  # the list's times, each text translated once
    fits = (
        '<span class="badge text-bg-success">'
        + gettext("fits in %(name)s") % {"name": escape(fitting.name)}
        + "</span>"
        if fitting
        else ""
    )
    rows = []
    for household in households:
        ask = household.online_ask
        rows.append(
            WAITING_ROW.format(
                household_url=household_url(household.pk),
                name=escape(household.contact_name),
                code=household.code,
                since=_waiting_since(household.waiting_since, natural),
                summary=summary_html(household),
                ask=(
                    _asked_online(
                        ask.code, str(ask.get_where_now_display()), ask.created_at, natural
                    )
                    if ask
                    else ""
                ),
                phone=(
                    '<span class="small text-body-secondary">· '
                    f"{escape(household.masked_phone)}</span>"
                    if household.phone
                    else ""
                ),
                registered=registered_text(household),
                fits=fits if fitting and household.fits else "",
                find_url=find_url(household.pk),
                find=find,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308  (every value escaped above)


@register.simple_tag(takes_context=True)
def elsewhere_rows(context, households) -> SafeString:
    """The city's other households waiting for a place (selectors.WaitingElsewhere: no
    personal data), as the list's items: code, since when, summary, their online request,
    where registered, and "Hold places" at the user's best space for them."""
    hold_url = pk_url("coordination:hold")
    csrf = csrf_input(context)
    natural = natural_time()
    nothing = (
        '<div class="small text-body-secondary">'
        + escape(gettext("No space of your shelters takes them together now."))
        + "</div>"
    )
    hold_label = gettext("Hold: %(code)s at %(space)s")
    hold_button = gettext("Hold places at %(space)s")
    registered_at = gettext("registered at %(where)s")
    rows = []
    for household in households:
        space = household.take_space
        if space is None:
            take = nothing
        else:
            name = escape(str(space))
            take = ELSEWHERE_TAKE.format(
                hold_url=hold_url(household.pk),
                label=hold_label % {"code": household.code, "space": name},
                csrf=csrf,
                submission=uuid.uuid4(),
                space_pk=space.pk,
                button=hold_button % {"space": name},
            )
        where = household.registered_at_name
        rows.append(
            ELSEWHERE_ROW.format(
                code=household.code,
                since=_waiting_since(household.waiting_since, natural),
                summary=summary_html(household),
                ask=_asked_online(
                    household.ask_code, household.ask_where_label, household.waiting_since, natural
                ),
                registered=(
                    '<div class="small text-body-secondary">'
                    + registered_at % {"where": escape(where)}
                    + "</div>"
                    if where
                    else ""
                ),
                take=take,
            )
        )
    return mark_safe("".join(rows))  # noqa: S308  (every value escaped above)
