"""Find a place and the dashboard's "could go to": counted, fresh places first, one ranking."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination.households import places as place_selectors
from shelter import services as shelter_services
from shelter.models import OccupancyReason, Space
from tests.factories import HouseholdFactory, ShelterFactory, SpaceFactory, UserFactory

pytestmark = pytest.mark.django_db


def _counted(space, *, hours_ago: float = 0, people: int = 0) -> Space:
    shelter_services.occupancy_change(
        space_id=space.pk, delta=people, reason=OccupancyReason.COUNT, by=UserFactory()
    )
    if hours_ago:
        Space.objects.filter(pk=space.pk).update(
            counted_at=timezone.now() - timedelta(hours=hours_ago)
        )
    return space


@pytest.fixture
def places(settings):
    """A never-counted empty apartment (the best fit by numbers), a gym counted 7 hours ago
    and a school counted just now, fuller than both."""
    settings.SHELTER_STALE_AFTER_HOURS = 6
    apartment = SpaceFactory(
        name="Flat",
        places=4,
        shelter=ShelterFactory(name="Apartment", kind="apartment", host="Aliya", phone="+7 701 1"),
    )
    gym = _counted(
        SpaceFactory(name="Hall", places=5, shelter=ShelterFactory(name="Gym", phone="+7 702 2")),
        hours_ago=7,
    )
    school = _counted(
        SpaceFactory(name="Class", places=10, shelter=ShelterFactory(name="School")), people=5
    )
    return {"apartment": apartment, "gym": gym, "school": school}


def test_counted_places_come_first_and_never_counted_ones_last_marked(as_user, coordinator, places):
    household = HouseholdFactory(size=3)
    response = as_user(coordinator).get(reverse("coordination:find_place", args=[household.pk]))
    options = response.context["options"]
    # The apartment is empty and a perfect fit, but nobody has counted it: after the school.
    assert [o.space.shelter.name for o in options] == ["School", "Gym", "Apartment"]
    assert [o.stale for o in options] == [False, True, True]
    assert [o.space.shelter.name for o in response.context["fresh_options"]] == ["School"]
    page = response.content.decode()
    fresh, stale = page.split("Not counted recently: call before sending them")
    assert "School" in fresh and "Apartment" not in fresh
    apartment = stale.split("Apartment / Flat")[1]
    assert "not counted yet: call first" in apartment
    assert 'href="tel:+77011"' in apartment and "Aliya" in apartment
    assert "good fit" not in apartment  # not said of places nobody counted
    gym = stale.split("Gym / Hall")[1].split("Apartment / Flat")[0]
    assert "updated 7 hours ago" in gym and "possibly out of date: call first" in gym
    assert 'href="tel:+77022"' in gym


def test_a_stale_shelter_counted_again_moves_up(as_user, coordinator, places):
    _counted(places["apartment"])
    household = HouseholdFactory(size=3)
    options = place_selectors.places_for_household(household)
    # Both fresh now: the good fit (1 place left empty) before the school; the gym still stale
    assert [o.space.shelter.name for o in options] == ["Apartment", "School", "Gym"]


def test_the_dashboard_could_go_to_follows_the_same_order(as_user, coordinator, places):
    household = HouseholdFactory(size=3)
    groups = as_user(coordinator).get(reverse("coordination:dashboard")).context["data"].waiting
    (group,) = groups
    from_place_finder = [
        o.space.shelter.name for o in place_selectors.places_for_household(household)
    ]
    assert [s.name for s in group.shelters] == from_place_finder == ["School", "Gym", "Apartment"]
    page = as_user(coordinator).get(reverse("coordination:dashboard")).content.decode()
    could_go = page.split('data-label="Could go to">')[1]  # the row's cell (phones label it)
    assert "not counted yet: call first" in could_go.split("Apartment")[1]
    assert "possibly out of date: call first" in could_go.split("Gym")[1].split("Apartment")[0]
    assert 'href="tel:+77022"' in could_go
    assert "call first" not in could_go.split("School")[1].split("Gym")[0]
