"""Shelter locks and the change announcement that every writer in this package shares.

Lock order, everywhere: the Shelter row first (ascending pk when several), then its spaces.
Writers that take the shelter lock: occupancy_change (every count, check-in, check-out),
space_save / space_delete (capacity edits), shelter_set_status (open, standby, close) and
shelter_mark_full.
"""

import logging
from collections.abc import Sequence

from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce, Now

from ..errors import ShelterClosed
from ..models import TAKING_PEOPLE, OccupancyOutbox, Shelter, ShelterStatus, Space
from ..signals import occupancy_changed

logger = logging.getLogger(__name__)


def lock_shelter(shelter_id: int) -> Shelter:
    return Shelter.objects.select_for_update().get(pk=shelter_id)


def lock_shelter_of(space_id: int, *, adding: bool, expected: bool = False) -> int:
    """Lock the space's shelter; refuse to add people to one that takes nobody.

    A shelter on standby keeps the people it has and still receives those it promised places
    to before (`expected`: a household arriving on its hold); nobody else. The lock
    serialises counts with shelter_set_status: nobody is checked in while the shelter closes.
    Returns the shelter's id.
    """
    shelter_id = Space.objects.values_list("shelter_id", flat=True).get(pk=space_id)
    refuse_if_closed(lock_shelter(shelter_id), adding=adding, expected=expected)
    return shelter_id


def refuse_if_closed(shelter: Shelter, *, adding: bool, expected: bool = False) -> None:
    """Raise ShelterClosed when people would be added to a shelter that takes nobody (see
    lock_shelter_of for standby). Call it with the shelter locked."""
    if adding and shelter.status not in TAKING_PEOPLE:
        on_standby = shelter.status == ShelterStatus.STANDBY
        if not (on_standby and expected):
            raise ShelterClosed(
                shelter_name=shelter.name,
                status_label=shelter.get_status_display(),
                on_standby=on_standby,
            )


def status_by_free_places(status: str, *, marked_full: bool, free: int) -> str:
    """What an open or full shelter's status should be with `free` places: full when none is
    free, open again when one is; a shelter marked full by a coordinator stays full. Standby
    and closed are decisions of people, left as they are."""
    if status not in TAKING_PEOPLE:
        return status
    if marked_full or free <= 0:
        return ShelterStatus.FULL
    return ShelterStatus.OPEN


def shelters_lock(shelter_ids: Sequence[int]) -> None:
    """Lock several shelters in ascending pk order (a move between two shelters needs both)."""
    list(Shelter.objects.select_for_update().filter(pk__in=shelter_ids).order_by("pk"))


def announce(shelter_id: int, space_ids: Sequence[int]) -> None:
    """Record the change in the outbox, and tell listeners once it has committed.

    Called inside the change's transaction, with the shelter locked: the outbox row (the
    shelter's figures after the change) commits or rolls back with the change itself.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("announce() belongs inside the transaction of the change")
    figures = (
        Shelter.objects.filter(pk=shelter_id)
        .values("status", "marked_full")
        .annotate(
            places=Coalesce(Sum("spaces__places"), 0),
            taken=Coalesce(
                Sum(F("spaces__occupied") + F("spaces__held") + F("spaces__blocked")), 0
            ),
        )
        .get()
    )
    # Open <-> full follows the free places in the change's own transaction: the shelter is
    # never seen open with no place left, and no task is needed for it after the commit.
    status = status_by_free_places(
        figures["status"],
        marked_full=figures["marked_full"],
        free=figures["places"] - figures["taken"],
    )
    if status != figures["status"]:
        Shelter.objects.filter(pk=shelter_id).update(status=status, updated_at=Now())
    OccupancyOutbox.objects.create(
        shelter_id=shelter_id,
        places=figures["places"],
        taken=figures["taken"],
        takes_people=status in TAKING_PEOPLE,
    )
    ids = list(space_ids)
    transaction.on_commit(lambda: _send(shelter_id, ids), robust=True)


def _send(shelter_id: int, space_ids: list[int]) -> None:
    # Each listener on its own: one that fails (Redis down, say) never stops the others,
    # and never turns the committed change into an error for the volunteer.
    results = occupancy_changed.send_robust(
        sender=Space, shelter_id=shelter_id, space_ids=space_ids
    )
    for listener, result in results:
        if isinstance(result, Exception):
            logger.error(
                "listener %s of shelter %s's change failed",
                getattr(listener, "__qualname__", listener),
                shelter_id,
                exc_info=result,
            )
