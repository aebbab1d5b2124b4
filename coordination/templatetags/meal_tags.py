"""Today's meal offers as the meals page's cards, written in Python.

The same HTML the template's loop wrote (with the partial coordination/partials/meal_tags.html
for the badges), each value escaped once: a hundred offers in the day, each with a claim form
and its select of the volunteer's shelters, took most of the page's time as template tags.
"""

from html import escape

from django import template
from django.template.defaultfilters import linebreaksbr
from django.utils.formats import date_format, time_format
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, gettext_noop

from shelter.links import pk_url
from shelter.templatetags.shelter_tags import shelter_options

from ._rows import csrf_input

register = template.Library()

# (field, badge colour, words: translated when written)
BADGES = (
    ("hot_meal", "danger", gettext_noop("hot meal")),
    ("vegetarian", "success", gettext_noop("vegetarian")),
    ("halal", "primary", gettext_noop("halal")),
    ("for_children", "info", gettext_noop("for children")),
)
CARD = (
    '\n  <div class="card mb-2"><div class="card-body">\n'
    '    <div class="d-flex flex-wrap justify-content-between gap-1">\n'
    '      <span class="fw-semibold">{provider}</span>\n'
    '      <span class="badge {colour} fs-6">{left}</span>\n'
    "    </div>\n"
    '    <div class="small">{date} {starts}–{ends} · {place}</div>\n'  # noqa: RUF001
    "    <div>{badges}</div>\n"
    "    {public_notes}\n"
    "    {notes}\n"
    "    {claims}\n"
    "    {claim_form}\n"
    "  </div></div>\n"
)
RELEASE = (
    '\n      <form method="post" action="{url}" class="d-flex align-items-center gap-2 mt-1">'
    "{csrf}\n"
    '        <span class="small">{claimed}</span>\n'
    '        <button class="btn btn-sm btn-outline-secondary" type="submit">{release}</button>\n'
    "      </form>\n"
    "    "
)
CLAIM_FORM = (
    "\n      \n"
    '      <form method="post" action="{url}" class="row g-2 mt-1" novalidate>{csrf}\n'
    "        {errors}\n"
    '        <input type="hidden" name="offer-{pk}-submission" value="{submission}">\n'
    '        <div class="col-12 col-sm-6"><label class="form-label" for="offer-{pk}-shelter">'
    "{for_shelter}</label>\n"
    '          <select class="form-select{shelter_invalid}" name="offer-{pk}-shelter"'
    ' id="offer-{pk}-shelter" required{shelter_described}>\n'
    "            {options}\n"
    "          </select>{shelter_errors}</div>\n"
    '        <div class="col-5 col-sm-3"><label class="form-label" for="offer-{pk}-portions">'
    "{portions}</label>\n"
    '          <input class="form-control{portions_invalid}" type="number" inputmode="numeric"'
    ' min="1" max="{remaining}" name="offer-{pk}-portions" id="offer-{pk}-portions"'
    " required{value}{portions_described}>\n"
    "          {portions_errors}</div>\n"
    '        <div class="col-7 col-sm-3 d-flex align-items-end">'
    '<button class="btn btn-primary w-100 text-nowrap" type="submit">{claim}</button></div>\n'
    "      </form>\n"
    "    "
)
NON_FIELD_ERROR = '<div class="col-12 text-danger fw-semibold" role="alert">{error}</div>'
FIELD_ERROR = '<div class="invalid-feedback d-block" id="offer-{pk}-{field}-error">{error}</div>'


def _invalid(bound, pk: int, field: str) -> tuple[str, str, str]:
    """A refused field's class, aria attributes and messages (nothing for a field without)."""
    errors = bound.errors if bound is not None else None
    if not errors:
        return "", "", ""
    return (
        " is-invalid",
        f' aria-invalid="true" aria-describedby="offer-{pk}-{field}-error"',
        "".join(FIELD_ERROR.format(pk=pk, field=field, error=escape(str(e))) for e in errors),
    )


@register.simple_tag(takes_context=True)
def meal_offer_cards(context, offers, shelters, shelter_choices) -> SafeString:
    """The offers' cards: provider, portions left, when and where, badges, notes, the user's
    claims with "Release", and (for the user's `shelters`, while portions are left) the
    claim form, drawn with `shelter_choices`; an offer's `claim_form` is a refused claim
    shown as typed, with its messages."""
    csrf = csrf_input(context)
    claim_url = pk_url("coordination:meal_claim")
    release_url = pk_url("coordination:claim_release")
    words = {
        "left": gettext("%(left)s of %(total)s portions left"),
        "claimed": gettext("%(n)s claimed for %(shelter)s"),
        "release": escape(gettext("Release")),
        "for_shelter": escape(gettext("For shelter")),
        "portions": escape(gettext("Portions")),
        "claim": escape(gettext("Claim")),
        "badges": [(field, colour, escape(gettext(text))) for field, colour, text in BADGES],
    }
    formatted: dict = {}  # dates and times, formatted once a page (most offers share them)

    def once(value, formatter, fmt: str) -> str:
        key = (fmt, value)
        if key not in formatted:
            formatted[key] = escape(formatter(value, fmt))
        return formatted[key]

    cards = []
    for offer in offers:
        badges = "".join(
            (f'<span class="badge text-bg-{colour}">{text}</span>' if getattr(offer, f) else "")
            + "\n"
            for f, colour, text in words["badges"]
        )
        delivery = escape(str(offer.get_delivery_display()))
        badges += f'<span class="badge text-bg-light">{delivery}</span>\n'
        claims = "".join(
            RELEASE.format(
                url=release_url(claim.pk),
                csrf=csrf,
                claimed=words["claimed"]
                % {"n": claim.portions, "shelter": escape(claim.shelter.name)},
                release=words["release"],
            )
            for claim in offer.my_claims
        )
        claim_form = ""
        if shelters and offer.remaining > 0:
            failed = offer.claim_form
            shelter_field = failed["shelter"] if failed is not None else None
            portions_field = failed["portions"] if failed is not None else None
            shelter_invalid, shelter_described, shelter_errors = _invalid(
                shelter_field, offer.pk, "shelter"
            )
            portions_invalid, portions_described, portions_errors = _invalid(
                portions_field, offer.pk, "portions"
            )
            value = ""
            if failed is not None:
                typed = portions_field.value()
                value = f' value="{escape(str("" if typed is None else typed))}"'
            claim_form = CLAIM_FORM.format(
                url=claim_url(offer.pk),
                csrf=csrf,
                errors="".join(
                    NON_FIELD_ERROR.format(error=escape(str(e)))
                    for e in (failed.non_field_errors() if failed is not None else ())
                ),
                pk=offer.pk,
                submission=escape(str(offer.claim_submission)),
                for_shelter=words["for_shelter"],
                shelter_invalid=shelter_invalid,
                shelter_described=shelter_described,
                options=(
                    shelter_options(shelters, chosen=shelter_field.value())
                    if failed is not None
                    else shelter_choices
                ),
                shelter_errors=shelter_errors,
                portions=words["portions"],
                portions_invalid=portions_invalid,
                remaining=offer.remaining,
                value=value,
                portions_described=portions_described,
                portions_errors=portions_errors,
                claim=words["claim"],
            )
        cards.append(
            CARD.format(
                provider=escape(offer.provider.name),
                colour="text-bg-success" if offer.remaining > 0 else "text-bg-secondary",
                left=words["left"] % {"left": offer.remaining, "total": offer.portions},
                date=once(offer.date, date_format, "SHORT_DATE_FORMAT"),
                starts=once(offer.starts_at, time_format, "H:i"),
                ends=once(offer.ends_at, time_format, "H:i"),
                place=escape(offer.place),
                badges=badges,
                public_notes=(
                    f'<div class="small">{escape(offer.public_notes)}</div>'
                    if offer.public_notes
                    else ""
                ),
                notes=(
                    '<div class="small text-body-secondary">'
                    f"{linebreaksbr(offer.notes, autoescape=True)}</div>"
                    if offer.notes
                    else ""
                ),
                claims=claims,
                claim_form=claim_form,
            )
        )
    return mark_safe("".join(cards))  # noqa: S308  (every value escaped above)
