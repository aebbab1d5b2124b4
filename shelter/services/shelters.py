"""Shelters: registration, status (open, standby, close, mark full), assignments, audit.

Status changes, "mark full" and assignments write an AuditEntry in the same transaction.
"""

import logging

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import F, Sum
from django.db.models.functions import Coalesce, Now

from ..errors import MarkFullRefused, ShelterOccupied
from ..models import (
    TAKING_PEOPLE,
    AuditAction,
    AuditEntry,
    MembershipRole,
    Shelter,
    ShelterMembership,
    ShelterStatus,
    Space,
    StatusAction,
)
from .locks import announce, lock_shelter, status_by_free_places

logger = logging.getLogger(__name__)


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

    Standby stops new arrivals: the people checked in stay, households on their way with a
    hold are still received (the hold expires as usual), nobody new is offered its places.
    Closing is refused with ShelterOccupied while anyone is checked in or expected; the
    shelter lock makes this exact against check-ins in flight.
    """
    with transaction.atomic():
        shelter = lock_shelter(shelter_id)
        before = shelter.status
        if status == ShelterStatus.CLOSED:
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
        announce(shelter_id, [])
    logger.info("shelter %s status set to %s by user %s", shelter_id, status, by and by.pk)
    return shelter


def shelter_mark_full(*, shelter_id: int, by: AbstractBaseUser | None) -> Shelter:
    """Show an open shelter as full whatever its free places say, until it is opened again.

    For a decision the counts cannot show (no staff tonight, the water is cut). People
    already held or checked in still come and go; nobody new is offered its places, and the
    status refresh leaves it full. Raises MarkFullRefused for a shelter on standby or closed.
    """
    with transaction.atomic():
        shelter = lock_shelter(shelter_id)
        if shelter.status not in TAKING_PEOPLE:
            raise MarkFullRefused(
                shelter_name=shelter.name, on_standby=shelter.status == ShelterStatus.STANDBY
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
        announce(shelter_id, [])
    logger.info("shelter %s marked full by user %s", shelter_id, by and by.pk)
    return shelter


def shelter_status_action(
    *, shelter_id: int, action: StatusAction, by: AbstractBaseUser | None
) -> Shelter:
    """Open, mark full, put on standby or close: the one entry both the pages use."""
    if action == StatusAction.FULL:
        return shelter_mark_full(shelter_id=shelter_id, by=by)
    return shelter_set_status(shelter_id=shelter_id, status=ShelterStatus(action), by=by)


def _status_by_free_places(shelter: Shelter) -> ShelterStatus:
    """Within a locked transaction: make an open/full shelter's status match its free places
    (locks.status_by_free_places)."""
    free = Space.objects.filter(shelter_id=shelter.pk).aggregate(
        free=Coalesce(Sum(F("places") - F("blocked") - F("held") - F("occupied")), 0)
    )["free"]
    target = status_by_free_places(shelter.status, marked_full=shelter.marked_full, free=free)
    if shelter.status != target:
        Shelter.objects.filter(pk=shelter.pk).update(status=target, updated_at=Now())
    return ShelterStatus(target)


def shelter_refresh_status(*, shelter_id: int) -> ShelterStatus:
    """Show an open shelter as full when no place is free, and as open again when one is.

    Standby and closed are decisions of people and are left alone. Idempotent.
    """
    with transaction.atomic():
        # The lock orders this read after any count in flight, so the result is never stale.
        shelter = lock_shelter(shelter_id)
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
