"""Business actions on households, holds and stays (meals: coordination/meals/services.py).

Lock order: Household rows first (the purge takes several, in ascending pk), then the acting
User row (hold_create only, for the limit on places held elsewhere), then Shelter rows in
ascending pk (through the shelter services, the only door to a space's counts). No writer
takes a household after a user or a shelter, nor a user row after a shelter (bed counts and
status changes lock shelters only): so no cycle. The user row is locked FOR NO KEY UPDATE,
which rows merely pointing at the user (an occupancy event "by" them, a hold "created by"
them: foreign-key checks take KEY SHARE) do not wait for; with FOR UPDATE, that same user's
bed count in another tab, holding the shelter, would deadlock with the hold
(tests/coordination/test_concurrency.py).
Logs name households by id only: never a name, phone or note.
"""

import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Sum, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from shelter import services as shelter_services
from shelter.access import is_coordinator
from shelter.models import OccupancyReason, ShelterMembership, Space

from ..asks.models import ASK_PERSONAL_FIELDS, Ask
from ..errors import (
    AlreadyCheckedIn,
    CheckOutNotUndoable,
    HoldLimitReached,
    HoldNotActive,
    HouseholdNotWaiting,
    HouseholdOnTheWay,
    NotCheckedIn,
)
from ..models import (
    HOUSEHOLD_PERSONAL_FIELDS,
    Hold,
    HoldStatus,
    Household,
    HouseholdStatus,
    Stay,
)
from ..offers.services import placement_check
from . import selectors

logger = logging.getLogger(__name__)

PURGE_BATCH = 500  # households locked at once by the purge: short transactions

User = AbstractBaseUser


def household_register(*, household: Household, by: User) -> Household:
    household.registered_by = by
    household.status = HouseholdStatus.WAITING
    household.save()
    logger.info(
        "household %s registered (%s people) by user %s", household.pk, household.size, by.pk
    )
    return household


def _lock_household(household_id: int) -> Household:
    return Household.objects.select_for_update().get(pk=household_id)


def _shelter_of(space_id: int) -> int:
    return Space.objects.values_list("shelter_id", flat=True).get(pk=space_id)


def _hold_end(hold: Hold, status: HoldStatus, by: User | None) -> None:
    shelter_services.held_change(space_id=hold.space_id, delta=-hold.places)
    hold.status = status
    hold.ended_at = timezone.now()
    hold.ended_by = by
    hold.save(update_fields=["status", "ended_at", "ended_by"])


def _hold_limit_check(*, by: User | None, household: Household, shelter_id: int) -> None:
    """Refuse a hold that would take `by` past HOLD_MAX_PLACES_ELSEWHERE places held at once
    in shelters they are not assigned to. Coordinators (and the system) have no limit.

    Locks the user's row first, so two holds by the same account at once are counted one
    after the other (FOR NO KEY UPDATE: see the module's lock order).
    """
    if by is None or is_coordinator(by):
        return
    own = set(ShelterMembership.objects.filter(user=by).values_list("shelter_id", flat=True))
    if shelter_id in own:
        return
    list(get_user_model().objects.select_for_update(no_key=True).filter(pk=by.pk))
    held = (
        Hold.objects.filter(status=HoldStatus.ACTIVE, created_by=by)
        .exclude(space__shelter_id__in=own)
        .exclude(household=household)  # its hold, if any, is replaced by this one
        .aggregate(places=Sum("places"))["places"]
        or 0
    )
    limit = settings.HOLD_MAX_PLACES_ELSEWHERE
    if held + household.size > limit:
        raise HoldLimitReached(held=held, limit=limit, places=household.size)


def hold_create(
    *,
    household_id: int,
    space_id: int,
    by: User,
    hours: float | None = None,
    replace: bool = True,
) -> Hold:
    """Promise a space's places to a waiting household on its way there.

    A household has at most one active hold: a new one replaces the old, unless `replace` is
    off (a volunteer taking a household from the city's waiting list), which raises
    HouseholdOnTheWay instead. Raises HouseholdNotWaiting, HoldLimitReached (too many places
    held in others' shelters), SpaceFull (another volunteer took the last places) or
    ShelterClosed.
    """
    hours = settings.HOLD_HOURS if hours is None else hours
    with transaction.atomic():
        household = _lock_household(household_id)
        if household.status != HouseholdStatus.WAITING:
            raise HouseholdNotWaiting(status_label=household.get_status_display())
        previous = (
            household.holds.filter(status=HoldStatus.ACTIVE)
            .select_related("space__shelter")
            .first()
        )
        if previous and not replace:
            raise HouseholdOnTheWay(space_name=str(previous.space))
        shelter_id = _shelter_of(space_id)
        _hold_limit_check(by=by, household=household, shelter_id=shelter_id)
        shelter_ids = {shelter_id} | ({_shelter_of(previous.space_id)} if previous else set())
        shelter_services.shelters_lock(sorted(shelter_ids))
        placement_check(household=household, shelter_id=shelter_id)  # unvisited homes
        if previous:
            _hold_end(previous, HoldStatus.RELEASED, by)
        shelter_services.held_change(space_id=space_id, delta=household.size)
        hold = Hold.objects.create(
            household=household,
            space_id=space_id,
            places=household.size,
            created_by=by,
            expires_at=timezone.now() + timedelta(hours=hours),
        )
    logger.info(
        "hold %s: household %s, space %s, by user %s", hold.pk, household_id, space_id, by.pk
    )
    return hold


def hold_release(*, hold_id: int, by: User | None, expired: bool = False) -> Hold:
    """Give a hold's places back (the household did not come, or goes elsewhere).

    The household keeps its place in the waiting list. Raises HoldNotActive when the hold
    ended already, so running it twice changes nothing.
    """
    with transaction.atomic():
        household_id = Hold.objects.values_list("household_id", flat=True).get(pk=hold_id)
        _lock_household(household_id)
        hold = Hold.objects.get(
            pk=hold_id
        )  # read after the lock: another request may have ended it
        if hold.status != HoldStatus.ACTIVE:
            raise HoldNotActive()
        _hold_end(hold, HoldStatus.EXPIRED if expired else HoldStatus.RELEASED, by)
    return hold


def holds_expire_due(*, now: datetime | None = None) -> int:
    """Release every active hold past its time. Idempotent: returns how many it released."""
    now = now or timezone.now()
    due = Hold.objects.filter(status=HoldStatus.ACTIVE, expires_at__lte=now).values_list(
        "pk", flat=True
    )
    released = 0
    for hold_id in list(due):
        try:
            hold_release(hold_id=hold_id, by=None, expired=True)
        except HoldNotActive:
            continue  # checked in or released while we were looking
        released += 1
    if released:
        logger.info("%s expired holds released", released)
    return released


def stay_check_in(*, household_id: int, space_id: int, by: User) -> Stay:
    """Check a whole household into one space (all members or none).

    Uses the household's hold when it is for this space (a shelter put on standby since
    still receives it); a hold elsewhere is released. A retried submit finds the household
    checked in and raises AlreadyCheckedIn, changing nothing. Raises SpaceFull or
    ShelterClosed from the occupancy service.
    """
    with transaction.atomic():
        household = _lock_household(household_id)
        current = (
            household.stays.filter(checked_out_at__isnull=True).select_related("space").first()
        )
        if current:
            raise AlreadyCheckedIn(space_name=str(current.space))
        if household.status == HouseholdStatus.LEFT:
            raise HouseholdNotWaiting(status_label=household.get_status_display())
        hold = household.holds.filter(status=HoldStatus.ACTIVE).first()
        shelter_ids = {_shelter_of(space_id)} | ({_shelter_of(hold.space_id)} if hold else set())
        shelter_services.shelters_lock(sorted(shelter_ids))
        placement_check(household=household, shelter_id=_shelter_of(space_id))  # unvisited homes
        arriving_on_hold = hold is not None and hold.space_id == space_id
        if hold:
            status = HoldStatus.CHECKED_IN if arriving_on_hold else HoldStatus.RELEASED
            _hold_end(hold, status, by)
        shelter_services.occupancy_change(
            space_id=space_id,
            delta=household.size,
            reason=OccupancyReason.CHECK_IN,
            by=by,
            expected=arriving_on_hold,  # a shelter on standby still receives those it promised
        )
        stay = Stay.objects.create(
            household=household, space_id=space_id, people=household.size, checked_in_by=by
        )
        household.status = HouseholdStatus.PLACED
        household.save(update_fields=["status"])
    logger.info(  # by None: the host confirmed the arrival on their link
        "household %s checked in to space %s by user %s", household_id, space_id, by and by.pk
    )
    return stay


def _stay_close(stay: Stay, by: User) -> None:
    shelter_services.occupancy_change(
        space_id=stay.space_id, delta=-stay.people, reason=OccupancyReason.CHECK_OUT, by=by
    )
    stay.checked_out_at = timezone.now()
    stay.checked_out_by = by
    stay.save(update_fields=["checked_out_at", "checked_out_by"])


def _open_stay_locked(stay_id: int) -> tuple[Stay, Household]:
    household_id = Stay.objects.values_list("household_id", flat=True).get(pk=stay_id)
    household = _lock_household(household_id)
    stay = Stay.objects.get(pk=stay_id)
    if stay.checked_out_at is not None:
        raise NotCheckedIn()
    return stay, household


def stay_check_out(*, stay_id: int, by: User) -> Stay:
    """The household leaves: its places are freed. Raises NotCheckedIn when it left already."""
    with transaction.atomic():
        stay, household = _open_stay_locked(stay_id)
        _stay_close(stay, by)
        household.status = HouseholdStatus.LEFT
        household.left_at = stay.checked_out_at
        household.save(update_fields=["status", "left_at"])
    logger.info(
        "household %s checked out of space %s by user %s",
        household.pk,
        stay.space_id,
        by and by.pk,
    )
    return stay


def stay_check_out_undo(*, stay_id: int, by: User, now: datetime | None = None) -> Stay:
    """Take back a check-out made by mistake: the household is in its space again.

    Only within CHECK_OUT_UNDO_MINUTES (else CheckOutNotUndoable.too_late), and only while
    that check-out is the last thing that happened to the household: not moved, checked in,
    purged or undone since (else CheckOutNotUndoable.moved_on; so a second undo changes
    nothing). The places go back through the occupancy service, recorded as "Check-out
    undone", under the shelter's lock like any check-in: if the space filled meanwhile it
    raises SpaceFull (ShelterClosed if the shelter takes nobody now) and nothing changes.
    """
    now = now or timezone.now()
    minutes = settings.CHECK_OUT_UNDO_MINUTES
    with transaction.atomic():
        household_id = Stay.objects.values_list("household_id", flat=True).get(pk=stay_id)
        household = _lock_household(household_id)
        # Read after the lock: another undo, or a new check-in, may have come first.
        if not Stay.objects.check_outs_undoable().filter(pk=stay_id).exists():
            raise CheckOutNotUndoable.moved_on()
        stay = Stay.objects.get(pk=stay_id)
        if stay.checked_out_at < now - timedelta(minutes=minutes):
            raise CheckOutNotUndoable.too_late(minutes=minutes)
        shelter_services.occupancy_change(
            space_id=stay.space_id,
            delta=stay.people,
            reason=OccupancyReason.CHECK_OUT_UNDONE,
            by=by,
        )
        stay.checked_out_at = stay.checked_out_by = None
        stay.save(update_fields=["checked_out_at", "checked_out_by"])
        household.status = HouseholdStatus.PLACED
        household.left_at = None
        household.save(update_fields=["status", "left_at"])
    logger.info(
        "check-out of household %s from space %s undone by user %s",
        household.pk,
        stay.space_id,
        by.pk,
    )
    return stay


def stay_move(*, stay_id: int, space_id: int, by: User) -> Stay:
    """Check out of one space and into another in one transaction: both happen or neither."""
    with transaction.atomic():
        stay, household = _open_stay_locked(stay_id)
        if stay.space_id == space_id:
            return stay
        shelter_services.shelters_lock(sorted({_shelter_of(stay.space_id), _shelter_of(space_id)}))
        placement_check(household=household, shelter_id=_shelter_of(space_id))  # unvisited homes
        _stay_close(stay, by)
        shelter_services.occupancy_change(
            space_id=space_id, delta=stay.people, reason=OccupancyReason.CHECK_IN, by=by
        )
        new_stay = Stay.objects.create(
            household=household, space_id=space_id, people=stay.people, checked_in_by=by
        )
    logger.info("household %s moved to space %s by user %s", household.pk, space_id, by.pk)
    return new_stay


def household_purge_personal_data(*, older_than_days: int, now: datetime | None = None) -> int:
    """Blank the free text of households with no activity for `older_than_days`; keep sizes
    and needs (selectors.households_to_purge says which, and what "activity" is).

    Waiting households purged leave the waiting list (status "left"); an active hold of theirs
    is released first, so its places are free again. Checked-in households are kept. In
    batches, each under the households' locks (ascending pk, then shelters: the usual order)
    and checked again under them, so a household checked in meanwhile is not touched.
    Idempotent: anonymised households are not touched again. Returns how many were changed.
    """
    now = now or timezone.now()
    since = now - timedelta(days=older_than_days)
    purged = last_pk = 0
    while True:
        batch = list(
            selectors.households_to_purge(inactive_since=since)
            .filter(pk__gt=last_pk)
            .order_by("pk")
            .values_list("pk", flat=True)[:PURGE_BATCH]
        )
        if not batch:
            break
        last_pk = batch[-1]
        purged += _purge_batch(batch, since=since, now=now)
    logger.info("personal data removed from %s households", purged)
    return purged


def _purge_batch(household_ids: list[int], *, since: datetime, now: datetime) -> int:
    with transaction.atomic():
        list(Household.objects.select_for_update().filter(pk__in=household_ids).order_by("pk"))
        due = list(  # again, under the locks: one may have been checked in meanwhile
            selectors.households_to_purge(inactive_since=since)
            .filter(pk__in=household_ids)
            .values_list("pk", flat=True)
        )
        holds = list(Hold.objects.filter(household_id__in=due, status=HoldStatus.ACTIVE))
        if holds:
            shelter_services.shelters_lock(
                sorted(
                    set(
                        Space.objects.filter(pk__in=[h.space_id for h in holds]).values_list(
                            "shelter_id", flat=True
                        )
                    )
                )
            )
            for hold in holds:
                _hold_end(hold, HoldStatus.EXPIRED, None)
        Household.objects.filter(pk__in=due).update(
            **dict.fromkeys(HOUSEHOLD_PERSONAL_FIELDS, ""),
            status=HouseholdStatus.LEFT,
            anonymised_at=now,
        )
        # Their online requests: the private link opens nothing any more, the code is free.
        Ask.objects.filter(household_id__in=due).update(
            **dict.fromkeys(ASK_PERSONAL_FIELDS, None),
            closed_at=Coalesce("closed_at", Value(now)),
        )
    if holds:
        logger.info("%s forgotten holds released by the purge", len(holds))
    return len(due)
