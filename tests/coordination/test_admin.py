"""Coordination admin pages load."""

import pytest
from django.urls import reverse

from coordination.households import services
from coordination.meals import services as meal_services
from tests.factories import HouseholdFactory, MealOfferFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "name",
    ["household", "stay", "hold", "mealoffer", "mealclaim", "mealprovider", "mealprovidermember"],
)
def test_changelists_load(admin_client, name, shelter, coordinator):
    household = HouseholdFactory(phone="+7 701 000 00 01")
    services.hold_create(
        household_id=household.pk, space_id=shelter.spaces.first().pk, by=coordinator
    )
    other = HouseholdFactory()
    services.stay_check_in(
        household_id=other.pk, space_id=shelter.spaces.first().pk, by=coordinator
    )
    offer = MealOfferFactory()
    meal_services.meal_claim(offer_id=offer.pk, shelter_id=shelter.pk, portions=1, by=coordinator)
    assert admin_client.get(reverse(f"admin:coordination_{name}_changelist")).status_code == 200
    assert (
        admin_client.get(
            reverse("admin:coordination_household_change", args=[household.pk])
        ).status_code
        == 200
    )
    assert (
        admin_client.get(
            reverse("admin:coordination_mealoffer_change", args=[offer.pk])
        ).status_code
        == 200
    )


def test_household_filters(admin_client):
    HouseholdFactory(has_pets=True)
    url = reverse("admin:coordination_household_changelist")
    assert (
        admin_client.get(url, {"status__exact": "waiting", "has_pets__exact": "1"}).status_code
        == 200
    )
    assert admin_client.get(url, {"q": "Person"}).status_code == 200
