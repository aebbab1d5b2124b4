"""Reads for the coordinators' dashboard: the whole city in a fixed number of queries.

Every shelter is read once with its sums (a city has hundreds, not millions); households,
meals and the history are summed in the database. What a page shows is worked out here, so
templates only print.
"""

import heapq
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from enum import IntEnum

from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from shelter.models import (
    TAKING_PEOPLE,
    AuditEntry,
    Shelter,
    ShelterKind,
    ShelterMembership,
    ShelterStatus,
    Space,
)
from shelter.selectors import (
    OccupancyPoint,
    last_hours,
    occupancy_history,
    shelter_with_space_rows,
)

from ..alerts.models import Alert
from ..alerts.selectors import alerts_open_newest
from ..households.places import Freshness, freshness, place_rank, shelter_admits, stale_before
from ..models import Household, MealOffer
from ..offers.models import HostOffer

NEARLY_FULL_PERCENT = 90  # of places taken (occupied, held or blocked)
LARGEST_SIZE_GROUP = 8  # households of 8 people or more are summarised together
SHELTERS_SHOWN_PER_GROUP = 3


class Urgency(IntEnum):
    """The shelters table's order: what needs a coordinator first."""

    FULL = 0
    NEARLY_FULL = 1
    STALE = 2
    OK = 3
    NOT_TAKING = 4  # standby or closed: nobody to worry about tonight


@dataclass(slots=True)
class ShelterFigures:
    """A shelter as the dashboard and its export show it, read as plain values with its sums.

    The dashboard reads every shelter of the city (500) on each load: building a Shelter
    model for each cost more than reading them. The fields not read are worked out by
    _add_figures.
    """

    pk: int
    name: str
    kind: str
    address: str
    city: str
    district: str
    latitude: Decimal | None
    longitude: Decimal | None
    phone: str
    accepts_families: bool
    women_children_only: bool
    men_only: bool
    pets_allowed: bool
    wheelchair_accessible: bool
    status: str
    marked_full: bool
    total_places: int
    total_occupied: int
    total_held: int
    total_blocked: int
    total_free: int
    largest_free: int  # the most free places in one space
    last_counted_at: datetime | None
    last_counted_by: str | None
    host_unchecked: bool  # a resident's home nobody has visited yet
    open_alerts: int = field(default=0, init=False)  # set by dashboard()
    used_percent: int = field(default=0, init=False)
    freshness: Freshness = field(default=Freshness.NEVER, init=False)
    is_stale: bool = field(default=False, init=False)
    free_now: int = field(default=0, init=False)
    urgency: Urgency = field(default=Urgency.OK, init=False)

    @property
    def takes_people(self) -> bool:
        return self.status in TAKING_PEOPLE


# What the query reads, in the order of ShelterFigures: neither the dashboard nor its export
# shows the rest of a shelter.
FIGURES_READ = [f.name for f in fields(ShelterFigures) if f.init]


@dataclass(frozen=True)
class DashboardFilters:
    city: str = ""
    kind: str = ""
    status: str = ""

    @classmethod
    def from_query(cls, query, cities: list[str]) -> "DashboardFilters":
        """Unknown values are ignored, not refused: a stale bookmark still opens the page."""
        city = query.get("city", "")
        kind = query.get("kind", "")
        status = query.get("status", "")
        return cls(
            city=city if city in cities else "",
            kind=kind if kind in ShelterKind.values else "",
            status=status if status in ShelterStatus.values else "",
        )

    def as_dict(self) -> dict[str, str]:
        return {name: value for name, value in vars(self).items() if value}

    def admits(self, shelter: ShelterFigures) -> bool:
        return (
            (not self.city or shelter.city == self.city)
            and (not self.kind or shelter.kind == self.kind)
            and (not self.status or shelter.status == self.status)
        )


@dataclass(frozen=True)
class CityTotals:
    """Places in shelters taking people now; free leaves out shelters marked full.

    People staying in shelters on standby (which take nobody new) are counted apart.
    """

    places: int
    occupied: int
    free: int
    occupied_standby: int
    shelters_taking: int
    waiting_households: int
    waiting_people: int
    arrivals_today: int
    meals_offered: int
    meals_claimed: int

    @property
    def used_percent(self) -> int:
        return round(100 * (self.places - self.free) / self.places) if self.places else 0


@dataclass
class WaitingGroup:
    """Waiting households of one size and the same needs, and where they could go."""

    size: int  # LARGEST_SIZE_GROUP stands for "this many or more"
    is_family: bool
    women_children_only: bool
    has_pets: bool
    needs_wheelchair: bool
    needs_medical: bool
    households: int = 0
    people: int = 0
    largest: int = 0  # the biggest household of the group: the shelters listed fit it
    oldest: datetime | None = None
    shelters: list[ShelterFigures] = field(default_factory=list)
    shelters_count: int = 0

    @property
    def size_label(self) -> str:
        return f"{self.size}+" if self.size >= LARGEST_SIZE_GROUP else str(self.size)

    @property
    def more_shelters(self) -> int:
        return self.shelters_count - len(self.shelters)


@dataclass
class Dashboard:
    now: datetime
    filters: DashboardFilters
    cities: list[str]
    totals: CityTotals
    shelters: list[ShelterFigures]  # filtered, most urgent first
    shelters_total: int  # before the kind and status filters
    waiting: list[WaitingGroup]
    history_day: list[OccupancyPoint]
    history_week: list[OccupancyPoint]
    # The newest unacknowledged alerts the coordinator sees (their in-app subscriptions),
    # and how many there are; each shelter's own count is its `open_alerts`.
    open_alerts: list[Alert] = field(default_factory=list)
    open_alerts_count: int = 0


def shelters_with_figures() -> list[ShelterFigures]:
    """Every shelter with its sums, largest free space, and when and by whom it was last counted.

    One query: sums and maxima over the spaces, the last counter by a subquery per shelter
    (a handful of spaces each, on the space's shelter index).
    """
    last_count = Space.objects.filter(shelter=OuterRef("pk"), counted_at__isnull=False).order_by(
        "-counted_at", "-pk"
    )
    rows = (
        Shelter.objects.with_counts()
        .annotate(
            largest_free=Coalesce(
                Max(
                    F("spaces__places")
                    - F("spaces__blocked")
                    - F("spaces__held")
                    - F("spaces__occupied")
                ),
                0,
            ),
            last_counted_at=Max("spaces__counted_at"),
            # A bare subquery runs once a shelter; wrapped (in Coalesce(...)) it would be
            # grouped on as a whole and run once for every space row (5,000 at 500 shelters).
            last_counted_by=Subquery(last_count.values("counted_by__username")[:1]),
            # A resident's home nobody has visited: never "could go to" for women and children.
            host_unchecked=Exists(
                HostOffer.objects.filter(shelter=OuterRef("pk"), visited_at__isnull=True)
            ),
        )
        .order_by("name", "pk")
        .values_list(*FIGURES_READ)
    )
    return [ShelterFigures(*row) for row in rows]


def _add_figures(shelter: ShelterFigures, stale_from: datetime) -> ShelterFigures:
    """Per-row figures the table shows: used percent, staleness, urgency."""
    taken = shelter.total_places - shelter.total_free
    shelter.used_percent = round(100 * taken / shelter.total_places) if shelter.total_places else 0
    shelter.freshness = freshness(shelter.last_counted_at, stale_from=stale_from)
    shelter.is_stale = shelter.freshness != Freshness.FRESH
    shelter.free_now = 0 if shelter.marked_full else max(shelter.total_free, 0)
    if not shelter.takes_people:
        shelter.urgency = Urgency.NOT_TAKING
    elif shelter.marked_full or shelter.total_free <= 0:
        shelter.urgency = Urgency.FULL
    elif shelter.used_percent >= NEARLY_FULL_PERCENT:
        shelter.urgency = Urgency.NEARLY_FULL
    elif shelter.is_stale:
        shelter.urgency = Urgency.STALE
    else:
        shelter.urgency = Urgency.OK
    return shelter


def by_urgency(shelters: list[ShelterFigures]) -> list[ShelterFigures]:
    """Full, then nearly full, then stale, then the rest; fullest first within each."""
    return sorted(shelters, key=lambda s: (s.urgency, -s.used_percent, s.name, s.pk))


def _waiting_groups() -> list[WaitingGroup]:
    """Households waiting for a place (not those on their way to a hold) counted by size and
    needs, in the database (one query)."""
    family = ExpressionWrapper(Q(children__gt=0) | Q(has_infant=True), output_field=BooleanField())
    rows = (
        Household.objects.waiting_for_place()
        .annotate(family=family)
        .values(
            "size",
            "family",
            "women_children_only",
            "has_pets",
            "needs_wheelchair",
            "needs_medical",
        )
        .annotate(households=Count("pk"), oldest=Min("waiting_since"))
        .order_by()
    )
    groups: dict[tuple, WaitingGroup] = {}
    for row in rows:
        size = min(row["size"], LARGEST_SIZE_GROUP)
        needs = (
            row["family"],
            row["women_children_only"],
            row["has_pets"],
            row["needs_wheelchair"],
            row["needs_medical"],
        )
        group = groups.get((size, needs))
        if group is None:
            group = groups[(size, needs)] = WaitingGroup(size, *needs)
        group.households += row["households"]
        group.people += row["households"] * row["size"]
        group.largest = max(group.largest, row["size"])
        if group.oldest is None or row["oldest"] < group.oldest:
            group.oldest = row["oldest"]
    return sorted(
        groups.values(),
        key=lambda g: (g.size, g.is_family, g.women_children_only, g.has_pets, g.needs_wheelchair),
    )


def _place_groups(groups: list[WaitingGroup], shelters: list[ShelterFigures]) -> None:
    """The shelters that could take every household of each group in one space.

    The same rules as "find a place" (shelter_admits) and the same order (place_rank: fresh
    counts first, then good fits for the group's largest household, then the emptiest);
    candidates are worked out once per set of needs, not once per group and shelter.
    """
    open_shelters = [
        s for s in shelters if s.takes_people and not s.marked_full and s.largest_free > 0
    ]
    admitted: dict[tuple, list[ShelterFigures]] = {}
    # Groups of other sizes or medical needs often share their needs and largest household
    # (some 50 of 80 at 500 shelters): the same shelters, picked once.
    picked: dict[tuple, tuple[list[ShelterFigures], int]] = {}
    for group in groups:
        needs = (group.is_family, group.women_children_only, group.has_pets, group.needs_wheelchair)
        if needs not in admitted:
            admitted[needs] = [
                s
                for s in open_shelters
                if shelter_admits(s, group) and not (group.women_children_only and s.host_unchecked)
            ]
        if (needs, group.largest) not in picked:
            fitting = [s for s in admitted[needs] if s.largest_free >= group.largest]
            # Only the first few are shown: picked without sorting every fitting shelter;
            # the rank ends with the pk, so no two are equal.
            first = heapq.nsmallest(
                SHELTERS_SHOWN_PER_GROUP,
                fitting,
                key=lambda s, largest=group.largest: place_rank(
                    freshness=s.freshness,
                    leftover=s.largest_free - largest,
                    used_percent=s.used_percent,
                    name=s.name,
                    pk=s.pk,
                ),
            )
            picked[(needs, group.largest)] = (first, len(fitting))
        first, fitting_count = picked[(needs, group.largest)]
        group.shelters = list(first)
        group.shelters_count = fitting_count


def _totals(
    shelters: list[ShelterFigures], groups: list[WaitingGroup], *, now, city: str
) -> CityTotals:
    taking = [s for s in shelters if s.takes_people]
    local_midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    meals = MealOffer.objects.not_cancelled().filter(date=local_midnight.date())
    if city:
        meals = meals.filter(city=city)
    meal_sums = meals.aggregate(
        offered=Coalesce(Sum("portions"), 0), claimed=Coalesce(Sum("claimed"), 0)
    )
    return CityTotals(
        places=sum(s.total_places for s in taking),
        occupied=sum(s.total_occupied for s in taking),
        free=sum(s.free_now for s in taking),
        occupied_standby=sum(
            s.total_occupied for s in shelters if s.status == ShelterStatus.STANDBY
        ),
        shelters_taking=len(taking),
        waiting_households=sum(g.households for g in groups),
        waiting_people=sum(g.people for g in groups),
        arrivals_today=Household.objects.filter(created_at__gte=local_midnight).count(),
        meals_offered=meal_sums["offered"],
        meals_claimed=meal_sums["claimed"],
    )


@dataclass
class CityShelters:
    filters: DashboardFilters
    cities: list[str]
    shelters: list[ShelterFigures]  # of the chosen city (every city when none), with their figures

    def table(self) -> list[ShelterFigures]:
        """The shelters passing the kind and status filters too, most urgent first."""
        return by_urgency([s for s in self.shelters if self.filters.admits(s)])

    def history(self, now: datetime) -> list[OccupancyPoint]:
        """Places and people of these shelters at each hour of the last week (one query)."""
        return occupancy_history(
            now=now,
            places_now=sum(s.total_places for s in self.shelters),
            occupied_now=sum(s.total_occupied for s in self.shelters),
            city=self.filters.city or None,
        )


def city_shelters(query, *, now: datetime) -> CityShelters:
    """The shelters of the city chosen in the GET parameters `query` (one query)."""
    stale_from = stale_before(now)
    every_shelter = [_add_figures(s, stale_from) for s in shelters_with_figures()]
    cities = sorted({s.city for s in every_shelter})
    filters = DashboardFilters.from_query(query, cities)
    return CityShelters(
        filters=filters,
        cities=cities,
        shelters=[s for s in every_shelter if not filters.city or s.city == filters.city],
    )


# The dashboard lists the newest open alerts and links to the alerts page for the rest: 70
# open alerts made a third of its 170 KB and of its time.
ALERTS_SHOWN = 10


def dashboard(query, *, user, now: datetime | None = None) -> Dashboard:
    """Everything the dashboard shows for the GET parameters `query` (city, kind, status).

    Queries: 1 shelters with figures, 2 waiting households by size and needs, 3 today's
    meals, 4 today's arrivals, 5 the city's changes of the last week by hour, 6 the user's
    in-app subscriptions, 7 the newest of their open alerts, 8 how many there are, and how
    many each shelter has.
    """
    now = now or timezone.now()
    alerts = alerts_open_newest(user, shown=ALERTS_SHOWN)
    city = city_shelters(query, now=now)
    for shelter in city.shelters:
        shelter.open_alerts = alerts.by_shelter.get(shelter.pk, 0)
    groups = _waiting_groups()
    _place_groups(groups, city.shelters)
    week = city.history(now)
    return Dashboard(
        now=now,
        filters=city.filters,
        cities=city.cities,
        totals=_totals(city.shelters, groups, now=now, city=city.filters.city),
        shelters=city.table(),
        shelters_total=len(city.shelters),
        waiting=groups,
        history_day=last_hours(week, 24),
        history_week=week,
        open_alerts=alerts.newest,
        open_alerts_count=alerts.count,
    )


AUDIT_ENTRIES_SHOWN = 20


@dataclass
class ShelterPanel:
    shelter: Shelter  # with sums and space_rows (shelter.selectors.shelter_with_space_rows)
    memberships: list[ShelterMembership]
    audit: list[AuditEntry]
    history_day: list[OccupancyPoint]
    history_week: list[OccupancyPoint]


def shelter_panel(shelter_id: int, *, now: datetime) -> ShelterPanel:
    """One shelter for its dashboard panel; raises Shelter.DoesNotExist.

    Queries: 1 shelter, 2 spaces with their counters (the shelter's sums added up from them),
    3 the week's changes by hour, 4 assignments with their users, 5 the latest audit entries
    with who did them.
    """
    shelter = shelter_with_space_rows(shelter_id)
    week = occupancy_history(
        now=now,
        places_now=shelter.total_places,
        occupied_now=shelter.total_occupied,
        shelter_id=shelter.pk,
    )
    return ShelterPanel(
        shelter=shelter,
        memberships=list(
            ShelterMembership.objects.filter(shelter=shelter)
            .select_related("user")
            .order_by("role", "user__username")
        ),
        audit=list(
            AuditEntry.objects.filter(shelter=shelter).select_related("by", "subject")[
                :AUDIT_ENTRIES_SHOWN
            ]
        ),
        history_day=last_hours(week, 24),
        history_week=week,
    )
