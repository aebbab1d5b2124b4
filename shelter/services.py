"""Business actions on shelters and spaces. Every change of a count goes through here.

Lock order, everywhere: the Shelter row first (ascending pk when several), then its spaces.
Writers that take the shelter lock: occupancy_change (every count, check-in, check-out),
space_save / space_delete (capacity edits), shelter_set_status (open, close) and
shelter_mark_full. Status changes, "mark full" and assignments write an AuditEntry in the
same transaction.
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
    AuditAction,
    AuditEntry,
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
                    places_before=space.places - places_delta,
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
                    places_before=before.places,
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


def audit_record(
    *,
    action: AuditAction,
    by: AbstractBaseUser | None,
    what: str,
    shelter_id: int | None = None,
    subject: AbstractBaseUser | None = None,
    details: dict | None = None,
) -> AuditEntry:
    """Record who did what and when. Callers that change data call it in their transaction."""
    return AuditEntry.objects.create(
        action=action,
        by=by,
        what=what[:300],
        shelter_id=shelter_id,
        subject=subject,
        details=details or {},
    )


def shelter_set_status(
    *, shelter_id: int, status: ShelterStatus, by: AbstractBaseUser | None
) -> Shelter:
    """Open, put on standby or close a shelter; audited. Any of these ends "marked full".

    Closing (or standby) is refused with ShelterOccupied while anyone is checked in or
    expected; the shelter lock makes this exact against check-ins in flight.
    """
    with transaction.atomic():
        shelter = _lock_shelter(shelter_id)
        before = shelter.status
        if status not in TAKING_PEOPLE:
            people = shelter_people(shelter_id)
            if people:
                raise ShelterOccupied(shelter_name=shelter.name, people=people)
        shelter.status = status
        shelter.marked_full = False
        shelter.save(update_fields=["status", "marked_full", "updated_at"])
        if status in TAKING_PEOPLE:
            shelter.status = _status_by_free_places(shelter)
        audit_record(
            action=AuditAction.STATUS,
            by=by,
            shelter_id=shelter_id,
            what=f"{shelter.name}: {before} → {shelter.status}",
            details={"before": before, "asked": str(status), "after": str(shelter.status)},
        )
    logger.info("shelter %s status set to %s by user %s", shelter_id, status, by and by.pk)
    _announce(shelter_id, [])
    return shelter


def shelter_mark_full(*, shelter_id: int, by: AbstractBaseUser | None) -> Shelter:
    """Show an open shelter as full whatever its free places say, until it is opened again.

    For a decision the counts cannot show (no staff tonight, the water is cut). People
    already held or checked in still come and go; nobody new is offered its places, and the
    status refresh leaves it full. Raises ShelterClosed for a shelter on standby or closed.
    """
    with transaction.atomic():
        shelter = _lock_shelter(shelter_id)
        if shelter.status not in TAKING_PEOPLE:
            raise ShelterClosed(
                shelter_name=shelter.name, status_label=shelter.get_status_display()
            )
        before = shelter.status
        shelter.status = ShelterStatus.FULL
        shelter.marked_full = True
        shelter.save(update_fields=["status", "marked_full", "updated_at"])
        audit_record(
            action=AuditAction.MARKED_FULL,
            by=by,
            shelter_id=shelter_id,
            what=f"{shelter.name}: {before} → marked full",
            details={"before": before, "after": ShelterStatus.FULL.value},
        )
    logger.info("shelter %s marked full by user %s", shelter_id, by and by.pk)
    _announce(shelter_id, [])
    return shelter


def _status_by_free_places(shelter: Shelter) -> ShelterStatus:
    """Within a locked transaction: make an open/full shelter's status match its free places.

    A shelter marked full by a coordinator stays full whatever its places say.
    """
    if shelter.marked_full:
        return ShelterStatus.FULL
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


def shelter_member_assign(
    *, shelter_id: int, user: AbstractBaseUser, role: MembershipRole, by: AbstractBaseUser | None
) -> ShelterMembership:
    """Assign a user to a shelter as volunteer or manager, or change their role; audited.

    Assigning again with the same role changes nothing and records nothing (a retried form).
    """
    with transaction.atomic():
        shelter = Shelter.objects.get(pk=shelter_id)
        # The unique (shelter, user) constraint settles two coordinators assigning at once.
        membership, created = ShelterMembership.objects.select_for_update().get_or_create(
            shelter_id=shelter_id, user=user, defaults={"role": role}
        )
        if not created and membership.role == role:
            return membership
        before = None if created else membership.role
        if not created:
            membership.role = role
            membership.save(update_fields=["role"])
        audit_record(
            action=AuditAction.MEMBER_ASSIGNED,
            by=by,
            shelter_id=shelter_id,
            subject=user,
            what=f"{shelter.name}: {user.get_username()} as {role}"
            + (f" (was {before})" if before else ""),
            details={"user_id": user.pk, "role": str(role), "before": before},
        )
    logger.info("user %s assigned to shelter %s as %s", user.pk, shelter_id, role)
    return membership


def shelter_member_remove(*, membership_id: int, by: AbstractBaseUser | None) -> bool:
    """End a user's assignment to a shelter; audited. False when it was removed already."""
    with transaction.atomic():
        membership = (
            ShelterMembership.objects.select_for_update()
            .select_related("shelter", "user")
            .filter(pk=membership_id)
            .first()
        )
        if membership is None:
            return False
        membership.delete()
        audit_record(
            action=AuditAction.MEMBER_REMOVED,
            by=by,
            shelter_id=membership.shelter_id,
            subject=membership.user,
            what=f"{membership.shelter.name}: {membership.user.get_username()} "
            f"({membership.role}) removed",
            details={"user_id": membership.user_id, "role": membership.role},
        )
    logger.info("user %s removed from shelter %s", membership.user_id, membership.shelter_id)
    return True
