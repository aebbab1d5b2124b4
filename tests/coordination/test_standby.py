"""A shelter on standby with people inside: they stay, nobody new is offered its places.

Standby stops intake; only closing needs the shelter empty (issue 12, item 3).
"""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from coordination import public
from coordination.alerts import selectors as alert_selectors
from coordination.dashboard import selectors as dashboard_selectors
from coordination.households import places, services
from coordination.models import HoldStatus, HouseholdStatus
from shelter import services as shelter_services
from shelter.errors import MarkFullRefused, ShelterClosed, ShelterOccupied
from shelter.models import OccupancyReason, Shelter, ShelterStatus
from tests.factories import HouseholdFactory, MealOfferFactory, ShelterFactory, SpaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(coordinator):
    """An open shelter with a household of 3 staying and one of 2 on its way (a hold)."""
    space = SpaceFactory(places=20, shelter=ShelterFactory(name="Yunost"))
    staying = HouseholdFactory(size=3)
    stay = services.stay_check_in(household_id=staying.pk, space_id=space.pk, by=coordinator)
    expected = HouseholdFactory(size=2)
    hold = services.hold_create(household_id=expected.pk, space_id=space.pk, by=coordinator)
    return space, stay, hold


def _standby(space, by=None):
    return shelter_services.shelter_set_status(
        shelter_id=space.shelter_id, status=ShelterStatus.STANDBY, by=by
    )


def test_standby_keeps_the_people_inside(busy):
    space, _stay, _hold = busy
    shelter = _standby(space)
    assert shelter.status == ShelterStatus.STANDBY
    space.refresh_from_db()
    assert (space.occupied, space.held) == (3, 2)


def test_closing_still_needs_the_shelter_empty(busy):
    space, _stay, _hold = busy
    with pytest.raises(ShelterOccupied) as refused:
        shelter_services.shelter_set_status(
            shelter_id=space.shelter_id, status=ShelterStatus.CLOSED, by=None
        )
    assert refused.value.message.startswith("Yunost cannot be closed: 5 people")
    _standby(space)  # the way to stop new arrivals instead
    with pytest.raises(ShelterOccupied):
        shelter_services.shelter_set_status(
            shelter_id=space.shelter_id, status=ShelterStatus.CLOSED, by=None
        )


def test_nobody_new_comes_into_a_shelter_on_standby(busy, coordinator):
    space, _stay, _hold = busy
    _standby(space)
    newcomer = HouseholdFactory(size=1)
    with pytest.raises(ShelterClosed) as refused:
        services.stay_check_in(household_id=newcomer.pk, space_id=space.pk, by=coordinator)
    assert "Yunost is on standby" in refused.value.message
    with pytest.raises(ShelterClosed):
        services.hold_create(household_id=newcomer.pk, space_id=space.pk, by=coordinator)
    with pytest.raises(ShelterClosed):  # a count cannot add people either
        shelter_services.occupancy_change(
            space_id=space.pk, delta=1, reason=OccupancyReason.COUNT, by=None
        )
    space.refresh_from_db()
    assert (space.occupied, space.held) == (3, 2)
    newcomer.refresh_from_db()
    assert newcomer.status == HouseholdStatus.WAITING


def test_a_household_on_its_way_is_still_received(busy, coordinator):
    space, _stay, hold = busy
    _standby(space)
    services.stay_check_in(household_id=hold.household_id, space_id=space.pk, by=coordinator)
    hold.refresh_from_db()
    assert hold.status == HoldStatus.CHECKED_IN
    space.refresh_from_db()
    assert (space.occupied, space.held) == (5, 0)


def test_a_hold_for_another_space_does_not_open_the_door(busy, coordinator):
    space, _stay, hold = busy
    other_room = SpaceFactory(shelter=space.shelter, places=5)
    _standby(space)
    with pytest.raises(ShelterClosed):
        services.stay_check_in(
            household_id=hold.household_id, space_id=other_room.pk, by=coordinator
        )
    hold.refresh_from_db()
    assert hold.status == HoldStatus.ACTIVE  # nothing changed: the hold still stands


def test_check_out_and_moving_out_work_on_standby(busy, coordinator):
    space, stay, _hold = busy
    _standby(space)
    elsewhere = SpaceFactory(places=10)
    moved = services.stay_move(stay_id=stay.pk, space_id=elsewhere.pk, by=coordinator)
    space.refresh_from_db()
    assert space.occupied == 0
    with pytest.raises(ShelterClosed):  # and nobody moves in
        services.stay_move(stay_id=moved.pk, space_id=space.pk, by=coordinator)
    services.stay_check_out(stay_id=moved.pk, by=coordinator)
    elsewhere.refresh_from_db()
    assert elsewhere.occupied == 0


def test_holds_expire_as_usual_on_standby(busy):
    space, _stay, hold = busy
    _standby(space)
    with time_machine.travel(timezone.now() + timedelta(hours=4)):
        assert services.holds_expire_due() == 1
    hold.refresh_from_db()
    assert hold.status == HoldStatus.EXPIRED
    space.refresh_from_db()
    assert space.held == 0
    hold.household.refresh_from_db()
    assert hold.household.status == HouseholdStatus.WAITING


def test_standby_is_offered_to_nobody_nor_listed(busy):
    space, _stay, _hold = busy
    _standby(space)
    assert places.places_for_household(HouseholdFactory(size=1)) == []
    snap = public.snapshot()
    assert public.shelters_for_public(snap, public.PublicFilters()) == []
    assert public.shelter_by_id(snap, space.shelter_id).occupied == 3


def test_mark_full_on_standby_says_what_was_asked(busy):
    space, _stay, _hold = busy
    _standby(space)
    with pytest.raises(MarkFullRefused) as refused:
        shelter_services.shelter_mark_full(shelter_id=space.shelter_id, by=None)
    assert refused.value.message.startswith("Yunost cannot be marked full: it is on standby")


def test_people_on_standby_still_count_for_meals_and_the_dashboard(busy, coordinator):
    space, _stay, _hold = busy
    _standby(space)
    MealOfferFactory(portions=1, city="Uralsk")
    meals = alert_selectors.city_meals("Uralsk", timezone.localdate())
    assert (meals.portions, meals.people) == (1, 3)
    data = dashboard_selectors.dashboard({}, user=coordinator)
    assert (data.totals.occupied, data.totals.occupied_standby) == (0, 3)


def test_a_manager_puts_it_on_standby_from_the_shelter_page(busy, as_user, manager):
    space, _stay, _hold = busy
    shelter = Shelter.objects.get(pk=space.shelter_id)
    shelter.memberships.create(user=manager, role="manager")
    response = as_user(manager).post(
        reverse("shelter:set_status", args=[shelter.pk]), {"action": "standby"}, follow=True
    )
    page = response.content.decode()
    assert (
        "Yunost is on standby: nobody new is offered its places. The 5 people checked in or "
        "expected stay; check-out works as usual."
    ) in page
    assert 'name="action" value="open"' in page  # the button to open it again
    shelter.refresh_from_db()
    assert shelter.status == ShelterStatus.STANDBY


def test_check_out_on_standby_through_the_household_page(busy, as_user, coordinator):
    space, stay, _hold = busy
    _standby(space)
    response = as_user(coordinator).post(reverse("coordination:check_out", args=[stay.pk]))
    assert response.status_code == 302
    space.refresh_from_db()
    assert space.occupied == 0
    stay.refresh_from_db()
    assert stay.checked_out_at is not None
