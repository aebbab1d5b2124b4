"""Business actions on shelters and spaces. Every change of a count goes through here.

Lock order, everywhere: the Shelter row first (ascending pk when several), then its spaces.
Writers that take the shelter lock: occupancy_change (every count, check-in, check-out),
space_save / space_delete (capacity edits) and shelter_set_status (open, close).
"""

import logging
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce, Now

from .errors import (
    AlreadySubmitted,
    DuplicateSpaceName,
    OccupancyBelowZero,
    PlacesBelowTaken,
    ShelterClosed,
    ShelterOccupied,
    SpaceFull,
    SpaceNotEmpty,
)
from .models import (
    MAX_PLACES,
    TAKING_PEOPLE,
    MembershipRole,
    OccupancyEvent,
    OccupancyReason,
    Shelter,
    ShelterMembership,
    ShelterStatus,
    Space,
)
from .signals import occupancy_changed

logger = logging.getLogger(__name__)


def _lock_shelter(shelter_id: int) -> Shelter:
    return Shelter.objects.select_for_update().get(pk=shelter_id)


def _lock_shelter_of(space_id: int, *, adding: bool) -> int:
    """Lock the space's shelter; refuse to add people to one that takes nobody.

    The lock serialises counts with shelter_set_status: nobody is checked in while the
    shelter closes. Returns the shelter's id.
    """
    shelter_id = Space.objects.values_list("shelter_id", flat=True).get(pk=space_id)
    shelter = _lock_shelter(shelter_id)
    if adding and shelter.status not in TAKING_PEOPLE:
        raise ShelterClosed(shelter_name=shelter.name, status_label=shelter.get_status_display())
    return shelter_id


def shelters_lock(shelter_ids: Sequence[int]) -> None:
    """Lock several shelters in ascending pk order (a move between two shelters needs both)."""
    list(Shelter.objects.select_for_update().filter(pk__in=shelter_ids).order_by("pk"))


def _announce(shelter_id: int, space_ids: Sequence[int]) -> None:
    """Tell listeners (status refresh, public cache, alerts) once the change has committed."""
    ids = list(space_ids)
    transaction.on_commit(
        lambda: occupancy_changed.send(sender=Space, shelter_id=shelter_id, space_ids=ids)
    )


def _refusal(space: Space, *, delta: int, places_delta: int) -> Exception:
    """Explain why a conditional count update changed no row, from the space as it is now."""
    if delta < 0 and space.occupied + delta < 0:
        return OccupancyBelowZero(space_id=space.pk, space_name=space.name, occupied=space.occupied)
    if places_delta < 0 or space.places + places_delta > MAX_PLACES:
        return PlacesBelowTaken(space_id=space.pk, space_name=space.name, taken=space.taken)
    return SpaceFull(space_id=space.pk, space_name=space.name, free=max(space.free, 0))


def occupancy_change(
    *,
    space_id: int,
    delta: int,
    reason: OccupancyReason,
    by: AbstractBaseUser | None,
    places_delta: int = 0,
    submission: uuid.UUID | None = None,
) -> OccupancyEvent:
    """Add `delta` people (and `places_delta` places) to a space and record the event.

    The single door to a space's occupancy. Applied as one conditional UPDATE, so two
    volunteers saving at once both count and neither can pass the places. Raises SpaceFull,
    OccupancyBelowZero, PlacesBelowTaken, ShelterClosed (adding people to a shelter that takes
    nobody) or AlreadySubmitted (this submission was applied before; nothing changes).
    """
    with transaction.atomic():
        shelter_id = _lock_shelter_of(space_id, adding=delta > 0)
        changed = (
            Space.objects.filter(pk=space_id, occupied__gte=-delta)
            .filter(places__lte=MAX_PLACES - places_delta)
            .filter(places__gte=F("occupied") + F("blocked") + F("held") + delta - places_delta)
            .update(
                occupied=F("occupied") + delta,
                places=F("places") + places_delta,
                counted_at=Now(),
                counted_by=by,
            )
        )
        space = Space.objects.get(pk=space_id)
        if changed != 1:
            raise _refusal(space, delta=delta, places_delta=places_delta)
        try:
            with transaction.atomic():
                event = OccupancyEvent.objects.create(
                    space=space,
                    shelter_id=shelter_id,
                    before=space.occupied - delta,
                    after=space.occupied,
                    places=space.places,
                    reason=reason,
                    by=by,
                    submission=submission,
                )
        except IntegrityError as exc:
            # A retried form post: the whole transaction, update included, is rolled back.
            raise AlreadySubmitted() from exc
    _announce(shelter_id, [space_id])
    return event


def held_change(*, space_id: int, delta: int) -> Space:
    """Promise `delta` places of a space to a household on its way (negative: give them back).

    Held places count as taken everywhere. Not a count, so no history row and no "counted at".
    Raises SpaceFull or ShelterClosed like occupancy_change.
    """
    with transaction.atomic():
        shelter_id = _lock_shelter_of(space_id, adding=delta > 0)
        changed = (
            Space.objects.filter(pk=space_id, held__gte=-delta)
            .filter(places__gte=F("occupied") + F("blocked") + F("held") + delta)
            .update(held=F("held") + delta)
        )
        space = Space.objects.get(pk=space_id)
        if changed != 1:
            raise SpaceFull(space_id=space.pk, space_name=space.name, free=max(space.free, 0))
    _announce(shelter_id, [space_id])
    return space


@dataclass(frozen=True)
class SpaceCount:
    """One row of the bed-count form: what the volunteer saw and what they entered."""

    space_id: int
    seen_places: int
    seen_occupied: int
    places: int
    occupied: int


def shelter_count(
    *,
    shelter_id: int,
    counts: Sequence[SpaceCount],
    by: AbstractBaseUser | None,
    submission: uuid.UUID | None = None,
) -> list[OccupancyEvent]:
    """Save a volunteer's count of several spaces: all rows or none.

    Each row is applied as the difference from what the volunteer saw, so a change another
    volunteer saved meanwhile is added to, not overwritten. Every row is recorded, unchanged
    ones too: a count confirms the figures are fresh.
    """
    events = []
    with transaction.atomic():
        _lock_shelter(shelter_id)
        own_spaces = set(Space.objects.filter(shelter_id=shelter_id).values_list("pk", flat=True))
        for count in counts:
            if count.space_id not in own_spaces:
                raise Space.DoesNotExist(count.space_id)
            events.append(
                occupancy_change(
                    space_id=count.space_id,
                    delta=count.occupied - count.seen_occupied,
                    places_delta=count.places - count.seen_places,
                    reason=OccupancyReason.COUNT,
                    by=by,
                    submission=submission,
                )
            )
    return events


def _constraint_violated(exc: IntegrityError, name: str) -> bool:
    # PostgreSQL and SQLite both name the constraint in the message.
    return name in str(exc)


def space_save(*, space: Space, fields: Sequence[str], by: AbstractBaseUser | None) -> Space:
    """Create a space, or change its name, places, blocked places or floor area.

    Never writes `occupied` or `held` (only `fields` are saved), so it cannot undo a count
    saved meanwhile. Raises PlacesBelowTaken or DuplicateSpaceName.
    """
    try:
        with transaction.atomic():
            _lock_shelter(space.shelter_id)
            if space.pk is None:
                space.save()
                _announce(space.shelter_id, [space.pk])
                return space
            if not fields:
                return space
            before = Space.objects.get(pk=space.pk)
            space.save(update_fields=list(fields))
            if "places" in fields and before.places != space.places:
                OccupancyEvent.objects.create(
                    space=space,
                    shelter_id=space.shelter_id,
                    before=before.occupied,
                    after=before.occupied,
                    places=space.places,
                    reason=OccupancyReason.CORRECTION,
                    by=by,
                )
    except IntegrityError as exc:
        if _constraint_violated(exc, "shelter_space_unique_name"):
            raise DuplicateSpaceName(space_name=space.name) from exc
        if _constraint_violated(exc, "shelter_space_occupied_fits"):
            current = Space.objects.get(pk=space.pk)
            raise PlacesBelowTaken(
                space_id=space.pk, space_name=space.name, taken=current.taken
            ) from exc
        raise
    _announce(space.shelter_id, [space.pk])
    return space


def space_delete(*, space_id: int) -> None:
    """Remove an empty space. Raises SpaceNotEmpty when anyone is there or expected."""
    with transaction.atomic():
        space = Space.objects.get(pk=space_id)
        _lock_shelter(space.shelter_id)
        deleted, _ = Space.objects.filter(pk=space_id, occupied=0, held=0).delete()
        if not deleted:
            space.refresh_from_db()
            raise SpaceNotEmpty(
                space_id=space_id, space_name=space.name, people=space.occupied + space.held
            )
    _announce(space.shelter_id, [space_id])


def shelter_create(*, shelter: Shelter, by: AbstractBaseUser) -> Shelter:
    """Register a new shelter; whoever registers it becomes its manager."""
    with transaction.atomic():
        shelter.save()
        ShelterMembership.objects.create(shelter=shelter, user=by, role=MembershipRole.MANAGER)
    logger.info("shelter %s created by user %s", shelter.pk, by.pk)
    return shelter


def shelter_people(shelter_id: int) -> int:
    """People checked in or expected (held places) across a shelter's spaces."""
    return Space.objects.filter(shelter_id=shelter_id).aggregate(
        people=Coalesce(Sum(F("occupied") + F("held")), 0)
    )["people"]


def shelter_set_status(
    *, shelter_id: int, status: ShelterStatus, by: AbstractBaseUser | None
) -> Shelter:
    """Open, put on standby or close a shelter.

    Closing (or standby) is refused with ShelterOccupied while anyone is checked in or
    expected; the shelter lock makes this exact against check-ins in flight.
    """
    with transaction.atomic():
        shelter = _lock_shelter(shelter_id)
        if status not in TAKING_PEOPLE:
            people = shelter_people(shelter_id)
            if people:
                raise ShelterOccupied(shelter_name=shelter.name, people=people)
        shelter.status = status
        shelter.save(update_fields=["status", "updated_at"])
        if status in TAKING_PEOPLE:
            shelter.status = _status_by_free_places(shelter)
    logger.info("shelter %s status set to %s by user %s", shelter_id, status, by and by.pk)
    _announce(shelter_id, [])
    return shelter


def _status_by_free_places(shelter: Shelter) -> ShelterStatus:
    """Within a locked transaction: make an open/full shelter's status match its free places."""
    free = Space.objects.filter(shelter_id=shelter.pk).aggregate(
        free=Coalesce(Sum(F("places") - F("blocked") - F("held") - F("occupied")), 0)
    )["free"]
    target = ShelterStatus.FULL if free <= 0 else ShelterStatus.OPEN
    if shelter.status != target:
        Shelter.objects.filter(pk=shelter.pk).update(status=target, updated_at=Now())
    return target


def shelter_refresh_status(*, shelter_id: int) -> ShelterStatus:
    """Show an open shelter as full when no place is free, and as open again when one is.

    Standby and closed are decisions of people and are left alone. Idempotent.
    """
    with transaction.atomic():
        # The lock orders this read after any count in flight, so the result is never stale.
        shelter = _lock_shelter(shelter_id)
        if shelter.status not in TAKING_PEOPLE:
            return ShelterStatus(shelter.status)
        return _status_by_free_places(shelter)
