"""The alert rules as pure functions: figures and the alerts already active in, changes out.

Kept free of the database so each rule and its hysteresis can be tested with plain numbers;
`services` loads the figures, applies the changes and writes the messages.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from shelter.models import ShelterKind

from .models import AlertKind

CAPACITY_KINDS = {AlertKind.NEARLY_FULL, AlertKind.FULL}
# Places a household has to itself: their filling is good news, never urgent.
PRIVATE_KINDS = {ShelterKind.APARTMENT, ShelterKind.PRIVATE_HOME}


def is_small(kind: str, places: int, *, small_below: int) -> bool:
    """A flat, a private home, or any shelter with fewer than `small_below` places.

    What matters to the city is collective shelters filling and the city running out; a
    small place filling is reported only in its city's grouped alert of the hour.
    """
    return kind in PRIVATE_KINDS or places < small_below


@dataclass
class Changes:
    """Kinds of alert to raise and kinds whose active alert is to be cleared."""

    raise_kinds: list[AlertKind] = field(default_factory=list)
    clear_kinds: list[AlertKind] = field(default_factory=list)


@dataclass(frozen=True)
class Capacity:
    places: int
    taken: int  # occupied + held + blocked
    takes_people: bool  # open or full; standby and closed shelters raise nothing

    @property
    def free(self) -> int:
        return self.places - self.taken

    @property
    def percent(self) -> int:
        return round(100 * self.taken / self.places) if self.places else 0


def capacity_changes(
    figures: Capacity,
    *,
    active: set[str],
    enabled: set[str],
    nearly_full_percent: int,
    room_again_percent: int,
    small: bool = False,
) -> Changes:
    """Nearly full, full and room again for one shelter, with hysteresis.

    Nearly full is raised when taken places reach `nearly_full_percent` of the places, full
    when none is free. Either stays active until taken places fall below
    `room_again_percent`: then both clear and "room again" is raised. So a count bouncing
    around a threshold raises one alert, not one per bounce. Raising nearly full or full
    clears an active "room again".

    A `small` place raises only full (while "small places filled" is enabled), which the
    services record quietly in the city's grouped alert; never nearly full or room again
    (any it still has, from before, are cleared).
    """
    changes = Changes()
    if small:
        enabled = {AlertKind.FULL} if AlertKind.SMALL_FILLED in enabled else set()
        changes.clear_kinds = sorted(active & {AlertKind.NEARLY_FULL, AlertKind.ROOM_AGAIN})
        active = active - {AlertKind.NEARLY_FULL, AlertKind.ROOM_AGAIN}
    high = active & CAPACITY_KINDS
    if not figures.takes_people or figures.places <= 0:
        changes.clear_kinds += sorted(active & {*CAPACITY_KINDS, AlertKind.ROOM_AGAIN})
        return changes
    full = figures.free <= 0
    nearly = figures.taken * 100 >= nearly_full_percent * figures.places
    if full and AlertKind.FULL in enabled and AlertKind.FULL not in active:
        changes.raise_kinds.append(AlertKind.FULL)
    if (
        nearly
        and AlertKind.NEARLY_FULL in enabled
        and not high
        and AlertKind.FULL not in changes.raise_kinds
    ):
        changes.raise_kinds.append(AlertKind.NEARLY_FULL)
    if (full or nearly) and AlertKind.ROOM_AGAIN in active:
        changes.clear_kinds.append(AlertKind.ROOM_AGAIN)
    if high and figures.taken * 100 < room_again_percent * figures.places:
        changes.clear_kinds.extend(sorted(high))
        if AlertKind.ROOM_AGAIN in enabled and AlertKind.ROOM_AGAIN not in active:
            changes.raise_kinds.append(AlertKind.ROOM_AGAIN)
    return changes


@dataclass(frozen=True)
class CityFreePlaces:
    free: int  # across the city's open (and full) shelters
    waiting: int  # people in waiting households


def city_low_changes(
    figures: CityFreePlaces, *, active: bool, enabled: bool, threshold: int, reset: int
) -> Changes:
    """Free places in the city fall below `threshold` or below the people waiting.

    Clears once free places reach `reset` and exceed the people waiting by the same margin
    (`reset - threshold`), so a figure bouncing around either line raises one alert.
    """
    margin = max(reset - threshold, 0)
    low = figures.free < threshold or figures.free < figures.waiting
    recovered = figures.free >= reset and figures.free >= figures.waiting + margin
    if not active and low and enabled:
        return Changes(raise_kinds=[AlertKind.CITY_LOW])
    if active and recovered:
        return Changes(clear_kinds=[AlertKind.CITY_LOW])
    return Changes()


def stale_changes(
    last_counted: datetime | None,
    *,
    now: datetime,
    takes_people: bool,
    active: bool,
    enabled: bool,
    hours: int,
) -> Changes:
    """An open shelter whose spaces nobody has counted for `hours` (a new count clears it)."""
    age = now - last_counted if last_counted is not None else timedelta(0)
    stale = takes_people and age > timedelta(hours=hours)
    if stale and not active and enabled:
        return Changes(raise_kinds=[AlertKind.STALE_DATA])
    if active and not stale:
        return Changes(clear_kinds=[AlertKind.STALE_DATA])
    return Changes()


@dataclass(frozen=True)
class CityMeals:
    portions: int  # every portion offered for today in the city, claimed or not
    people: int  # people staying (occupied places) in the city's open and full shelters


def meals_changes(figures: CityMeals, *, active: bool, enabled: bool) -> Changes:
    """Today's portions in a city are fewer than the people staying in its shelters.

    Claimed portions count: they are reserved for people in the city's shelters. Offers whose
    time window has passed count too, so the evening after the last meal raises nothing.
    """
    short = figures.portions < figures.people
    if short and not active and enabled:
        return Changes(raise_kinds=[AlertKind.MEALS_SHORT])
    if active and not short:
        return Changes(clear_kinds=[AlertKind.MEALS_SHORT])
    return Changes()


def drift_changes(drifting: int, *, active: bool, enabled: bool) -> Changes:
    """Rows whose counter differs from the rows it counts: raised while any drift, cleared
    when none is left (a fix by hand, or the rows caught up)."""
    if drifting and not active and enabled:
        return Changes(raise_kinds=[AlertKind.DATA_DRIFT])
    if active and not drifting:
        return Changes(clear_kinds=[AlertKind.DATA_DRIFT])
    return Changes()
