"""Reads for coordination pages and tasks, loaded in a fixed number of queries."""

import math
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet, Sum

from shelter.models import TAKING_PEOPLE, Shelter, Space

from .access import households_visible_to
from .models import Hold, HoldStatus, Household, HouseholdStatus, Stay

PLACE_OPTIONS = 20
GOOD_FIT_LEFTOVER = 2  # places left empty in a space that still count as a good fit


def household_duplicates(*, contact_name: str, phone: str) -> list[Household]:
    """Waiting or placed households with the same name and phone (case and spaces ignored)."""
    digits = "".join(ch for ch in phone if ch.isalnum())
    candidates = Household.objects.active().filter(contact_name__iexact=contact_name.strip())
    return [h for h in candidates if "".join(ch for ch in h.phone if ch.isalnum()) == digits]


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


def _active_hold() -> Prefetch:
    return Prefetch(
        "holds",
        queryset=Hold.objects.filter(status=HoldStatus.ACTIVE).select_related("space__shelter"),
        to_attr="active_holds",
    )


def waiting_list(user, *, fitting_shelter: Shelter | None = None) -> list[Household]:
    """Waiting households the user may see, oldest first; those fitting a shelter first."""
    households = list(
        households_visible_to(user)
        .filter(status=HouseholdStatus.WAITING)
        .order_by("waiting_since", "pk")
        .prefetch_related(_active_hold())
    )
    if fitting_shelter is None:
        return households
    spaces = list(fitting_shelter.spaces.all())
    for household in households:
        household.fits = not fitting_shelter.marked_full and any(
            _space_takes(space.free, fitting_shelter, household) for space in spaces
        )
    return sorted(households, key=lambda h: not h.fits)  # stable: oldest first within each


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


@dataclass
class PlaceOption:
    space: Space
    free: int
    leftover: int  # places of the space that would stay empty
    shelter_used_percent: int
    distance_km: float | None
    can_check_in: bool = False  # set by the view for the user looking

    @property
    def good_fit(self) -> bool:
        return self.leftover <= GOOD_FIT_LEFTOVER


def _distance_km(a: Shelter | None, b: Shelter) -> float | None:
    if a is None or a.latitude is None or b.latitude is None:
        return None
    lat1, lon1, lat2, lon2 = map(math.radians, [a.latitude, a.longitude, b.latitude, b.longitude])
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return round(6371 * 2 * math.asin(math.sqrt(h)), 1)


def places_for_household(household: Household, *, limit: int = PLACE_OPTIONS) -> list[PlaceOption]:
    """Open spaces that take the whole household together and match its needs.

    Shelters a coordinator marked full are left out whatever their free places say.

    Ranked: good fits first (at most GOOD_FIT_LEFTOVER places left empty), and within each
    group the emptiest shelter first, so the city fills evenly; then the tightest fit.
    """
    shelter_totals = Space.objects.filter(shelter=OuterRef("shelter")).values("shelter")
    spaces = (
        Space.objects.filter(shelter__status__in=TAKING_PEOPLE, shelter__marked_full=False)
        .filter(_rules_q(household))
        .annotate(free_now=F("places") - F("blocked") - F("held") - F("occupied"))
        .filter(free_now__gte=household.size)
        .annotate(
            shelter_taken=shelter_totals.annotate(
                t=Sum(F("occupied") + F("held") + F("blocked"))
            ).values("t"),
            shelter_places=shelter_totals.annotate(t=Sum("places")).values("t"),
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
        leftover = space.free_now - household.size
        options.append(
            (
                (leftover > GOOD_FIT_LEFTOVER, used, leftover, space.shelter.name, space.pk),
                space,
                used,
            )
        )
    options.sort(key=lambda row: row[0])
    origin = household.registered_at
    return [
        PlaceOption(
            space=space,
            free=space.free_now,
            leftover=space.free_now - household.size,
            shelter_used_percent=used,
            distance_km=_distance_km(origin, space.shelter),
        )
        for _key, space, used in options[:limit]
    ]
