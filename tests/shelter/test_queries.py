"""List pages make a fixed number of queries, whatever the number of shelters and spaces."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from shelter import services
from shelter.models import OccupancyReason
from tests.factories import ShelterFactory, SpaceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _seed(shelters: int, spaces_each: int) -> list:
    counter = UserFactory()
    made = []
    for _ in range(shelters):
        shelter = ShelterFactory()
        for _ in range(spaces_each):
            space = SpaceFactory(shelter=shelter)
            services.occupancy_change(
                space_id=space.pk, delta=1, reason=OccupancyReason.COUNT, by=counter
            )
        made.append(shelter)
    return made


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("size", [2, 20])
def test_my_shelters_queries_do_not_grow(size, as_user, coordinator):
    _seed(size, 3)
    client = as_user(coordinator)
    # 1 session, 2 user with their permissions, 3 shelters with summed counts, 4 spaces with
    # their counters
    assert _queries(client, reverse("shelter:mine")) == 4


@pytest.mark.parametrize("size", [2, 20])
def test_shelter_page_queries_do_not_grow(size, as_user, coordinator):
    (shelter,) = _seed(1, size)
    client = as_user(coordinator)
    # 1 session, 2 user with their permissions, 3 shelter, 4 spaces with counters (the shelter's
    # sums are added up from them), 5 recent events, 6 coordination's section: check-outs to
    # undo (nothing held here: no query for households on the way), 7 changes of the last week
    # summed by hour (both charts)
    assert _queries(client, reverse("shelter:detail", args=[shelter.pk])) == 7


@pytest.mark.parametrize("changes", [1, 25])
def test_shelter_page_queries_do_not_grow_with_its_history(changes, as_user, coordinator):
    (shelter,) = _seed(1, 3)
    for space in shelter.spaces.all():
        for number in range(changes):
            services.occupancy_change(
                space_id=space.pk,
                delta=1 if number % 2 else -1,
                reason=OccupancyReason.COUNT,
                by=coordinator,
            )
    client = as_user(coordinator)
    # the same 7 as above: the history is summed by hour in one query, the list is the
    # latest RECENT_EVENTS
    assert _queries(client, reverse("shelter:detail", args=[shelter.pk])) == 7


@pytest.mark.parametrize("size", [2, 20])
def test_my_shelters_of_a_volunteer_queries_do_not_grow(size, as_user, volunteer):
    from shelter.models import ShelterMembership

    for shelter in _seed(size, 3):
        ShelterMembership.objects.create(shelter=shelter, user=volunteer)
    client = as_user(volunteer)
    # 1 session, 2 user with their permissions, 3 their shelters with summed counts, 4 spaces
    # with counters
    assert _queries(client, reverse("shelter:mine")) == 4


@pytest.mark.parametrize("size", [2, 20])
def test_shelter_page_of_a_volunteer_queries_do_not_grow(size, as_user, volunteer):
    from shelter.models import ShelterMembership

    (shelter,) = _seed(1, size)
    ShelterMembership.objects.create(shelter=shelter, user=volunteer)
    client = as_user(volunteer)
    # 1 session, 2 user with their permissions, 3 shelter and the volunteer's role there
    # (every check of the page reads it: log beds, check in, manage), 4 spaces with counters,
    # 5 recent events, 6 coordination's section: check-outs to undo (nothing held here), 7
    # changes of the last week summed by hour (both charts)
    assert _queries(client, reverse("shelter:detail", args=[shelter.pk])) == 7
