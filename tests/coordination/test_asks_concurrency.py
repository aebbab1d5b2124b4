"""Races on online requests, on real PostgreSQL with threads of their own connections."""

import pytest

from coordination.asks import services
from coordination.asks.models import Ask
from coordination.households import services as household_services
from coordination.models import Hold, HoldStatus, Household, HouseholdStatus
from tests.factories import ShelterFactory, SpaceFactory, UserFactory
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_cancel_racing_a_hold_never_leaves_places_held_for_a_cancelled_request():
    space = SpaceFactory(shelter=ShelterFactory(), places=10)
    volunteer = UserFactory(groups=["Coordinator"])
    for _ in range(5):
        created = services.ask_create(
            household=Household(contact_name="A", size=3), where_now="border"
        )

        def act(index: int, ask_id=created.ask.pk, household_id=created.ask.household_id):
            if index == 0:
                services.ask_cancel(ask_id=ask_id)
            else:
                household_services.hold_create(
                    household_id=household_id, space_id=space.pk, by=volunteer
                )

        outcomes = race(2, act)
        assert outcomes[0] == "ok"  # the owner's cancel always wins in the end
        assert outcomes[1] in ("ok", "HouseholdNotWaiting")
        ask = Ask.objects.select_related("household").get(pk=created.ask.pk)
        assert ask.cancelled_at and ask.household.status == HouseholdStatus.LEFT
        assert not Hold.objects.filter(household=ask.household, status=HoldStatus.ACTIVE)
    space.refresh_from_db()
    assert space.held == 0


def test_two_cancels_at_once_cancel_once():
    created = services.ask_create(household=Household(contact_name="A", size=1), where_now="city")
    outcomes = race(2, lambda index: services.ask_cancel(ask_id=created.ask.pk))
    assert sorted(outcomes) == ["AskClosed", "ok"]
