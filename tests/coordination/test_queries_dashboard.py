"""The dashboard, its shelter panel and the admin's lists make a fixed number of queries,
whatever the number of shelters, spaces, households, events and meals."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination.alerts.models import AlertKind, AlertLevel
from coordination.alerts.services import alert_raise
from coordination.meals import services as meal_services
from shelter import services as shelter_services
from shelter.models import MembershipRole, OccupancyReason, Space
from tests.factories import (
    HouseholdFactory,
    MealOfferFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

STALE = timedelta(days=2)


def _seed(size: int, by) -> list:
    shelters = []
    for number in range(size):
        shelter = ShelterFactory(kind=["gym", "school", "apartment"][number % 3])
        for _ in range(3):
            space = SpaceFactory(shelter=shelter, places=10)
            shelter_services.occupancy_change(
                space_id=space.pk, delta=number % 10, reason=OccupancyReason.COUNT, by=by
            )
        if number % 3 == 1:  # counted two days ago: "could go to" shows it stale, with its phone
            Space.objects.filter(shelter=shelter).update(counted_at=timezone.now() - STALE)
        shelter_services.shelter_member_assign(
            shelter_id=shelter.pk, user=UserFactory(), role=MembershipRole.VOLUNTEER, by=by
        )
        HouseholdFactory(size=1 + number % 6, has_pets=number % 2 == 0)
        HouseholdFactory(size=2, children=1, needs_wheelchair=number % 3 == 0)
        meal_services.meal_claim(
            offer_id=MealOfferFactory().pk, shelter_id=shelter.pk, portions=1, by=by
        )
        alert_raise(
            kind=AlertKind.NEARLY_FULL,
            level=AlertLevel.WARNING,
            params={"shelter": shelter.name, "taken": 9, "places": 10, "free": 1, "percent": 90},
            city=shelter.city,
            shelter_id=shelter.pk,
            key=f"nearly_full:shelter:{shelter.pk}",
        )
        shelters.append(shelter)
    return shelters


def _queries(client, url, data=None) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url, data or {}).status_code == 200
    return len(queries)


@pytest.mark.parametrize("size", [3, 30])
def test_dashboard_queries_do_not_grow(size, as_user, coordinator):
    _seed(size, coordinator)
    client = as_user(coordinator)
    # 1 session, 2 user with their permissions, 3 the user's in-app subscriptions, 4 the newest
    # of their open alerts, 5 how many there are and how many each shelter has, 6 shelters with
    # sums, largest free space and last count, 7 waiting households by size and needs, 8 the
    # week's changes by hour (both charts), 9 today's meals, 10 today's arrivals, 11-12
    # residents' offers and places summed, 13 follow-up calls due with household and place,
    # 14 holds to suspended hosts with household and place
    assert _queries(client, reverse("coordination:dashboard")) == 14
    assert _queries(client, reverse("coordination:dashboard"), {"city": "Uralsk", "page": 2}) == 14


@pytest.mark.parametrize("size", [3, 30])
def test_shelter_panel_queries_do_not_grow(size, as_user, coordinator):
    shelter = _seed(size, coordinator)[-1]
    for _ in range(size):
        shelter_services.shelter_member_assign(
            shelter_id=shelter.pk, user=UserFactory(), role=MembershipRole.MANAGER, by=coordinator
        )
    client = as_user(coordinator)
    # 1 session, 2 user with their permissions, 3 shelter with sums, 4 spaces with their
    # counters, 5 the week's changes by hour, 6 assignments with users, 7 audit entries
    assert _queries(client, reverse("coordination:dashboard_shelter", args=[shelter.pk])) == 7


ADMIN_LISTS = [
    "admin:shelter_shelter_changelist",
    "admin:shelter_space_changelist",
    "admin:shelter_sheltermembership_changelist",
    "admin:shelter_occupancyevent_changelist",
    "admin:shelter_auditentry_changelist",
    "admin:coordination_household_changelist",
    "admin:coordination_mealoffer_changelist",
    "admin:coordination_mealclaim_changelist",
]


@pytest.mark.parametrize("name", ADMIN_LISTS)
def test_admin_lists_make_as_many_queries_for_3_as_for_30(name, admin_client, coordinator):
    _seed(3, coordinator)
    small = _queries(admin_client, reverse(name))
    _seed(27, coordinator)
    assert _queries(admin_client, reverse(name)) == small
