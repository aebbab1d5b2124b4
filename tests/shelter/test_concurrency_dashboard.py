"""Races of the dashboard's actions against real PostgreSQL (threads, own connections)."""

import pytest

from shelter import services
from shelter.models import (
    AuditEntry,
    MembershipRole,
    OccupancyReason,
    Shelter,
    ShelterMembership,
    ShelterStatus,
)
from tests.factories import ShelterFactory, SpaceFactory, UserFactory
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_marking_full_while_people_leave_leaves_it_full():
    """The status refresh after a check-out and "mark full" both take the shelter lock: in
    either order the shelter ends full by decision."""
    space = SpaceFactory(places=10)
    services.occupancy_change(space_id=space.pk, delta=10, reason=OccupancyReason.COUNT, by=None)
    boss = UserFactory()

    def act(index):
        if index == 0:
            services.shelter_mark_full(shelter_id=space.shelter_id, by=boss)
        else:
            services.occupancy_change(
                space_id=space.pk, delta=-1, reason=OccupancyReason.CHECK_OUT, by=None
            )
            services.shelter_refresh_status(shelter_id=space.shelter_id)

    assert race(6, act) == ["ok"] * 6
    shelter = Shelter.objects.get(pk=space.shelter_id)
    assert (shelter.status, shelter.marked_full) == (ShelterStatus.FULL, True)
    assert services.shelter_refresh_status(shelter_id=shelter.pk) == ShelterStatus.FULL


def test_two_coordinators_assigning_the_same_volunteer_make_one_assignment():
    shelter = ShelterFactory()
    aigerim = UserFactory()
    bosses = [UserFactory(), UserFactory(), UserFactory(), UserFactory()]

    outcomes = race(
        4,
        lambda index: services.shelter_member_assign(
            shelter_id=shelter.pk, user=aigerim, role=MembershipRole.VOLUNTEER, by=bosses[index]
        ),
    )

    assert outcomes == ["ok"] * 4
    assert ShelterMembership.objects.filter(shelter=shelter, user=aigerim).count() == 1
    assert AuditEntry.objects.count() == 1  # one assignment happened; the others found it
