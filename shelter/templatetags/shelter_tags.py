"""Small display helpers for shelter templates."""

from datetime import timedelta
from html import escape

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.formats import localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

register = template.Library()


@register.filter
def is_stale(moment) -> bool:
    """True when figures counted at `moment` are older than SHELTER_STALE_AFTER_HOURS."""
    if moment is None:
        return True
    return timezone.now() - moment > timedelta(hours=settings.SHELTER_STALE_AFTER_HOURS)


@register.filter
def percent_of(part: int, whole: int) -> int:
    return round(100 * part / whole) if whole else 0


@register.filter
def updated_ago(moment) -> str:
    """ "updated 12 minutes ago", from our own catalogs (Django's lack Kazakh for this)."""
    minutes = int((timezone.now() - moment).total_seconds() // 60)
    if minutes < 1:
        return gettext("updated just now")
    if minutes < 60:
        return ngettext("updated %(n)d minute ago", "updated %(n)d minutes ago", minutes) % {
            "n": minutes
        }
    hours = minutes // 60
    if hours < 48:
        return ngettext("updated %(n)d hour ago", "updated %(n)d hours ago", hours) % {"n": hours}
    days = hours // 24
    return ngettext("updated %(n)d day ago", "updated %(n)d days ago", days) % {"n": days}


def _space_texts() -> dict[str, str]:
    return {
        "free": gettext("free"),
        "by": " " + gettext("by %(who)s"),
        "stale": " · " + gettext("possibly out of date"),
        "never": gettext("never counted"),
        "none": gettext("No spaces yet."),
    }


def _page_texts(context) -> dict[str, str]:
    """The words of the space rows, translated once a page (kept with the page's render, as
    `{% include %}` keeps its templates)."""
    texts = context.render_context.dicts[0].get("space_free_texts")
    if texts is None:
        texts = context.render_context.dicts[0]["space_free_texts"] = _space_texts()
    return texts


SPACE_FREE = (
    '<span class="badge text-bg-{colour}">{free}/{places} {free_word}</span>\n'
    '<small class="{counted_class}">\n{counted}\n</small>\n'
)
SPACE_ROW = (
    '<li class="list-group-item d-flex flex-wrap justify-content-between gap-1">'
    "<span>{name}</span><span>{free}</span></li>\n"
)


def _space_free_html(space, texts: dict[str, str], ago: dict) -> str:
    """A space's free/places badge, and when and by whom it was last counted, as HTML.

    Plain string formatting with each value escaped once: My shelters writes it for every
    space of every shelter (200 rows for a volunteer of 20 shelters), and Django's
    format_html, or an included template, cost several times the rest of the row. `ago`
    keeps "updated N minutes ago" by minute for the page (most rows share a few values).
    """
    counted_at = space.counted_at
    stale = is_stale(counted_at)
    if counted_at:
        minute = counted_at.replace(second=0, microsecond=0)
        counted = ago.get(minute)
        if counted is None:
            counted = ago[minute] = escape(updated_ago(counted_at))
        who = space.counted_by_name
        if who:
            counted += texts["by"] % {"who": escape(who)}
        if stale:
            counted += texts["stale"]
    else:
        counted = texts["never"]
    return SPACE_FREE.format(
        colour="success" if space.free > 0 else "danger",
        free=space.free,
        places=space.places,
        free_word=texts["free"],
        counted_class="text-danger fw-semibold" if stale else "text-body-secondary",
        counted=counted,
    )


@register.simple_tag(takes_context=True)
def space_free(context, space) -> SafeString:
    """One space's free/places badge and when it was counted (the bed-count page's rows)."""
    ago = context.render_context.dicts[0].setdefault("space_free_ago", {})
    return mark_safe(_space_free_html(space, _page_texts(context), ago))  # noqa: S308


@register.simple_tag(takes_context=True)
def space_list(context, spaces) -> SafeString:
    """Every space of a shelter as list items, each with its name and `space_free`; "No spaces
    yet." for none. Spaces are `shelter.selectors.SpaceRow`s or Space objects."""
    texts = _page_texts(context)
    ago = context.render_context.dicts[0].setdefault("space_free_ago", {})
    if not spaces:
        return format_html(
            '<li class="list-group-item text-body-secondary">{}</li>\n', texts["none"]
        )
    return mark_safe(  # noqa: S308  (names escaped here, the rest is ours)
        "".join(
            SPACE_ROW.format(name=escape(space.name), free=_space_free_html(space, texts, ago))
            for space in spaces
        )
    )


@register.simple_tag
def shelter_options(shelters, chosen=None) -> SafeString:
    """`<option>`s of the shelters, for a page showing the same select many times (a claim
    form per meal offer): written once, not once per select; `chosen` (an id, as posted)
    is selected, for the one form sent back refused."""
    chosen = str(chosen) if chosen not in (None, "") else None
    return format_html_join(
        "",
        '<option value="{}"{}>{}</option>',
        ((s.pk, " selected" if str(s.pk) == chosen else "", s.name) for s in shelters),
    )


STEPPER = (
    '\n<label class="form-label small mb-0" for="{id}">{label}</label>\n'
    '<div class="input-group stepper">\n'
    '  <button class="btn btn-outline-secondary btn-step" type="submit" name="step"'
    ' value="{name}:-1" data-step="-1" data-target="{id}" aria-label="{minus}">\u2212</button>\n'
    '  <input type="number" name="{name}" id="{id}" value="{value}" min="0" max="10000"'
    ' inputmode="numeric" class="form-control form-control-lg text-center{invalid}"{described}>\n'
    '  <button class="btn btn-outline-secondary btn-step" type="submit" name="step"'
    ' value="{name}:1" data-step="1" data-target="{id}" aria-label="{plus}">+</button>\n'
    "</div>\n"
    "{errors}\n"
)
FIELD_ERROR = '<div class="invalid-feedback d-block" id="{id}-error">{error}</div>'


def _stepper_html(field) -> str:
    """A number input with big -/+ buttons; without JavaScript the buttons post the form with
    `step`. Plain formatting, each value escaped once (the bed-count page has two a space)."""
    field_id = escape(field.id_for_label)
    label = escape(str(field.label))
    value = field.value()
    errors = field.errors
    what = {"what": label}
    return STEPPER.format(
        id=field_id,
        label=label,
        name=escape(field.html_name),
        value="" if value is None else escape(str(localize(value))),
        # As blocktranslate writes them: the label escaped, our catalogs' words as they are.
        minus=gettext("%(what)s minus one") % what,
        plus=gettext("%(what)s plus one") % what,
        invalid=" is-invalid" if errors else "",
        described=f' aria-invalid="true" aria-describedby="{field_id}-error"' if errors else "",
        errors="".join(FIELD_ERROR.format(id=field_id, error=escape(e)) for e in errors),
    )


@register.simple_tag
def stepper(field) -> SafeString:
    """One stepper (see _stepper_html)."""
    return mark_safe(_stepper_html(field))  # noqa: S308  (every value escaped there)


BED_COUNT_ROW = (
    '\n    <fieldset class="card mb-2 p-2{invalid}">\n'
    '      <legend class="fs-6 fw-semibold mb-1 d-flex flex-wrap justify-content-between gap-1'
    ' w-100">\n'
    "        <span>{name}</span>\n"
    '        <span class="fw-normal">{free}</span>\n'
    "      </legend>\n"
    "      {hidden}\n"
    "      {errors}\n"
    '      <div class="row g-2">\n'
    '        <div class="col-6">{occupied}</div>\n'
    '        <div class="col-6">{places}</div>\n'
    "      </div>\n"
    "    </fieldset>\n"
    "  "
)
HIDDEN = '<input type="hidden" name="{name}"{value} id="{id}">'


@register.simple_tag(takes_context=True)
def bed_count_rows(context, forms) -> SafeString:
    """The bed-count form's rows, one fieldset a space (shelter.forms.SpaceCountForm): its
    name, free places and last count, what the volunteer saw (hidden) and the two steppers.

    Written in Python, the same HTML the template's loop wrote: it was most of the page's
    time, with Django's widget templates for the hidden inputs and a lookup per value."""
    texts = _page_texts(context)
    ago = context.render_context.dicts[0].setdefault("space_free_ago", {})
    rows = []
    for form in forms:
        hidden = []
        for seen in form.hidden_fields():
            value = seen.value()
            hidden.append(
                HIDDEN.format(
                    name=escape(seen.html_name),
                    value="" if value is None or value == "" else f' value="{escape(str(value))}"',
                    id=escape(seen.auto_id),
                )
            )
        rows.append(
            BED_COUNT_ROW.format(
                invalid=" border-danger" if form.errors else "",
                name=escape(form.space.name),
                free=_space_free_html(form.space, texts, ago),
                hidden="".join(hidden),
                errors="".join(
                    f'<div class="text-danger">{escape(e)}</div>' for e in form.non_field_errors()
                ),
                occupied=_stepper_html(form["occupied"]),
                places=_stepper_html(form["places"]),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308  (every value escaped above)
