"""Shelter locks and the change announcement that every writer in this package shares.

Lock order, everywhere: the Shelter row first (ascending pk when several), then its spaces.
Writers that take the shelter lock: occupancy_change (every count, check-in, check-out),
space_save / space_delete (capacity edits), shelter_set_status (open, close) and
shelter_mark_full.
"""

from collections.abc import Sequence

from django.db import transaction

from ..errors import ShelterClosed
from ..models import TAKING_PEOPLE, Shelter, Space
from ..signals import occupancy_changed


def lock_shelter(shelter_id: int) -> Shelter:
    return Shelter.objects.select_for_update().get(pk=shelter_id)


def lock_shelter_of(space_id: int, *, adding: bool) -> int:
    """Lock the space's shelter; refuse to add people to one that takes nobody.

    The lock serialises counts with shelter_set_status: nobody is checked in while the
    shelter closes. Returns the shelter's id.
    """
    shelter_id = Space.objects.values_list("shelter_id", flat=True).get(pk=space_id)
    shelter = lock_shelter(shelter_id)
    if adding and shelter.status not in TAKING_PEOPLE:
        raise ShelterClosed(shelter_name=shelter.name, status_label=shelter.get_status_display())
    return shelter_id


def shelters_lock(shelter_ids: Sequence[int]) -> None:
    """Lock several shelters in ascending pk order (a move between two shelters needs both)."""
    list(Shelter.objects.select_for_update().filter(pk__in=shelter_ids).order_by("pk"))


def announce(shelter_id: int, space_ids: Sequence[int]) -> None:
    """Tell listeners (status refresh, public cache, alerts) once the change has committed."""
    ids = list(space_ids)
    transaction.on_commit(
        lambda: occupancy_changed.send(sender=Space, shelter_id=shelter_id, space_ids=ids)
    )
