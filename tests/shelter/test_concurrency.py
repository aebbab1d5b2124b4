"""Races against real PostgreSQL: threads with their own connections, released together."""

import pytest

from shelter import services
from shelter.errors import ShelterOccupied, SpaceFull
from shelter.models import OccupancyEvent, OccupancyReason, Shelter, ShelterStatus, Space
from tests.factories import SpaceFactory
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_twenty_volunteers_racing_for_ten_places_ten_succeed_and_the_rest_hear_full():
    space = SpaceFactory(places=10)

    outcomes = race(
        20,
        lambda _index: services.occupancy_change(
            space_id=space.pk, delta=1, reason=OccupancyReason.CHECK_IN, by=None
        ),
    )

    assert outcomes.count("ok") == 10
    assert outcomes.count(SpaceFull.__name__) == 10
    space.refresh_from_db()
    assert space.occupied == 10
    assert OccupancyEvent.objects.filter(space=space).count() == 10


def test_concurrent_counts_lose_no_update():
    space = SpaceFactory(places=100)

    def count(_index):
        services.shelter_count(
            shelter_id=space.shelter_id,
            counts=[
                services.SpaceCount(
                    space_id=space.pk, seen_places=100, seen_occupied=0, places=100, occupied=3
                )
            ],
            by=None,
        )

    outcomes = race(10, count)

    assert outcomes == ["ok"] * 10
    space.refresh_from_db()
    assert space.occupied == 30
    events = OccupancyEvent.objects.filter(space=space)
    assert sum(event.after - event.before for event in events) == 30


def test_closing_while_people_check_in_never_leaves_people_in_a_closed_shelter():
    space = SpaceFactory(places=50)

    def act(index):
        if index == 0:
            services.shelter_set_status(
                shelter_id=space.shelter_id, status=ShelterStatus.CLOSED, by=None
            )
        else:
            services.occupancy_change(
                space_id=space.pk, delta=1, reason=OccupancyReason.CHECK_IN, by=None
            )

    outcomes = race(8, act)

    space.refresh_from_db()
    status = Shelter.objects.get(pk=space.shelter_id).status
    if status == ShelterStatus.CLOSED:
        assert space.occupied == 0
        assert outcomes[0] == "ok"
    else:
        assert outcomes[0] == ShelterOccupied.__name__
        assert space.occupied == outcomes.count("ok")
    assert Space.objects.get(pk=space.pk).occupied <= 50
