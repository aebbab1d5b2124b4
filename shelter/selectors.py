"""Reads for views and tasks, with related rows and sums loaded up front (no N+1)."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.db import connection
from django.db.models import (
    DateTimeField,
    F,
    Func,
    OuterRef,
    Prefetch,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import TruncHour
from django.utils import timezone

from .access import is_coordinator
from .models import OccupancyEvent, Shelter, ShelterMembership, Space

RECENT_EVENTS = 15


def _spaces_with_counter() -> Prefetch:
    return Prefetch("spaces", queryset=Space.objects.select_related("counted_by").order_by("name"))


@dataclass(frozen=True, slots=True)
class SpaceRow:
    """A space as a list of shelters shows it, read as plain values: My shelters lists every
    space of every shelter (200 for a volunteer of 20), and building a Space and a User
    object for each cost more than writing its row."""

    pk: int
    name: str
    places: int
    blocked: int
    held: int
    occupied: int
    counted_at: datetime | None
    counted_by_name: str | None

    @property
    def free(self) -> int:
        return self.places - self.blocked - self.held - self.occupied


def _with_space_rows(shelters: list[Shelter]) -> list[Shelter]:
    """Sets `space_rows` (SpaceRows by name) on each shelter, in one query for all of them,
    and the sums `with_counts` would have the database add up (total_places, ...)."""
    rows = {shelter.pk: [] for shelter in shelters}
    spaces = (
        Space.objects.filter(shelter_id__in=rows)
        .order_by("shelter_id", "name")
        .values_list(
            "shelter_id",
            "pk",
            "name",
            "places",
            "blocked",
            "held",
            "occupied",
            "counted_at",
            "counted_by__username",
        )
    )
    for shelter_id, *values in spaces:
        rows[shelter_id].append(SpaceRow(*values))
    for shelter in shelters:
        shelter.space_rows = rows[shelter.pk]
        _add_up(shelter, shelter.space_rows)
    return shelters


def _add_up(shelter: Shelter, spaces) -> None:
    """The shelter's sums (as `with_counts` annotates them) from its spaces, read anyway."""
    shelter.total_places = sum(space.places for space in spaces)
    shelter.total_occupied = sum(space.occupied for space in spaces)
    shelter.total_held = sum(space.held for space in spaces)
    shelter.total_blocked = sum(space.blocked for space in spaces)
    shelter.total_free = (
        shelter.total_places - shelter.total_occupied - shelter.total_held - shelter.total_blocked
    )


def shelters_for_user(user) -> list[Shelter]:
    """The shelters a user works in (every shelter for a coordinator), with their sums and
    `space_rows`."""
    shelters = Shelter.objects.all() if is_coordinator(user) else Shelter.objects.for_member(user)
    fields = ("name", "status")  # what the list shows of a shelter
    return _with_space_rows(list(shelters.only(*fields).order_by("name")))


def shelters_to_choose(user) -> QuerySet[Shelter]:
    """The shelters a user works in, plain, for a select box (every shelter for a coordinator):
    their id and name only (a coordinator's select lists 500 of them)."""
    shelters = Shelter.objects.all() if is_coordinator(user) else Shelter.objects.for_member(user)
    return shelters.only("pk", "name").order_by("name")


def shelter_with_spaces(shelter_id: int, *, member=None) -> Shelter:
    """One shelter with its sums and spaces (and who counted each); raises DoesNotExist.

    With `member` (a logged-in user who is not a coordinator), their role there is read in the
    same query: shelter.access asks it of this object rather than the database, however many
    checks the page makes (three on the bed-count page). The sums are added up from the
    spaces read anyway (what `with_counts` would have the database do, in a costlier query).
    """
    shelters = Shelter.objects.prefetch_related(_spaces_with_counter())
    if member is None or not member.is_authenticated or is_coordinator(member):
        shelter = shelters.get(pk=shelter_id)
    else:
        role = ShelterMembership.objects.filter(shelter=OuterRef("pk"), user=member)
        shelter = shelters.annotate(member_role=Subquery(role.values("role")[:1])).get(
            pk=shelter_id
        )
        shelter.role_of = (member.pk, shelter.member_role)
    _add_up(shelter, shelter.spaces.all())
    return shelter


def shelter_with_space_rows(shelter_id: int) -> Shelter:
    """One shelter with its sums and `space_rows` (SpaceRows by name, as _with_space_rows);
    raises DoesNotExist. Two queries, as shelter_with_spaces, for a page that only lists the
    spaces (no Space or User object built for each)."""
    return _with_space_rows([Shelter.objects.get(pk=shelter_id)])[0]


@dataclass(frozen=True, slots=True)
class RecentChange:
    """A line of a shelter's history as its page shows it, read as plain values."""

    at: datetime
    space_name: str
    reason: str
    before: int
    after: int
    places_before: int
    places: int
    by_name: str | None


def shelter_recent_events(shelter_id: int, limit: int = RECENT_EVENTS) -> list[RecentChange]:
    """The shelter's latest changes, newest first."""
    rows = (
        OccupancyEvent.objects.filter(shelter_id=shelter_id)
        .order_by("-at", "-id")
        .values_list(
            "at",
            "space__name",
            "reason",
            "before",
            "after",
            "places_before",
            "places",
            "by__username",
        )[:limit]
    )
    return [RecentChange(*row) for row in rows]


HISTORY_HOURS = 7 * 24  # the longest chart: a week, by the hour


@dataclass(frozen=True)
class OccupancyPoint:
    at: datetime
    places: int
    occupied: int


def _hour_bucket(*, origin: datetime):
    """The hour an event falls in, as the instant that hour starts.

    PostgreSQL: date_bin from a local hour boundary, on the stored instant; about three times
    faster over a week of events than TruncHour's conversion of every row to local time.
    Elsewhere (the demo's SQLite): TruncHour.
    """
    if connection.vendor == "postgresql":
        return Func(
            F("at"),
            Value(origin),
            template="date_bin('1 hour', %(expressions)s)",
            output_field=DateTimeField(),
        )
    return TruncHour("at")


def occupancy_history(
    *,
    now: datetime,
    places_now: int,
    occupied_now: int,
    hours: int = HISTORY_HOURS,
    shelter_id: int | None = None,
    city: str | None = None,
) -> list[OccupancyPoint]:
    """Places and people at every hour boundary of the last `hours` hours, oldest first, and now.

    Of one shelter, the shelters of a city, or every shelter; `places_now` and `occupied_now`
    are today's sums over the same spaces. One query: the changes are summed by hour and
    taken back from today's figures, so it reads only the events of the period (an
    index-only scan of `shelter_event_at_idx`), never a space's whole history.
    """
    # The hour as the city reads its clocks; then counted back in UTC, right across DST.
    local_hour = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    last_boundary = local_hour.astimezone(UTC)
    since = last_boundary - timedelta(hours=hours)
    events = OccupancyEvent.objects.filter(at__gte=since)
    if shelter_id is not None:
        events = events.filter(shelter_id=shelter_id)
    if city is not None:
        events = events.filter(shelter__city=city)
    changes = {
        row["hour"]: (row["places"], row["occupied"])
        for row in events.annotate(hour=_hour_bucket(origin=last_boundary))
        .values("hour")
        .annotate(
            places=Sum(F("places") - F("places_before")), occupied=Sum(F("after") - F("before"))
        )
        .order_by()
    }
    places, occupied = places_now, occupied_now
    points = [OccupancyPoint(at=now, places=places, occupied=occupied)]
    for step in range(hours + 1):
        boundary = last_boundary - timedelta(hours=step)
        # The changes made in the hour that starts at this boundary came after it.
        places_change, occupied_change = changes.get(boundary, (0, 0))
        places -= places_change
        occupied -= occupied_change
        points.append(OccupancyPoint(at=boundary, places=places, occupied=occupied))
    points.reverse()
    return points


def last_hours(points: list[OccupancyPoint], hours: int) -> list[OccupancyPoint]:
    """The tail of an `occupancy_history` covering the last `hours` hour boundaries and now."""
    return points[-(hours + 2) :]
