"""Arrival and meal lists make a fixed number of queries, whatever the data size."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from coordination.asks import services as ask_services
from coordination.households import services
from coordination.meals import services as meal_services
from coordination.models import Household
from tests.factories import HouseholdFactory, MealOfferFactory, ShelterFactory, SpaceFactory

pytestmark = pytest.mark.django_db


def _queries(client, url, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, data or {}).status_code == 200
    return len(queries)


def _seed(size: int, by) -> None:
    for _ in range(size):
        space = SpaceFactory(places=10, shelter=ShelterFactory())
        waiting = HouseholdFactory(size=2)
        services.hold_create(household_id=waiting.pk, space_id=space.pk, by=by)
        HouseholdFactory(size=1)
        # asked online: the waiting list marks it with its code (joined, no query more)
        ask_services.ask_create(household=Household(contact_name="A", size=1), where_now="city")
        offer = MealOfferFactory()
        meal_services.meal_claim(offer_id=offer.pk, shelter_id=space.shelter_id, portions=1, by=by)


@pytest.mark.parametrize("size", [2, 15])
def test_waiting_list_queries_do_not_grow(size, as_user, coordinator):
    _seed(size, coordinator)
    client = as_user(coordinator)
    # 1 session, 2 user with their permissions, 3 how many households wait for a place, 4 a
    # page of them with who registered them, 5 those on the way, 6 their active holds with
    # space and shelter, 7 shelters with free places for the select
    assert _queries(client, reverse("coordination:waiting")) == 7
    # + 9 the chosen shelter, 10 its spaces (who fits is worked out in queries 4 and 5)
    shelter = ShelterFactory()
    assert _queries(client, reverse("coordination:waiting"), {"shelter": shelter.pk}) == 9
    # another page: the same queries
    assert _queries(client, reverse("coordination:waiting"), {"page": 2}) == 7


@pytest.mark.parametrize("size", [2, 15])
def test_waiting_list_of_a_volunteer_queries_do_not_grow(size, as_user, coordinator, volunteer):
    _seed(size, coordinator)  # households registered nowhere: the city's list for them
    for _ in range(size):
        HouseholdFactory(size=2, registered_by=volunteer, contact_name="Olga")
    client = as_user(volunteer)
    # 1 session, 2 user with their permissions, 3 how many households they may see wait for a
    # place, 4 a page of them with who registered them, 5 those on the way (none here: no query
    # for their holds), 6 the spaces of their shelters taking people, 7 the city's other
    # households waiting for a place, 8 their shelters for the select
    assert _queries(client, reverse("coordination:waiting")) == 8
    # a name is not searched among the city's others (not theirs to see): no query 8
    assert _queries(client, reverse("coordination:waiting"), {"q": "olg"}) == 7


@pytest.mark.parametrize("size", [2, 15])
def test_find_a_place_queries_do_not_grow(size, as_user, coordinator):
    _seed(size, coordinator)
    household = HouseholdFactory(size=1)
    # 1 session, 2 user with their permissions, 3 household, 4 visibility (coordinator sees
    # all: one exists query), 5 the sums and last count of the shelters with a space that takes
    # it, 6 those spaces (id, free, shelter's name), 7 the best of them with their shelter, 8
    # the household's active hold (where it is on its way to)
    assert (
        _queries(as_user(coordinator), reverse("coordination:find_place", args=[household.pk])) == 8
    )


@pytest.mark.parametrize("size", [2, 15])
def test_meals_queries_do_not_grow(size, as_user, coordinator):
    _seed(size, coordinator)
    # 1 session, 2 user with their permissions, 3 offers with remaining portions, provider and
    # shelter, 4 the user's shelters (one list for every claim select), 5 their claims, 6 their
    # claims released by a cancelled offer
    assert _queries(as_user(coordinator), reverse("coordination:meals")) == 6


@pytest.mark.parametrize("size", [2, 15])
def test_my_meal_offers_queries_do_not_grow(size, as_user, coordinator, meal_provider, cafe):
    _seed(size, coordinator)
    for _ in range(size):
        offer = MealOfferFactory(provider=cafe)
        shelter = ShelterFactory()
        meal_services.meal_claim(
            offer_id=offer.pk, shelter_id=shelter.pk, portions=1, by=coordinator
        )
    # 1 session, 2 user with their permissions, 3 offers of the user's provider with provider
    # and shelter, 4 their claims with shelter, 5 the user's providers (the heading)
    assert _queries(as_user(meal_provider), reverse("coordination:meals_mine")) == 5
    # a coordinator sees every provider's offers: the same queries
    assert _queries(as_user(coordinator), reverse("coordination:meals_mine")) == 5


@pytest.mark.parametrize("size", [2, 15])
def test_household_page_with_its_move_list_queries_do_not_grow(size, as_user, volunteer, shelter):
    for number in range(size):
        SpaceFactory(shelter=shelter, name=f"Room {number}", places=5)
    household = HouseholdFactory(size=2, registered_at=shelter)
    space = shelter.spaces.get(name="Auditorium 1")
    services.stay_check_in(household_id=household.pk, space_id=space.pk, by=volunteer)
    client = as_user(volunteer)
    url = reverse("coordination:household", args=[household.pk])
    # 1 session, 2 user with their permissions, 3 household, 4 visibility, 5 household with who
    # registered it, 6 its stays, 7 its holds, 8 may they act there (their role), 9 is there a
    # space to move to, 10 the spaces that fit (the select)
    assert _queries(client, url) == 10
