"""The occupancy service and the other shelter actions."""

import uuid

import pytest

from shelter import services
from shelter.errors import (
    AlreadySubmitted,
    DuplicateSpaceName,
    OccupancyBelowZero,
    PlacesBelowTaken,
    ShelterClosed,
    ShelterOccupied,
    SpaceFull,
    SpaceNotEmpty,
)
from shelter.models import OccupancyEvent, OccupancyReason, Shelter, ShelterStatus, Space
from shelter.services import SpaceCount
from shelter.signals import occupancy_changed
from tests.factories import ShelterFactory, SpaceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _change(space, delta, **kwargs):
    return services.occupancy_change(
        space_id=space.pk, delta=delta, reason=OccupancyReason.CHECK_IN, by=None, **kwargs
    )


def test_change_raises_occupancy_and_records_who_and_why():
    space = SpaceFactory(places=10)
    user = UserFactory()
    event = services.occupancy_change(
        space_id=space.pk, delta=3, reason=OccupancyReason.CHECK_IN, by=user
    )
    space.refresh_from_db()
    assert space.occupied == 3
    assert space.counted_by == user and space.counted_at is not None
    assert (event.before, event.after, event.places, event.reason, event.by) == (
        0,
        3,
        10,
        OccupancyReason.CHECK_IN,
        user,
    )
    assert event.shelter_id == space.shelter_id


def test_more_people_than_free_places_is_refused_and_nothing_changes():
    space = SpaceFactory(places=10, blocked=2)
    _change(space, 7)
    with pytest.raises(SpaceFull) as refused:
        _change(space, 2)
    assert refused.value.free == 1
    space.refresh_from_db()
    assert space.occupied == 7
    assert OccupancyEvent.objects.filter(space=space).count() == 1


def test_occupancy_cannot_go_below_zero():
    space = SpaceFactory(places=10)
    _change(space, 2)
    with pytest.raises(OccupancyBelowZero):
        _change(space, -3)
    space.refresh_from_db()
    assert space.occupied == 2


@pytest.mark.parametrize("status", [ShelterStatus.CLOSED, ShelterStatus.STANDBY])
def test_a_shelter_that_takes_nobody_refuses_arrivals_but_lets_people_leave(status):
    space = SpaceFactory(places=10)
    _change(space, 2)
    Shelter.objects.filter(pk=space.shelter_id).update(status=status)
    with pytest.raises(ShelterClosed):
        _change(space, 1)
    _change(space, -1)
    space.refresh_from_db()
    assert space.occupied == 1


def test_places_cannot_drop_below_people_there():
    space = SpaceFactory(places=10)
    _change(space, 8)
    with pytest.raises(PlacesBelowTaken):
        _change(space, 0, places_delta=-3)
    _change(space, 0, places_delta=-2)
    space.refresh_from_db()
    assert space.places == 8


def test_the_same_submission_is_applied_once():
    space = SpaceFactory(places=10)
    token = uuid.uuid4()
    _change(space, 2, submission=token)
    with pytest.raises(AlreadySubmitted):
        _change(space, 2, submission=token)
    space.refresh_from_db()
    assert space.occupied == 2


def test_listeners_hear_of_a_change_only_after_commit(django_capture_on_commit_callbacks):
    space = SpaceFactory(places=10)
    heard = []

    def listener(sender, **kwargs):
        heard.append(kwargs)

    occupancy_changed.connect(listener)
    try:
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            _change(space, 1)
        assert heard == []
        for callback in callbacks:
            callback()
    finally:
        occupancy_changed.disconnect(listener)
    assert heard[-1]["shelter_id"] == space.shelter_id
    assert heard[-1]["space_ids"] == [space.pk]


def _count(space, *, seen, entered, seen_places=None, places=None):
    seen_places = space.places if seen_places is None else seen_places
    return SpaceCount(
        space_id=space.pk,
        seen_places=seen_places,
        seen_occupied=seen,
        places=seen_places if places is None else places,
        occupied=entered,
    )


def test_a_count_adds_to_a_change_saved_meanwhile_instead_of_overwriting_it():
    space = SpaceFactory(places=20)
    _change(space, 5)
    # Two volunteers both saw 5: one records 2 arrivals, the other 1.
    services.shelter_count(
        shelter_id=space.shelter_id, counts=[_count(space, seen=5, entered=7)], by=None
    )
    services.shelter_count(
        shelter_id=space.shelter_id, counts=[_count(space, seen=5, entered=6)], by=None
    )
    space.refresh_from_db()
    assert space.occupied == 8


def test_a_count_is_all_rows_or_none():
    shelter = ShelterFactory()
    roomy = SpaceFactory(shelter=shelter, places=10)
    small = SpaceFactory(shelter=shelter, places=2)
    with pytest.raises(SpaceFull):
        services.shelter_count(
            shelter_id=shelter.pk,
            counts=[_count(roomy, seen=0, entered=5), _count(small, seen=0, entered=3)],
            by=None,
        )
    assert list(Space.objects.filter(shelter=shelter).values_list("occupied", flat=True)) == [0, 0]
    assert not OccupancyEvent.objects.exists()


def test_an_unchanged_count_is_recorded_as_a_confirmation():
    space = SpaceFactory(places=10)
    (event,) = services.shelter_count(
        shelter_id=space.shelter_id, counts=[_count(space, seen=0, entered=0)], by=None
    )
    assert (event.before, event.after, event.reason) == (0, 0, OccupancyReason.COUNT)
    space.refresh_from_db()
    assert space.counted_at is not None


def test_a_count_cannot_touch_another_shelters_space():
    space = SpaceFactory()
    other = ShelterFactory()
    with pytest.raises(Space.DoesNotExist):
        services.shelter_count(
            shelter_id=other.pk, counts=[_count(space, seen=0, entered=1)], by=None
        )


def test_space_save_never_overwrites_a_count_saved_meanwhile():
    space = SpaceFactory(places=10)
    stale = Space.objects.get(pk=space.pk)  # loaded by the edit form before the count
    _change(space, 4)
    stale.places = 12
    services.space_save(space=stale, fields=["places"], by=None)
    space.refresh_from_db()
    assert (space.places, space.occupied) == (12, 4)
    assert OccupancyEvent.objects.filter(reason=OccupancyReason.CORRECTION).get().places == 12


def test_space_save_refuses_places_below_people_even_from_a_stale_form():
    space = SpaceFactory(places=10)
    stale = Space.objects.get(pk=space.pk)
    _change(space, 6)
    stale.places = 5
    with pytest.raises(PlacesBelowTaken):
        services.space_save(space=stale, fields=["places"], by=None)
    space.refresh_from_db()
    assert space.places == 10


def test_space_save_refuses_a_duplicate_name():
    space = SpaceFactory(name="Hall")
    with pytest.raises(DuplicateSpaceName):
        services.space_save(
            space=Space(shelter=space.shelter, name="Hall", places=3), fields=[], by=None
        )


def test_a_space_with_people_cannot_be_deleted():
    space = SpaceFactory(places=10)
    _change(space, 1)
    with pytest.raises(SpaceNotEmpty):
        services.space_delete(space_id=space.pk)
    _change(space, -1)
    services.space_delete(space_id=space.pk)
    assert not Space.objects.filter(pk=space.pk).exists()


def test_a_shelter_with_people_cannot_be_closed_and_the_message_says_how_many():
    space = SpaceFactory(places=10)
    _change(space, 3)
    with pytest.raises(ShelterOccupied) as refused:
        services.shelter_set_status(
            shelter_id=space.shelter_id, status=ShelterStatus.CLOSED, by=None
        )
    assert refused.value.people == 3
    assert "3 people" in refused.value.message
    assert Shelter.objects.get(pk=space.shelter_id).status == ShelterStatus.OPEN


def test_an_empty_shelter_closes_and_opening_shows_full_when_no_place_is_free():
    space = SpaceFactory(places=2)
    services.shelter_set_status(shelter_id=space.shelter_id, status=ShelterStatus.CLOSED, by=None)
    assert Shelter.objects.get(pk=space.shelter_id).status == ShelterStatus.CLOSED
    Space.objects.filter(pk=space.pk).update(blocked=2)
    shelter = services.shelter_set_status(
        shelter_id=space.shelter_id, status=ShelterStatus.OPEN, by=None
    )
    assert shelter.status == ShelterStatus.FULL


def test_status_follows_free_places_both_ways_and_leaves_closed_alone():
    space = SpaceFactory(places=2)
    shelter_id = space.shelter_id
    _change(space, 2)
    assert services.shelter_refresh_status(shelter_id=shelter_id) == ShelterStatus.FULL
    assert services.shelter_refresh_status(shelter_id=shelter_id) == ShelterStatus.FULL
    _change(space, -1)
    assert services.shelter_refresh_status(shelter_id=shelter_id) == ShelterStatus.OPEN
    Shelter.objects.filter(pk=shelter_id).update(status=ShelterStatus.CLOSED)
    assert services.shelter_refresh_status(shelter_id=shelter_id) == ShelterStatus.CLOSED


def test_creating_a_shelter_makes_its_creator_the_manager():
    user = UserFactory()
    shelter = services.shelter_create(shelter=Shelter(name="New", address="Somewhere"), by=user)
    assert shelter.memberships.get().user == user
    assert shelter.memberships.get().role == "manager"
