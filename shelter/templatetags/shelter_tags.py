"""Small display helpers for shelter templates."""

from datetime import timedelta
from html import escape

from django import template
from django.conf import settings
from django.utils import timezone
from django.utils.formats import date_format, localize
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext, ngettext

from ..links import pk_url
from ..models import OccupancyReason

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
    return _updated_ago_text(int((timezone.now() - moment).total_seconds() // 60))


def _updated_ago_text(minutes: int) -> str:
    return _ago_text(*_ago_unit(minutes))


def _ago_unit(minutes: int) -> tuple[str, int]:
    """How long ago, in the unit it is said in: ("minute", 12), ("hour", 3), ("day", 2)."""
    if minutes < 60:
        return "minute", minutes
    hours = minutes // 60
    if hours < 48:
        return "hour", hours
    return "day", hours // 24


def _ago_text(unit: str, n: int) -> str:
    if unit == "minute":
        if n < 1:
            return gettext("updated just now")
        return ngettext("updated %(n)d minute ago", "updated %(n)d minutes ago", n) % {"n": n}
    if unit == "hour":
        return ngettext("updated %(n)d hour ago", "updated %(n)d hours ago", n) % {"n": n}
    return ngettext("updated %(n)d day ago", "updated %(n)d days ago", n) % {"n": n}


def _space_texts() -> dict[str, str]:
    return {
        "free": gettext("free"),
        "by": " " + gettext("by %(who)s"),
        "stale": " · " + gettext("possibly out of date"),
        "never": gettext("never counted"),
        "none": gettext("No spaces yet."),
    }


class _SpaceRowWriter:
    """Writes space rows for one page: the words translated once, the moment of the page
    read once, and "updated N hours ago" written once per N (most rows share a few)."""

    def __init__(self):
        self.texts = _space_texts()
        self.now = timezone.now()
        self.stale_after = timedelta(hours=settings.SHELTER_STALE_AFTER_HOURS)
        self.ago: dict[tuple[str, int], str] = {}

    @classmethod
    def for_page(cls, context) -> "_SpaceRowWriter":
        """The page's writer (kept with the page's render, as `{% include %}` keeps its
        templates)."""
        render_context = context.render_context.dicts[0]
        writer = render_context.get(cls)
        if writer is None:
            writer = render_context[cls] = cls()
        return writer

    def free_html(self, space) -> str:
        """A space's free/places badge, and when and by whom it was last counted, as HTML.

        Plain string formatting with each value escaped once: My shelters writes it for every
        space of every shelter (200 rows for a volunteer of 20 shelters), and Django's
        format_html, or an included template, cost several times the rest of the row.
        """
        texts = self.texts
        counted_at = space.counted_at
        if counted_at:
            age = self.now - counted_at
            stale = age > self.stale_after
            ago = _ago_unit(int(age.total_seconds() // 60))
            counted = self.ago.get(ago)
            if counted is None:
                counted = self.ago[ago] = escape(_ago_text(*ago))
            who = space.counted_by_name
            if who:
                counted += texts["by"] % {"who": escape(who)}
            if stale:
                counted += texts["stale"]
        else:
            stale = True
            counted = texts["never"]
        return SPACE_FREE.format(
            colour="success" if space.free > 0 else "danger",
            free=space.free,
            places=space.places,
            free_word=texts["free"],
            counted_class="text-danger fw-semibold" if stale else "text-body-secondary",
            counted=counted,
        )

    def list_html(self, spaces) -> str:
        """Every space of a shelter as list items; "No spaces yet." for none."""
        if not spaces:
            return NO_SPACES.format(escape(self.texts["none"]))
        return "".join(
            SPACE_ROW.format(name=escape(space.name), free=self.free_html(space))
            for space in spaces
        )


SPACE_FREE = (
    '<span class="badge text-bg-{colour}">{free}/{places} {free_word}</span>\n'
    '<small class="{counted_class}">\n{counted}\n</small>\n'
)
SPACE_ROW = (
    '<li class="list-group-item d-flex flex-wrap justify-content-between gap-1">'
    "<span>{name}</span><span>{free}</span></li>\n"
)
NO_SPACES = '<li class="list-group-item text-body-secondary">{}</li>\n'


@register.simple_tag(takes_context=True)
def space_free(context, space) -> SafeString:
    """One space's free/places badge and when it was counted (the bed-count page's rows)."""
    return mark_safe(_SpaceRowWriter.for_page(context).free_html(space))  # noqa: S308


@register.simple_tag(takes_context=True)
def space_list(context, spaces) -> SafeString:
    """Every space of a shelter as list items, each with its name and `space_free`; "No spaces
    yet." for none. Spaces are `shelter.selectors.SpaceRow`s or Space objects."""
    html = _SpaceRowWriter.for_page(context).list_html(spaces)
    return mark_safe(html)  # noqa: S308  (names escaped there, the rest is ours)


SHELTER_CARD = """
  <div class="card mb-3">
    <div class="card-header d-flex justify-content-between align-items-center">
      <a class="fw-semibold fs-5 list-link" href="{url}">{name}</a>
      <span><span class="badge status-{status}">{status_label}</span> \
<strong>{free}/{places}</strong> {free_word}</span>
    </div>
    <ul class="list-group list-group-flush">
      {spaces}
    </ul>
  </div>
"""


@register.simple_tag(takes_context=True)
def shelter_cards(context, shelters) -> SafeString:
    """My shelters' cards: each shelter's name (a link to its bed count), status, free places
    and its spaces (`space_rows`, see shelter.selectors.shelters_for_user)."""
    writer = _SpaceRowWriter.for_page(context)
    detail_url = pk_url("shelter:detail")
    html = "".join(
        SHELTER_CARD.format(
            url=detail_url(shelter.pk),
            name=escape(shelter.name),
            status=escape(shelter.status),
            status_label=escape(shelter.status_label),
            free=localize(shelter.total_free),
            places=localize(shelter.total_places),
            free_word=writer.texts["free"],
            spaces=writer.list_html(shelter.space_rows),
        )
        for shelter in shelters
    )
    return mark_safe(html)  # noqa: S308  (names escaped here, the rest is ours)


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
    writer = _SpaceRowWriter.for_page(context)
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
                free=writer.free_html(form.space),
                hidden="".join(hidden),
                errors="".join(
                    f'<div class="text-danger">{escape(e)}</div>' for e in form.non_field_errors()
                ),
                occupied=_stepper_html(form["occupied"]),
                places=_stepper_html(form["places"]),
            )
        )
    return mark_safe("".join(rows))  # noqa: S308  (every value escaped above)


RECENT_CHANGE = (
    '\n  <li class="list-group-item">\n'
    '    <time datetime="{iso}">{when}</time> · {space} ·\n'
    "    {reason}:\n"
    "    {change}\n"
    "    {places}\n"
    "    {by}\n"
    "  </li>\n"
)
NO_CHANGES = '\n  <li class="list-group-item text-body-secondary">{}</li>\n'


def _recent_change_html(event, reasons: dict[str, str]) -> str:
    """One history row: when, which space, why, the count and places before and after, who."""
    before, after = event.before, event.after
    if before != after:
        change = f"{localize(before)} → {localize(after)}"
    elif event.places_before == event.places:
        change = gettext("%(n)s confirmed") % {"n": localize(after)}
    else:
        change = localize(after)
    if event.places_before != event.places:
        places = "· " + gettext("places %(before)s → %(after)s") % {
            "before": localize(event.places_before),
            "after": localize(event.places),
        }
    else:
        places = "(" + gettext("of %(places)s") % {"places": localize(event.places)} + ")"
    at = timezone.localtime(event.at)
    return RECENT_CHANGE.format(
        iso=at.isoformat(),
        when=escape(date_format(at, "SHORT_DATETIME_FORMAT")),
        space=escape(event.space_name),
        reason=escape(reasons.get(event.reason, event.reason)),
        change=change,
        places=places,
        by=f"· {escape(event.by_name)}" if event.by_name else "",
    )


@register.simple_tag
def recent_changes(events) -> SafeString:
    """A shelter's latest changes (selectors.RecentChange) as list items, or "Nothing
    recorded yet."."""
    if not events:
        return format_html(NO_CHANGES, gettext("Nothing recorded yet."))
    reasons = {value: str(label) for value, label in OccupancyReason.choices}
    html = "".join(_recent_change_html(event, reasons) for event in events)
    return mark_safe(html + "\n")  # noqa: S308  (names escaped here, the rest is ours)
