"""Reads for coordination pages and tasks, loaded in a fixed number of queries."""

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import IntEnum

from django.conf import settings
from django.db.models import Exists, F, Max, OuterRef, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Replace
from django.utils import timezone

from shelter.access import is_coordinator
from shelter.models import TAKING_PEOPLE, Shelter, Space
from shelter.selectors import shelters_to_choose

from .access import households_visible_to, shelters_taking_from_city
from .models import Hold, HoldStatus, Household, HouseholdStatus, Stay
from .offers.selectors import spaces_checked_for

PLACE_OPTIONS = 20
GOOD_FIT_LEFTOVER = 2  # places left empty in a space that still count as a good fit


def _phone_key(phone: str) -> str:
    return "".join(ch for ch in phone if ch.isalnum())


def household_duplicates(
    *, contact_name: str, phone: str, size: int | None = None
) -> list[Household]:
    """Waiting or placed households that may be this one, by the same name (case and spaces
    ignored) and either the same phone (separators ignored; both without a phone is the
    same too), or, when one of the two has no phone, the same size: a family registered
    twice without a phone, or once with and once without. Two different phones are two
    households."""
    digits = _phone_key(phone)
    candidates = (
        Household.objects.active()
        .filter(contact_name__iexact=" ".join(contact_name.split()))
        .select_related("registered_at")
    )

    def same(household: Household) -> bool:
        theirs = _phone_key(household.phone)
        if theirs == digits:
            return True
        one_without_phone = not theirs or not digits
        return one_without_phone and size is not None and household.size == size

    return [h for h in candidates if same(h)]


def households_to_purge(*, inactive_since: datetime) -> QuerySet[Household]:
    """Households whose personal data is due: nothing happened to them since `inactive_since`,
    not checked in anywhere, not anonymised yet. Any status: waiting, placed or left.

    What counts as something happening: registration, a hold made or ended (released, expired,
    used to check in), a check-in, a check-out (the latest of created_at, waiting_since, the
    holds' created_at and ended_at, the stays' checked_in_at and checked_out_at, left_at). A
    household checked in (an open stay) is never due, however long it stays: its people are
    in a bed tonight. An active hold older than that (its expiry never ran) does not keep it:
    the purge gives those places back.
    """
    since = inactive_since
    recent_stay = Stay.objects.filter(household=OuterRef("pk")).filter(
        Q(checked_out_at__isnull=True) | Q(checked_in_at__gte=since) | Q(checked_out_at__gte=since)
    )
    recent_hold = Hold.objects.filter(household=OuterRef("pk")).filter(
        Q(created_at__gte=since) | Q(ended_at__gte=since)
    )
    return (
        # coord_household_purge_idx: not anonymised, by registration time
        Household.objects.filter(anonymised_at__isnull=True, created_at__lt=since)
        .filter(waiting_since__lt=since)
        .exclude(left_at__gte=since)
        .exclude(Exists(recent_stay))
        .exclude(Exists(recent_hold))
    )


def households_checked_in_unchanged(*, since: datetime) -> int:
    """Households checked in before `since` and not moved or out since: the purge keeps their
    data while they stay; a list for coordinators to check they have not left unrecorded."""
    return Stay.objects.filter(
        checked_out_at__isnull=True,
        checked_in_at__lt=since,
        household__anonymised_at__isnull=True,
    ).count()


@dataclass(frozen=True)
class Duplicates:
    """Possible duplicates of a household being registered, as one user may learn of them.

    `seen` are the ones the user may open (coordination.access); of the others only that
    there are some: where they are, since when and how they are doing is personal data of
    another shelter's people (with no phone, a name alone matches).
    """

    seen: list[Household]
    elsewhere: bool

    def __bool__(self) -> bool:
        return bool(self.seen) or self.elsewhere


def household_duplicates_for(
    user, *, contact_name: str, phone: str, size: int | None = None
) -> Duplicates:
    """Possible duplicates (household_duplicates), split by what the user may see."""
    found = household_duplicates(contact_name=contact_name, phone=phone, size=size)
    if not found:
        return Duplicates(seen=[], elsewhere=False)
    visible = set(
        households_visible_to(user)
        .filter(pk__in=[h.pk for h in found])
        .values_list("pk", flat=True)
    )
    seen = [h for h in found if h.pk in visible]
    return Duplicates(seen=seen, elsewhere=len(seen) < len(found))


def _active_hold() -> Prefetch:
    return Prefetch(
        "holds",
        queryset=Hold.objects.filter(status=HoldStatus.ACTIVE).select_related(
            "space__shelter", "created_by"
        ),
        to_attr="active_holds",
    )


CODE_SEARCH = re.compile(r"#?\s*(\d{1,18})")  # "#123" or "123": a household's id
PHONE_SEARCH_DIGITS = 3  # fewer digits than this would match almost every phone


def _phone_digits(field: str):
    """The phone with the usual separators taken out, in the database (SQLite has no regex)."""
    expression = F(field)
    for separator in " -()+./":
        expression = Replace(expression, Value(separator), Value(""))
    return expression


@dataclass(frozen=True)
class HouseholdSearch:
    """What was typed in the waiting list's search box: a name, a phone or a code ("#123").

    Name and phone are searched only among households the user may see; the code alone is
    searched among the others too (finding a code tells nothing personal).
    """

    text: str = ""

    @property
    def code(self) -> int | None:
        match = CODE_SEARCH.fullmatch(self.text)
        return int(match.group(1)) if match else None

    def visible(self, households: QuerySet[Household]) -> QuerySet[Household]:
        if not self.text:
            return households
        if self.text.startswith("#"):
            return households.filter(pk=self.code) if self.code else households.none()
        matches = Q(contact_name__icontains=self.text)
        digits = re.sub(r"\D", "", self.text)
        if len(digits) >= PHONE_SEARCH_DIGITS:
            households = households.annotate(phone_digits=_phone_digits("phone"))
            matches |= Q(phone_digits__contains=digits)
        if self.code is not None:
            matches |= Q(pk=self.code)
        return households.filter(matches)

    def others(self, households: QuerySet[Household]) -> QuerySet[Household]:
        if not self.text:
            return households
        return households.filter(pk=self.code) if self.code else households.none()


def household_search(text: str) -> HouseholdSearch:
    """What was typed, tidied: spaces collapsed, no control characters (a NUL would make
    PostgreSQL refuse the query), at most 80 characters."""
    printable = "".join(ch for ch in text if ch.isprintable())
    return HouseholdSearch(text=" ".join(printable.split())[:80])


@dataclass
class WaitingElsewhere:
    """A household on the city's waiting list that the user may not see: no personal data,
    only what is needed to take it (size, needs, since when, where registered)."""

    pk: int
    size: int
    children: int
    has_infant: bool
    has_pets: bool
    needs_wheelchair: bool
    needs_medical: bool
    women_children_only: bool
    waiting_since: datetime
    registered_at_name: str | None
    take_space: Space | None = None  # the user's best space for it, if one fits

    @property
    def code(self) -> str:
        return f"#{self.pk}"

    @property
    def is_family(self) -> bool:
        return self.children > 0 or self.has_infant


WAITING_ELSEWHERE_SHOWN = 50
# The columns read for those households: never a name, a phone or a note.
_ELSEWHERE_FIELDS = (
    "pk",
    "size",
    "children",
    "has_infant",
    "has_pets",
    "needs_wheelchair",
    "needs_medical",
    "women_children_only",
    "waiting_since",
)


@dataclass
class WaitingList:
    households: list[Household]  # waiting for a place, the user may see them
    on_the_way: list[Household]  # held somewhere: each with its active hold (`active_holds`)
    elsewhere: list[WaitingElsewhere]  # the city's other waiting households (see below)
    elsewhere_more: bool  # more than WAITING_ELSEWHERE_SHOWN of them
    may_take: bool  # the user works in a shelter taking people: the city's list is shown
    search: HouseholdSearch


def waiting_list(
    user, *, fitting_shelter: Shelter | None = None, search: HouseholdSearch | None = None
) -> WaitingList:
    """The waiting list as the user may see it, oldest first.

    Households the user may see, in full: those waiting for a place (those fitting
    `fitting_shelter` first) and, apart, those on their way to a hold (not waiting for a
    place any more). A volunteer whose shelter takes people also gets the other households
    of its city (registered there or nowhere) waiting for a place, without personal data,
    each with the best space of their own shelters that would take it (a hold there makes
    it theirs to see).

    Queries: 1 households with who registered them, 2 their active holds with space, shelter
    and who made them; for a volunteer of a shelter taking people, 3 the city's others, 4 the
    spaces of their shelters; with `fitting_shelter`, 5 its spaces.
    """
    search = search or HouseholdSearch()
    visible = list(
        search.visible(households_visible_to(user).filter(status=HouseholdStatus.WAITING))
        .select_related("registered_by", "registered_at")
        .order_by("waiting_since", "pk")
        .prefetch_related(_active_hold())
    )
    households = [h for h in visible if not h.active_holds]
    elsewhere, more, may_take = _waiting_elsewhere(user, search)
    if fitting_shelter is not None:
        spaces = list(fitting_shelter.spaces.all())
        for household in households:
            household.fits = not fitting_shelter.marked_full and any(
                _space_takes(space.free, fitting_shelter, household) for space in spaces
            )
        households.sort(key=lambda h: not h.fits)  # stable: oldest first within each
    return WaitingList(
        households=households,
        on_the_way=[h for h in visible if h.active_holds],
        elsewhere=elsewhere,
        elsewhere_more=more,
        may_take=may_take,
        search=search,
    )


def _waiting_elsewhere(user, search: HouseholdSearch) -> tuple[list[WaitingElsewhere], bool, bool]:
    if is_coordinator(user):
        return [], False, False  # they see every household in full already
    spaces = list(
        Space.objects.filter(shelter__in=shelters_taking_from_city(user)).select_related("shelter")
    )
    if not spaces:
        return [], False, False
    # Their city (cities): households registered there, or at no shelter (at the station).
    cities = {space.shelter.city for space in spaces}
    rows = list(
        search.others(
            Household.objects.waiting_for_place()
            .filter(Q(registered_at__city__in=cities) | Q(registered_at__isnull=True))
            .exclude(pk__in=households_visible_to(user).values("pk"))
        )
        .annotate(registered_at_name=F("registered_at__name"))
        .values(*_ELSEWHERE_FIELDS, "registered_at_name")[: WAITING_ELSEWHERE_SHOWN + 1]
    )
    elsewhere = [WaitingElsewhere(**row) for row in rows[:WAITING_ELSEWHERE_SHOWN]]
    for household in elsewhere:
        fitting = [s for s in spaces if _space_takes(s.free, s.shelter, household)]
        if fitting:  # the tightest fit: the big rooms stay for big groups
            household.take_space = min(fitting, key=lambda s: (s.free, s.shelter.name, s.pk))
    return elsewhere, len(rows) > WAITING_ELSEWHERE_SHOWN, True


def household_active_hold(household_id: int) -> Hold | None:
    """The household's active hold (where it is on its way to, and who made it), if any."""
    return (
        Hold.objects.filter(household_id=household_id, status=HoldStatus.ACTIVE)
        .select_related("space__shelter", "created_by")
        .first()
    )


def household_detail(household_id: int) -> Household:
    return (
        Household.objects.select_related("registered_by", "registered_at")
        .prefetch_related(
            Prefetch(
                "stays",
                queryset=Stay.objects.select_related(
                    "space__shelter", "checked_in_by", "checked_out_by"
                ).order_by("-checked_in_at"),
            ),
            Prefetch(
                "holds",
                queryset=Hold.objects.select_related(
                    "space__shelter", "created_by", "ended_by"
                ).order_by("-created_at"),
            ),
        )
        .get(pk=household_id)
    )


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


def _space_takes(free: int, shelter: Shelter, household: Household) -> bool:
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
    shelter_spaces = Space.objects.filter(shelter=OuterRef("shelter")).values("shelter")
    spaces = (
        spaces_taking(household)
        .annotate(
            shelter_taken=shelter_spaces.annotate(
                t=Sum(F("occupied") + F("held") + F("blocked"))
            ).values("t"),
            shelter_places=shelter_spaces.annotate(t=Sum("places")).values("t"),
            shelter_counted_at=shelter_spaces.annotate(t=Max("counted_at")).values("t"),
        )
        .select_related("shelter")
    )
    options = []
    for space in spaces:
        used = (
            round(100 * (space.shelter_taken or 0) / space.shelter_places)
            if space.shelter_places
            else 100
        )
        counted_at = space.shelter_counted_at  # as on the public page: the shelter's last count
        options.append(
            PlaceOption(
                space=space,
                free=space.free_now,
                leftover=space.free_now - household.size,
                shelter_used_percent=used,
                distance_km=_distance_km(household.registered_at, space.shelter),
                counted_at=counted_at,
                freshness=freshness(counted_at, stale_from=stale_from),
            )
        )
    options.sort(
        key=lambda o: place_rank(
            freshness=o.freshness,
            leftover=o.leftover,
            used_percent=o.shelter_used_percent,
            name=o.space.shelter.name,
            pk=o.space.pk,
        )
    )
    return options[:limit]


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


@dataclass
class ShelterArrivals:
    """What the receiving shelter's page shows of households (coordination's section)."""

    expected: list[Hold]  # active holds in its spaces: households on their way, soonest first
    check_outs: list[Stay]  # its check-outs that can still be undone, newest first
    undo_minutes: int


def shelter_arrivals(shelter_id: int, *, now: datetime) -> ShelterArrivals:
    """Queries: 1 the active holds with household, who registered it and where, the space and
    who made the hold; 2 the check-outs of the last CHECK_OUT_UNDO_MINUTES still undoable."""
    minutes = settings.CHECK_OUT_UNDO_MINUTES
    expected = (
        Hold.objects.filter(space__shelter_id=shelter_id, status=HoldStatus.ACTIVE)
        .select_related(
            "household__registered_by", "household__registered_at", "space__shelter", "created_by"
        )
        .order_by("expires_at", "pk")
    )
    check_outs = (
        Stay.objects.check_outs_undoable(since=now - timedelta(minutes=minutes))
        .filter(space__shelter_id=shelter_id)
        .select_related("space", "household", "checked_out_by")
        .order_by("-checked_out_at", "-pk")
    )
    return ShelterArrivals(
        expected=list(expected), check_outs=list(check_outs), undo_minutes=minutes
    )
