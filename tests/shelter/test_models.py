"""The database keeps the rules: rows that break them are refused by constraints."""

import pytest
from django.db import IntegrityError, transaction

from shelter.models import MAX_PLACES, OccupancyEvent, Shelter, Space, sphere_capacity
from tests.factories import ShelterFactory, SpaceFactory

pytestmark = pytest.mark.django_db


def _refused(**changes) -> None:
    space = SpaceFactory(places=10)
    with pytest.raises(IntegrityError), transaction.atomic():
        Space.objects.filter(pk=space.pk).update(**changes)


def test_occupied_above_free_places_is_refused():
    _refused(occupied=11)


def test_occupied_plus_blocked_above_places_is_refused():
    _refused(occupied=8, blocked=3)


def test_held_counts_against_places():
    _refused(occupied=8, held=3)


def test_negative_occupied_is_refused():
    _refused(occupied=-1)


def test_absurd_places_are_refused():
    _refused(places=MAX_PLACES + 1)


def test_full_space_is_allowed():
    space = SpaceFactory(places=10)
    Space.objects.filter(pk=space.pk).update(occupied=7, blocked=2, held=1)
    space.refresh_from_db()
    assert space.free == 0
    assert space.taken == 10


def test_space_names_are_unique_within_a_shelter_only():
    first = SpaceFactory(name="Hall")
    SpaceFactory(name="Hall")  # another shelter: fine
    with pytest.raises(IntegrityError), transaction.atomic():
        SpaceFactory(shelter=first.shelter, name="Hall")


def test_shelter_cannot_be_men_only_and_women_children_only():
    with pytest.raises(IntegrityError), transaction.atomic():
        ShelterFactory(men_only=True, women_children_only=True)


def test_shelter_opening_hours_come_in_pairs():
    import datetime

    with pytest.raises(IntegrityError), transaction.atomic():
        ShelterFactory(opens_at=datetime.time(20, 0))


def test_unknown_status_is_refused():
    shelter = ShelterFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Shelter.objects.filter(pk=shelter.pk).update(status="maybe")


def test_one_submission_counts_once_per_space():
    import uuid

    space = SpaceFactory()
    token = uuid.uuid4()
    fields = {
        "space": space,
        "shelter": space.shelter,
        "before": 0,
        "after": 1,
        "places_before": 10,
        "places": 10,
    }
    OccupancyEvent.objects.create(reason="count", submission=token, **fields)
    with pytest.raises(IntegrityError), transaction.atomic():
        OccupancyEvent.objects.create(reason="count", submission=token, **fields)


def test_with_counts_sums_spaces():
    shelter = ShelterFactory()
    SpaceFactory(shelter=shelter, places=10)
    other = SpaceFactory(shelter=shelter, places=5)
    Space.objects.filter(pk=other.pk).update(occupied=2, held=1, blocked=1)
    row = Shelter.objects.with_counts().get(pk=shelter.pk)
    assert (row.total_places, row.total_occupied, row.total_free) == (15, 2, 11)


def test_sphere_capacity_uses_the_cold_climate_minimum():
    from decimal import Decimal

    assert sphere_capacity(Decimal("35"), cold=False) == 10
    assert sphere_capacity(Decimal("45"), cold=True) == 10
    assert sphere_capacity(Decimal("44.9"), cold=True) == 9
