"""Reads for views and tasks, with related rows and sums loaded up front (no N+1)."""

from django.db.models import Prefetch, QuerySet

from .access import is_coordinator
from .models import OccupancyEvent, Shelter, Space

RECENT_EVENTS = 15


def _spaces_with_counter() -> Prefetch:
    return Prefetch("spaces", queryset=Space.objects.select_related("counted_by").order_by("name"))


def shelters_for_user(user) -> QuerySet[Shelter]:
    """The shelters a user works in (every shelter for a coordinator), with spaces and sums."""
    shelters = Shelter.objects.all() if is_coordinator(user) else Shelter.objects.for_member(user)
    return shelters.with_counts().prefetch_related(_spaces_with_counter()).order_by("name")


def shelters_to_choose(user) -> QuerySet[Shelter]:
    """The shelters a user works in, plain, for a select box (every shelter for a coordinator)."""
    shelters = Shelter.objects.all() if is_coordinator(user) else Shelter.objects.for_member(user)
    return shelters.order_by("name")


def shelter_with_spaces(shelter_id: int) -> Shelter:
    """One shelter with its sums and spaces (and who counted each); raises DoesNotExist."""
    return Shelter.objects.with_counts().prefetch_related(_spaces_with_counter()).get(pk=shelter_id)


def shelter_recent_events(shelter_id: int, limit: int = RECENT_EVENTS) -> list[OccupancyEvent]:
    return list(
        OccupancyEvent.objects.filter(shelter_id=shelter_id)
        .select_related("space", "by")
        .order_by("-at", "-id")[:limit]
    )
