"""Spaces: create, change capacity, delete; never their counts (see occupancy)."""

from collections.abc import Sequence

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction

from ..errors import DuplicateSpaceName, PlacesBelowTaken, SpaceNotEmpty
from ..models import OccupancyEvent, OccupancyReason, Space
from .locks import announce, lock_shelter


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
            lock_shelter(space.shelter_id)
            if space.pk is None:
                space.save()
                # Its places enter the history too, or the charts would see them in the past.
                OccupancyEvent.objects.create(
                    space=space,
                    shelter_id=space.shelter_id,
                    before=0,
                    after=0,
                    places_before=0,
                    places=space.places,
                    reason=OccupancyReason.CORRECTION,
                    by=by,
                )
                announce(space.shelter_id, [space.pk])
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
                    places_before=before.places,
                    places=space.places,
                    reason=OccupancyReason.CORRECTION,
                    by=by,
                )
            announce(space.shelter_id, [space.pk])
    except IntegrityError as exc:
        if _constraint_violated(exc, "shelter_space_unique_name"):
            raise DuplicateSpaceName(space_name=space.name) from exc
        if _constraint_violated(exc, "shelter_space_occupied_fits"):
            current = Space.objects.get(pk=space.pk)
            raise PlacesBelowTaken(
                space_id=space.pk, space_name=space.name, taken=current.taken
            ) from exc
        raise
    return space


def space_delete(*, space_id: int) -> None:
    """Remove an empty space. Raises SpaceNotEmpty when anyone is there or expected."""
    with transaction.atomic():
        space = Space.objects.get(pk=space_id)
        lock_shelter(space.shelter_id)
        deleted, _ = Space.objects.filter(pk=space_id, occupied=0, held=0).delete()
        if not deleted:
            space.refresh_from_db()
            raise SpaceNotEmpty(
                space_id=space_id, space_name=space.name, people=space.occupied + space.held
            )
        announce(space.shelter_id, [space_id])
