"""The bed-count save: one statement for every row, whatever the number of rows, with every
guarantee of a row-by-row save (no overfill, a retried submit applied once, all or none)."""

import uuid

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shelter import services
from shelter.errors import AlreadySubmitted, OccupancyBelowZero, ShelterClosed, SpaceFull
from shelter.models import OccupancyEvent, OccupancyOutbox, Shelter, ShelterStatus, Space
from tests.factories import ShelterFactory, SpaceFactory
from tests.races import race


def _counts(spaces, add: int = 1) -> list[services.SpaceCount]:
    return [
        services.SpaceCount(
            space_id=s.pk,
            seen_places=s.places,
            seen_occupied=s.occupied,
            places=s.places,
            occupied=s.occupied + add,
        )
        for s in spaces
    ]


def _shelter(rows: int, places: int = 10) -> tuple[Shelter, list[Space]]:
    shelter = ShelterFactory()
    return shelter, [SpaceFactory(shelter=shelter, places=places) for _ in range(rows)]


@pytest.mark.django_db
@pytest.mark.parametrize("rows", [1, 12])
def test_a_count_of_any_number_of_rows_makes_the_same_queries(rows):
    shelter, spaces = _shelter(rows)
    with CaptureQueriesContext(connection) as queries:
        services.shelter_count(
            shelter_id=shelter.pk, counts=_counts(spaces), by=None, submission=uuid.uuid4()
        )
    # 1 savepoint, 2 lock the shelter, 3 was this submission saved already, 4 the one UPDATE
    # of every row, 5 the rows after it, 6-8 savepoint, INSERT of every history row, release,
    # 9 the shelter's figures for the outbox, 10 its outbox row, 11 release
    assert len(queries) == 11, [q["sql"] for q in queries]
    assert sum(1 for q in queries if q["sql"].startswith("UPDATE")) == 1
    assert OccupancyEvent.objects.filter(shelter=shelter).count() == rows
    assert (
        list(Space.objects.filter(shelter=shelter).values_list("occupied", flat=True)) == [1] * rows
    )
    assert OccupancyOutbox.objects.filter(shelter=shelter).count() == 1  # one per save


def _post_count(client, shelter, spaces) -> int:
    """POST a bed count adding 2 people to every row; the number of queries it made."""
    data = {"submission": str(uuid.uuid4())}
    for space in spaces:
        data |= {
            f"space-{space.pk}-seen_places": space.places,
            f"space-{space.pk}-seen_occupied": 0,
            f"space-{space.pk}-places": space.places,
            f"space-{space.pk}-occupied": 2,
        }
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("shelter:detail", args=[shelter.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Space.objects.filter(shelter=shelter, occupied=2).count() == len(spaces)
    return len(queries)


@pytest.mark.django_db
def test_the_bed_count_post_makes_the_same_queries_for_any_number_of_rows(as_user, coordinator):
    client = as_user(coordinator)
    one, twelve = _shelter(1), _shelter(12)
    # session, user, permissions, the shelter with its spaces, then the save above
    assert _post_count(client, *one) == _post_count(client, *twelve)


@pytest.mark.django_db
def test_a_refused_row_saves_no_row_and_names_the_first_refused_space():
    shelter, (first, second, third) = _shelter(3, places=2)
    counts = _counts([first], add=1) + _counts([second], add=5) + _counts([third], add=-1)
    with pytest.raises(SpaceFull) as refused:
        services.shelter_count(shelter_id=shelter.pk, counts=counts, by=None)
    assert refused.value.space_id == second.pk
    assert set(Space.objects.filter(shelter=shelter).values_list("occupied", flat=True)) == {0}
    assert not OccupancyEvent.objects.exists() and not OccupancyOutbox.objects.exists()
    with pytest.raises(OccupancyBelowZero):
        services.shelter_count(shelter_id=shelter.pk, counts=counts[2:], by=None)


@pytest.mark.django_db
def test_a_closed_shelter_takes_no_one_from_a_count_but_a_count_may_take_people_out():
    shelter, spaces = _shelter(2)
    services.shelter_count(shelter_id=shelter.pk, counts=_counts(spaces, add=2), by=None)
    Shelter.objects.filter(pk=shelter.pk).update(status=ShelterStatus.CLOSED)
    for space in spaces:
        space.refresh_from_db()
    with pytest.raises(ShelterClosed):
        services.shelter_count(shelter_id=shelter.pk, counts=_counts(spaces, add=1), by=None)
    services.shelter_count(shelter_id=shelter.pk, counts=_counts(spaces, add=-2), by=None)
    assert set(Space.objects.filter(shelter=shelter).values_list("occupied", flat=True)) == {0}


@pytest.mark.django_db
def test_a_retried_submit_of_several_rows_is_applied_once():
    shelter, spaces = _shelter(4)
    submission = uuid.uuid4()
    services.shelter_count(
        shelter_id=shelter.pk, counts=_counts(spaces), by=None, submission=submission
    )
    with pytest.raises(AlreadySubmitted):
        services.shelter_count(
            shelter_id=shelter.pk, counts=_counts(spaces), by=None, submission=submission
        )
    assert OccupancyEvent.objects.filter(submission=submission).count() == 4
    assert set(Space.objects.filter(shelter=shelter).values_list("occupied", flat=True)) == {1}


@pytest.mark.django_db(transaction=True)
def test_racing_counts_of_every_row_never_overfill_and_apply_each_retry_once():
    """Twelve volunteers each add 3 people to each of 4 rows of 10 places: three fit. Every
    save is sent twice at once (a double tap): each is applied at most once."""
    shelter, spaces = _shelter(4, places=10)
    submissions = [uuid.uuid4() for _ in range(12)]

    def save(index: int) -> None:
        services.shelter_count(
            shelter_id=shelter.pk,
            counts=_counts(spaces, add=3),  # everyone saw the empty shelter
            by=None,
            submission=submissions[index // 2],
        )

    outcomes = race(24, save)

    assert outcomes.count("ok") == 3
    assert set(outcomes) == {"ok", SpaceFull.__name__, AlreadySubmitted.__name__}
    assert set(Space.objects.filter(shelter=shelter).values_list("occupied", flat=True)) == {9}
    events = OccupancyEvent.objects.filter(shelter=shelter)
    assert events.count() == 12  # 3 saves x 4 rows
    assert len({e.submission for e in events}) == 3
