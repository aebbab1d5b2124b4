"""Services behind the dashboard: "mark full", audited status changes and assignments, and the
history of places the charts read."""

import pytest
from django.db import IntegrityError, transaction

from shelter import services
from shelter.errors import ShelterClosed, ShelterOccupied
from shelter.models import (
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
from tests.factories import ShelterFactory, SpaceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _count(space, delta, **kwargs):
    return services.occupancy_change(
        space_id=space.pk, delta=delta, reason=OccupancyReason.COUNT, by=None, **kwargs
    )


@pytest.fixture
def boss(db):
    return UserFactory(username="boss")


# --- Mark full -------------------------------------------------------------------------------


def test_mark_full_makes_an_open_shelter_full_and_is_audited(boss):
    space = SpaceFactory(places=10)
    _count(space, 3)

    shelter = services.shelter_mark_full(shelter_id=space.shelter_id, by=boss)

    assert (shelter.status, shelter.marked_full) == (ShelterStatus.FULL, True)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.by, entry.shelter_id) == (AuditAction.MARKED_FULL, boss, shelter.pk)
    assert entry.details == {"before": "open", "after": "full"}
    assert entry.at is not None


def test_the_status_refresh_keeps_a_shelter_marked_full_full(boss):
    space = SpaceFactory(places=10)
    _count(space, 10)
    services.shelter_mark_full(shelter_id=space.shelter_id, by=boss)
    _count(space, -4)  # people leave: by the count it would be open again

    assert services.shelter_refresh_status(shelter_id=space.shelter_id) == ShelterStatus.FULL
    shelter = Shelter.objects.get(pk=space.shelter_id)
    assert (shelter.status, shelter.marked_full) == (ShelterStatus.FULL, True)


def test_opening_again_ends_the_mark_and_follows_the_free_places(boss):
    space = SpaceFactory(places=10)
    services.shelter_mark_full(shelter_id=space.shelter_id, by=boss)

    shelter = services.shelter_set_status(
        shelter_id=space.shelter_id, status=ShelterStatus.OPEN, by=boss
    )

    assert shelter.status == ShelterStatus.OPEN
    assert not Shelter.objects.get(pk=space.shelter_id).marked_full
    assert services.shelter_refresh_status(shelter_id=space.shelter_id) == ShelterStatus.OPEN


def test_closing_ends_the_mark_too(boss):
    space = SpaceFactory(places=10)
    services.shelter_mark_full(shelter_id=space.shelter_id, by=boss)
    services.shelter_set_status(shelter_id=space.shelter_id, status=ShelterStatus.CLOSED, by=boss)
    shelter = Shelter.objects.get(pk=space.shelter_id)
    assert (shelter.status, shelter.marked_full) == (ShelterStatus.CLOSED, False)


@pytest.mark.parametrize("status", [ShelterStatus.STANDBY, ShelterStatus.CLOSED])
def test_a_shelter_taking_nobody_cannot_be_marked_full(boss, status):
    shelter = ShelterFactory(status=status)
    with pytest.raises(ShelterClosed):
        services.shelter_mark_full(shelter_id=shelter.pk, by=boss)
    shelter.refresh_from_db()
    assert (shelter.status, shelter.marked_full) == (status, False)
    assert not AuditEntry.objects.exists()


def test_the_database_refuses_marked_full_unless_full():
    shelter = ShelterFactory(status=ShelterStatus.OPEN)
    with pytest.raises(IntegrityError), transaction.atomic():
        Shelter.objects.filter(pk=shelter.pk).update(marked_full=True)


def test_people_held_or_staying_still_come_and_go_in_a_shelter_marked_full(boss):
    space = SpaceFactory(places=10)
    services.held_change(space_id=space.pk, delta=2)
    services.shelter_mark_full(shelter_id=space.shelter_id, by=boss)
    services.held_change(space_id=space.pk, delta=-2)
    _count(space, 2)  # the held household arrived and is counted in
    space.refresh_from_db()
    assert space.occupied == 2


# --- Status changes are audited ---------------------------------------------------------------


def test_status_changes_are_audited_with_who_and_what(boss):
    shelter = ShelterFactory(name="Yunost", status=ShelterStatus.STANDBY)
    SpaceFactory(shelter=shelter, places=5)
    services.shelter_set_status(shelter_id=shelter.pk, status=ShelterStatus.OPEN, by=boss)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.by, entry.shelter) == (AuditAction.STATUS, boss, shelter)
    assert entry.what == "Yunost: standby → open"
    assert entry.details == {"before": "standby", "asked": "open", "after": "open"}


def test_a_refused_close_records_nothing(boss):
    space = SpaceFactory(places=5)
    _count(space, 1)
    with pytest.raises(ShelterOccupied):
        services.shelter_set_status(
            shelter_id=space.shelter_id, status=ShelterStatus.CLOSED, by=boss
        )
    assert not AuditEntry.objects.exists()


# --- Assignments --------------------------------------------------------------------------------


def test_assigning_a_volunteer_is_audited(boss):
    shelter = ShelterFactory(name="Cinema Park")
    aigerim = UserFactory(username="aigerim")

    membership = services.shelter_member_assign(
        shelter_id=shelter.pk, user=aigerim, role=MembershipRole.VOLUNTEER, by=boss
    )

    assert (membership.user, membership.role) == (aigerim, MembershipRole.VOLUNTEER)
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.by, entry.subject, entry.shelter) == (
        AuditAction.MEMBER_ASSIGNED,
        boss,
        aigerim,
        shelter,
    )
    assert entry.what == "Cinema Park: aigerim as volunteer"


def test_assigning_again_changes_nothing_and_a_new_role_is_recorded(boss):
    shelter = ShelterFactory(name="Cinema Park")
    aigerim = UserFactory(username="aigerim")
    for _ in range(2):  # a retried form
        services.shelter_member_assign(
            shelter_id=shelter.pk, user=aigerim, role=MembershipRole.VOLUNTEER, by=boss
        )
    services.shelter_member_assign(
        shelter_id=shelter.pk, user=aigerim, role=MembershipRole.MANAGER, by=boss
    )
    assert ShelterMembership.objects.get().role == MembershipRole.MANAGER
    assert list(AuditEntry.objects.order_by("pk").values_list("what", flat=True)) == [
        "Cinema Park: aigerim as volunteer",
        "Cinema Park: aigerim as manager (was volunteer)",
    ]


def test_removing_is_audited_and_safe_to_repeat(boss):
    shelter = ShelterFactory(name="Cinema Park")
    aigerim = UserFactory(username="aigerim")
    membership = services.shelter_member_assign(
        shelter_id=shelter.pk, user=aigerim, role=MembershipRole.VOLUNTEER, by=boss
    )
    assert services.shelter_member_remove(membership_id=membership.pk, by=boss) is True
    assert services.shelter_member_remove(membership_id=membership.pk, by=boss) is False
    assert not ShelterMembership.objects.exists()
    removed = AuditEntry.objects.get(action=AuditAction.MEMBER_REMOVED)
    assert (removed.subject, removed.what) == (aigerim, "Cinema Park: aigerim (volunteer) removed")


# --- The history of places -------------------------------------------------------------


def test_each_change_records_the_places_before_and_after():
    space = SpaceFactory(places=10)
    event = _count(space, 2, places_delta=5)
    assert (event.places_before, event.places, event.before, event.after) == (10, 15, 0, 2)


def test_a_new_space_and_a_capacity_edit_enter_the_history(boss):
    shelter = ShelterFactory()
    space = services.space_save(
        space=Space(shelter=shelter, name="Hall", places=20), fields=[], by=boss
    )
    space.places = 25
    services.space_save(space=space, fields=["places"], by=boss)
    events = list(OccupancyEvent.objects.order_by("pk").values_list("places_before", "places"))
    assert events == [(0, 20), (20, 25)]
