"""What an alert says, written from what it means, in the reader's language.

An alert stores its kind and `params` (shelter and city names, figures, when they were
computed; never a household's data). Each reader gets the sentence in their own language: the
page in the request's, an email in its recipient's (`AlertDelivery.language`), and the
webhook's `message` and the stored `Alert.message` in the site's (LANGUAGE_CODE). Alerts raised
before `params` existed have none and show their stored `message`.

Figures are those of the moment in `params["as_of"]`, shown as "(as of 21:40)", so a text never
contradicts the live figures next to it without saying why.
"""

from collections.abc import Callable
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from .models import AlertKind

NAMES_IN_TEXT = 5  # a grouped alert names this many places, then "…"


def _moment(value: str | None) -> str:
    """An ISO time as "21:40" today, "2022-09-26 21:40" another day (local time)."""
    if not value:
        return "-"
    moment = timezone.localtime(datetime.fromisoformat(value))
    same_day = moment.date() == timezone.localdate()
    return dateformat.format(moment, "H:i" if same_day else "Y-m-d H:i")


def _names(names: list[str], count: int) -> str:
    shown = ", ".join(names[:NAMES_IN_TEXT])
    return shown + ", …" if count > min(len(names), NAMES_IN_TEXT) else shown


def _full(p: dict) -> str:
    return _("%(shelter)s is full: all %(places)d places are taken.") % p


def _nearly_full(p: dict) -> str:
    return (
        _(
            "%(shelter)s is nearly full: %(taken)d of %(places)d places taken "
            "(%(percent)d%%), %(free)d free."
        )
        % p
    )


def _room_again(p: dict) -> str:
    return (
        _("%(shelter)s has room again: %(free)d of %(places)d places free (%(percent)d%% taken).")
        % p
    )


def _city_low(p: dict) -> str:
    return (
        _("%(city)s: only %(free)d free places left in open shelters; %(waiting)d people waiting.")
        % p
    )


def _stale(p: dict) -> str:
    return _("%(shelter)s: no count for over %(hours)d hours (last at %(when)s).") % {
        "shelter": p["shelter"],
        "hours": p["hours"],
        "when": _moment(p["last"]),
    }


def _meals(p: dict) -> str:
    return (
        _(
            "%(city)s: %(portions)d meal portions offered for today, "
            "%(people)d people staying in shelters."
        )
        % p
    )


DRIFT_TEXTS = {
    "held": lambda n: ngettext(
        "Held places differ from the active holds in %(count)d space (ids: %(ids)s).",
        "Held places differ from the active holds in %(count)d spaces (ids: %(ids)s).",
        n,
    ),
    "claimed": lambda n: ngettext(
        "Claimed portions differ from the unreleased claims in %(count)d meal offer "
        "(ids: %(ids)s).",
        "Claimed portions differ from the unreleased claims in %(count)d meal offers "
        "(ids: %(ids)s).",
        n,
    ),
    "occupancy": lambda n: ngettext(
        "Occupancy or places differ from the history in %(count)d space (ids: %(ids)s).",
        "Occupancy or places differ from the history in %(count)d spaces (ids: %(ids)s).",
        n,
    ),
    "households": lambda n: ngettext(
        "The status does not match the stays and holds of %(count)d household (ids: %(ids)s).",
        "The status does not match the stays and holds of %(count)d households (ids: %(ids)s).",
        n,
    ),
}


def _drift(p: dict) -> str:
    ids = ", ".join(str(pk) for pk in p["ids"])
    if p["count"] > len(p["ids"]):
        ids += ", …"
    return DRIFT_TEXTS[p["check"]](p["count"]) % {"count": p["count"], "ids": ids}


def _small_filled(p: dict) -> str:
    count = len(p["shelter_ids"])
    start = timezone.localtime(datetime.fromisoformat(p["start"]))
    return ngettext(
        "%(city)s: %(count)d flat or small place filled between %(start)s and %(end)s: %(names)s.",
        "%(city)s: %(count)d flats or small places filled between %(start)s and %(end)s: "
        "%(names)s.",
        count,
    ) % {
        "city": p["city"],
        "count": count,
        "start": dateformat.format(start, "H:i"),
        "end": dateformat.format(timezone.localtime(start + timedelta(hours=1)), "H:i"),
        "names": _names(p["names"], count),
    }


def _offers_waiting(p: dict) -> str:
    return ngettext(
        "%(count)d offer of a place from residents has waited over %(hours)d hours for a "
        "coordinator's call.",
        "%(count)d offers of places from residents have waited over %(hours)d hours for a "
        "coordinator's call.",
        p["count"],
    ) % {"count": p["count"], "hours": p["hours"]}


WRITERS: dict[str, Callable[[dict], str]] = {
    AlertKind.FULL: _full,
    AlertKind.NEARLY_FULL: _nearly_full,
    AlertKind.ROOM_AGAIN: _room_again,
    AlertKind.CITY_LOW: _city_low,
    AlertKind.STALE_DATA: _stale,
    AlertKind.MEALS_SHORT: _meals,
    AlertKind.DATA_DRIFT: _drift,
    AlertKind.SMALL_FILLED: _small_filled,
    AlertKind.OFFERS_WAITING: _offers_waiting,
}


def write(kind: str, params: dict) -> str:
    """The sentence for `kind` and `params` in the active language.

    Raises KeyError, TypeError or ValueError for params that do not fit the kind.
    """
    text = WRITERS[kind](params)
    if params.get("as_of"):
        text = _("%(text)s (as of %(time)s)") % {"text": text, "time": _moment(params["as_of"])}
    return text


def write_in_site_language(kind: str, params: dict) -> str:
    """What `Alert.message` stores: the text for everyone who reads no language of their own."""
    with translation.override(settings.LANGUAGE_CODE):
        return write(kind, params)[:500]


def alert_text(alert) -> str:
    """The alert's text in the active language; its stored message when it has no params."""
    if not alert.params:
        return alert.message  # raised before alerts kept their figures
    try:
        return write(alert.kind, alert.params)
    except (KeyError, TypeError, ValueError):
        return alert.message  # figures of a shape this version does not know


def alert_text_in(alert, language: str | None) -> str:
    with translation.override(language or settings.LANGUAGE_CODE):
        return alert_text(alert)
