"""Where a household can go: the matching rules, how fresh a place is, and "find a place".

The same rules and order serve "find a place", moves and the dashboard's "could go to".
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum

from django.conf import settings
from django.db.models import (
    BooleanField,
    Expression,
    ExpressionWrapper,
    F,
    Max,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.utils import timezone

from shelter.models import TAKING_PEOPLE, Shelter, Space
from shelter.selectors import shelters_to_choose

from ..models import Household, Stay
from ..offers.selectors import spaces_checked_for

PLACE_OPTIONS = 20
GOOD_FIT_LEFTOVER = 2  # places left empty in a space that still count as a good fit


def shelter_admits(shelter: Shelter, household) -> bool:
    """The shelter's rules allow the household (mirrors _rules_q), places aside.

    `household` is a Household or anything with its is_family, has_pets, needs_wheelchair and
    women_children_only (the dashboard's groups of waiting households).
    """
    return (
        (shelter.accepts_families or not household.is_family)
        and (shelter.pets_allowed or not household.has_pets)
        and (shelter.wheelchair_accessible or not household.needs_wheelchair)
        and (shelter.women_children_only == household.women_children_only)
        and not (shelter.men_only and (household.is_family or household.women_children_only))
    )


def household_fits(shelter: Shelter, spaces: list[Space]) -> Expression:
    """Whether one of the shelter's `spaces` takes the household together now, as a boolean
    expression on households (mirrors space_takes, for a list too long to check in Python).
    Nobody fits a shelter marked full."""
    largest_free = max((space.free for space in spaces), default=0)
    if shelter.marked_full or largest_free < 1:
        return Value(False)
    family = Q(children__gt=0) | Q(has_infant=True)
    fits = Q(size__lte=largest_free, women_children_only=shelter.women_children_only)
    if not shelter.accepts_families:
        fits &= ~family
    if not shelter.pets_allowed:
        fits &= Q(has_pets=False)
    if not shelter.wheelchair_accessible:
        fits &= Q(needs_wheelchair=False)
    if shelter.men_only:
        fits &= ~family & Q(women_children_only=False)
    return ExpressionWrapper(fits, output_field=BooleanField())


def space_takes(free: int, shelter: Shelter, household: Household) -> bool:
    """The matching rules, in Python, for lists already loaded (mirrors _rules_q)."""
    return free >= household.size and shelter_admits(shelter, household)


def _rules_q(household: Household) -> Q:
    """Shelter rules a household needs, as a filter on spaces."""
    rules = Q(shelter__women_children_only=household.women_children_only)
    if household.is_family:
        rules &= Q(shelter__accepts_families=True) & Q(shelter__men_only=False)
    if household.women_children_only:
        rules &= Q(shelter__men_only=False)
    if household.has_pets:
        rules &= Q(shelter__pets_allowed=True)
    if household.needs_wheelchair:
        rules &= Q(shelter__wheelchair_accessible=True)
    return rules


def stale_before(now: datetime) -> datetime:
    """Counts older than this are possibly out of date (SHELTER_STALE_AFTER_HOURS)."""
    return now - timedelta(hours=settings.SHELTER_STALE_AFTER_HOURS)


class Freshness(IntEnum):
    """How much a shelter's free places can be trusted: its last count of any space."""

    FRESH = 0
    STALE = 1  # counted, but longer ago than SHELTER_STALE_AFTER_HOURS
    NEVER = 2  # nobody has counted it: its places are what was typed when it was added


def freshness(counted_at: datetime | None, *, stale_from: datetime) -> Freshness:
    if counted_at is None:
        return Freshness.NEVER
    return Freshness.STALE if counted_at < stale_from else Freshness.FRESH


def place_rank(
    *, freshness: Freshness, leftover: int, used_percent: int, name: str, pk: int
) -> tuple:
    """The order in which places are offered, by "find a place" and by the dashboard's
    "could go to" alike (sort by it, smallest first).

    Counted and fresh first: a shelter not counted for SHELTER_STALE_AFTER_HOURS comes after
    every fresh one, and one never counted after those (its free places may not be there:
    call first). Within each, good fits (at most GOOD_FIT_LEFTOVER places left empty), then
    the emptiest shelter, so the city fills evenly; then the tightest fit.
    """
    return (freshness, leftover > GOOD_FIT_LEFTOVER, used_percent, leftover, name, pk)


def spaces_taking(household: Household, *, people: int | None = None) -> QuerySet[Space]:
    """Spaces that take the household (`people` of it: all by default) together now: in a
    shelter taking people and not marked full, matching its needs, with `free_now` places."""
    people = household.size if people is None else people
    spaces = (
        Space.objects.filter(shelter__status__in=TAKING_PEOPLE, shelter__marked_full=False)
        .filter(_rules_q(household))
        .annotate(free_now=F("places") - F("blocked") - F("held") - F("occupied"))
        .filter(free_now__gte=people)
    )
    return spaces_checked_for(household, spaces)  # residents' homes not visited yet


@dataclass
class PlaceOption:
    space: Space
    free: int
    leftover: int  # places of the space that would stay empty
    shelter_used_percent: int
    distance_km: float | None
    counted_at: datetime | None  # the shelter's last count (any of its spaces)
    freshness: Freshness
    can_check_in: bool = False  # set by the view for the user looking

    @property
    def good_fit(self) -> bool:
        return self.leftover <= GOOD_FIT_LEFTOVER

    @property
    def stale(self) -> bool:
        """Counted too long ago, or never: call the shelter before sending anyone."""
        return self.freshness != Freshness.FRESH


def _distance_km(a: Shelter | None, b: Shelter) -> float | None:
    if a is None or a.latitude is None or b.latitude is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, [a.latitude, a.longitude, b.latitude, b.longitude])
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return round(6371 * 2 * math.asin(math.sqrt(h)), 1)


def places_for_household(
    household: Household, *, limit: int = PLACE_OPTIONS, now: datetime | None = None
) -> list[PlaceOption]:
    """Open spaces that take the whole household together and match its needs (spaces_taking),
    in the order of place_rank: fresh counts first, stale or never counted ones after them.

    How fresh is the shelter's, as on the public page and the dashboard: its last count of
    any space.
    """
    stale_from = stale_before(now or timezone.now())
    taking = spaces_taking(household)
    # The sums of the shelters with such a space, once each: a few hundred rows, where sums
    # per space row would sum every shelter again for each of its spaces.
    shelters = {
        row["shelter_id"]: row
        for row in Space.objects.filter(shelter__in=taking.values("shelter_id"))
        .values("shelter_id")
        .annotate(
            taken=Sum(F("occupied") + F("held") + F("blocked")),
            places=Sum("places"),
            counted_at=Max("counted_at"),
        )
        .order_by()
    }
    ranked = []
    unchecked = set()  # residents' homes nobody has visited yet (spaces_checked_for)
    # Unsorted: every row is ranked below (the spaces' own ordering would sort them first).
    for pk, shelter_id, free, shelter_name, host_unchecked in taking.order_by().values_list(
        "pk", "shelter_id", "free_now", "shelter__name", "host_unchecked"
    ):
        if host_unchecked:
            unchecked.add(pk)
        sums = shelters[shelter_id]
        used = round(100 * (sums["taken"] or 0) / sums["places"]) if sums["places"] else 100
        counted_at = sums["counted_at"]  # as on the public page: the shelter's last count
        fresh = freshness(counted_at, stale_from=stale_from)
        leftover = free - household.size
        rank = place_rank(
            freshness=fresh, leftover=leftover, used_percent=used, name=shelter_name, pk=pk
        )
        ranked.append((rank, pk, free, leftover, used, counted_at, fresh))
    ranked.sort()
    best = ranked[:limit]
    spaces = Space.objects.select_related("shelter").in_bulk([row[1] for row in best])
    for pk, space in spaces.items():
        space.host_unchecked = pk in unchecked  # marked "not yet checked" in the list
    return [
        PlaceOption(
            space=spaces[pk],
            free=free,
            leftover=leftover,
            shelter_used_percent=used,
            distance_km=_distance_km(household.registered_at, spaces[pk].shelter),
            counted_at=counted_at,
            freshness=fresh,
        )
        for _rank, pk, free, leftover, used, counted_at, fresh in best
    ]


def spaces_for_move(user, stay: Stay) -> QuerySet[Space]:
    """Where a staying household can be moved: spaces of the user's shelters that take all of
    it together now (spaces_taking), never the one it is in."""
    return (
        spaces_taking(stay.household, people=stay.people)
        .filter(shelter__in=shelters_to_choose(user))
        .exclude(pk=stay.space_id)
        .select_related("shelter")
        .order_by("shelter__name", "name", "pk")
    )
