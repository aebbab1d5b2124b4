"""Arrival pages through the test client: register, find a place, hold, check in, out, move."""

import pytest
from django.urls import reverse

from coordination.households import services
from coordination.models import Hold, Household, HouseholdStatus, Stay
from shelter.models import Space
from tests.factories import HouseholdFactory, ShelterFactory, SpaceFactory

pytestmark = pytest.mark.django_db

GOOD = {"contact_name": "Olga Smirnova", "size": "3", "children": "2", "phone": "+7 701 000 11"}


def test_volunteer_registers_and_lands_on_find_a_place(as_user, volunteer, shelter):
    response = as_user(volunteer).post(
        reverse("coordination:register"), {**GOOD, "registered_at": shelter.pk}
    )
    household = Household.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:find_place", args=[household.pk])
    assert (household.registered_by, household.registered_at, household.size) == (
        volunteer,
        shelter,
        3,
    )


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"size": "0"}, "size"),
        ({"size": "51"}, "size"),
        ({"size": "three"}, "size"),
        ({"children": "4"}, "children"),
        ({"children": "-1"}, "children"),
        ({"contact_name": ""}, "contact_name"),
        ({"contact_name": "<b>x</b>"}, "contact_name"),
    ],
)
def test_bad_household_input_saves_nothing(changes, field, as_user, volunteer):
    response = as_user(volunteer).post(reverse("coordination:register"), {**GOOD, **changes})
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not Household.objects.exists()


def test_a_duplicate_is_shown_first_and_registered_only_when_confirmed(as_user, volunteer):
    client = as_user(volunteer)
    client.post(reverse("coordination:register"), GOOD)
    again = {**GOOD, "contact_name": "olga smirnova ", "phone": "+7 (701) 000-11"}
    response = client.post(reverse("coordination:register"), again)
    assert response.status_code == 200
    assert "already registered on" in response.content.decode()
    assert Household.objects.count() == 1
    confirmed = client.post(reverse("coordination:register"), {**again, "register_anyway": "on"})
    assert confirmed.status_code == 302
    assert Household.objects.count() == 2


def test_a_duplicate_at_another_shelter_is_named_without_where_or_any_detail(
    as_user, volunteer, other_volunteer, other_shelter, coordinator
):
    """With no phone a name alone matches: the volunteer learns only that one exists."""
    elsewhere = {"contact_name": "Olga Smirnova", "size": "3", "registered_at": other_shelter.pk}
    as_user(other_volunteer).post(reverse("coordination:register"), elsewhere)
    other = Household.objects.get()
    client = as_user(volunteer)
    response = client.post(reverse("coordination:register"), {**GOOD, "phone": ""})
    page = response.content.decode()
    assert response.status_code == 200
    assert "already registered elsewhere. Ask a coordinator" in page
    assert "send the form again to register it anyway" in page
    link = reverse("coordination:household", args=[other.pk])
    for detail in [other_shelter.name, "already registered on", "(Waiting)", link]:
        assert detail not in page, detail
    assert Household.objects.count() == 1
    confirmed = client.post(
        reverse("coordination:register"), {**GOOD, "phone": "", "register_anyway": "on"}
    )
    assert confirmed.status_code == 302
    assert Household.objects.count() == 2

    # A coordinator may see every household: the details are shown.
    page = as_user(coordinator).post(reverse("coordination:register"), {**GOOD, "phone": ""})
    text = page.content.decode()
    assert f"at {other_shelter.name} (Waiting)" in text
    assert reverse("coordination:household", args=[other.pk]) in text
    assert "registered elsewhere" not in text


def test_find_a_place_lists_matching_spaces_best_fit_first(as_user, coordinator):
    roomy = SpaceFactory(places=50, name="Big hall")
    tight = SpaceFactory(places=4, name="Flat")
    SpaceFactory(places=2, name="Too small")
    SpaceFactory(places=10, name="No pets", shelter=ShelterFactory(pets_allowed=False))
    pets_ok = ShelterFactory(pets_allowed=True)
    with_pets = SpaceFactory(places=3, name="Pets ok", shelter=pets_ok)
    household = HouseholdFactory(size=3)
    response = as_user(coordinator).get(reverse("coordination:find_place", args=[household.pk]))
    names = [option.space.name for option in response.context["options"]]
    assert set(names) == {"Big hall", "Flat", "No pets", "Pets ok"}
    assert names.index("Flat") < names.index("Big hall")
    assert names.index("Pets ok") < names.index("Big hall")

    pet_owner = HouseholdFactory(size=3, has_pets=True)
    response = as_user(coordinator).get(reverse("coordination:find_place", args=[pet_owner.pk]))
    assert [o.space for o in response.context["options"]] == [with_pets]
    assert roomy and tight


def test_family_and_gender_rules_are_respected(as_user, coordinator):
    SpaceFactory(places=10, name="Men", shelter=ShelterFactory(men_only=True))
    SpaceFactory(places=10, name="No families", shelter=ShelterFactory(accepts_families=False))
    SpaceFactory(places=10, name="Women", shelter=ShelterFactory(women_children_only=True))
    SpaceFactory(places=10, name="Wheelchair", shelter=ShelterFactory(wheelchair_accessible=True))

    def names(**needs):
        household = HouseholdFactory(**needs)
        response = as_user(coordinator).get(reverse("coordination:find_place", args=[household.pk]))
        return {o.space.name for o in response.context["options"]}

    assert names(size=3, children=2) == {"Wheelchair"}
    assert names(size=2, children=1, women_children_only=True) == {"Women"}
    assert names(size=1, needs_wheelchair=True) == {"Wheelchair"}
    assert names(size=1) == {"Men", "No families", "Wheelchair"}


def test_hold_then_check_in_by_the_shelter_volunteer(client, volunteer, coordinator, shelter):
    space = shelter.spaces.get(name="Auditorium 1")
    household = HouseholdFactory(size=2)
    client.force_login(coordinator)
    response = client.post(reverse("coordination:hold", args=[household.pk]), {"space": space.pk})
    assert response.status_code == 302
    assert Hold.objects.get().status == "active"

    client.force_login(volunteer)
    page = client.get(reverse("coordination:household", args=[household.pk]))
    assert page.status_code == 200  # expected at their shelter: the volunteer may see them
    assert "They arrived: check in" in page.content.decode()
    client.post(reverse("coordination:check_in", args=[household.pk]), {"space": space.pk})
    space.refresh_from_db()
    assert (space.occupied, space.held) == (2, 0)
    # The same form sent again (a network retry) changes nothing and says so.
    again = client.post(
        reverse("coordination:check_in", args=[household.pk]), {"space": space.pk}, follow=True
    )
    assert "already checked in" in again.content.decode()
    space.refresh_from_db()
    assert space.occupied == 2


def test_losing_the_race_for_the_last_places_shows_the_next_best(as_user, coordinator):
    last = SpaceFactory(places=2, name="Last two")
    SpaceFactory(places=5, name="Next best")
    household = HouseholdFactory(size=2)
    Space.objects.filter(pk=last.pk).update(held=2)  # another volunteer was faster
    response = as_user(coordinator).post(
        reverse("coordination:hold", args=[household.pk]), {"space": last.pk}
    )
    assert response.status_code == 409
    text = response.content.decode()
    assert "has only 0 free places" in text
    assert [o.space.name for o in response.context["options"]] == ["Next best"]
    assert not Hold.objects.exists()


def test_check_in_into_a_closed_shelter_shows_a_message(as_user, coordinator):
    space = SpaceFactory(places=5, shelter=ShelterFactory(status="closed"))
    household = HouseholdFactory()
    response = as_user(coordinator).post(
        reverse("coordination:check_in", args=[household.pk]), {"space": space.pk}, follow=True
    )
    assert "takes nobody" in response.content.decode()
    assert not Stay.objects.exists()


def test_a_volunteer_cannot_check_in_at_another_shelter(as_user, other_volunteer, shelter):
    household = HouseholdFactory(registered_at=None, registered_by=other_volunteer)
    space = shelter.spaces.first()
    response = as_user(other_volunteer).post(
        reverse("coordination:check_in", args=[household.pk]), {"space": space.pk}
    )
    assert response.status_code == 403
    assert not Stay.objects.exists()


def test_check_out_and_move(client, volunteer, coordinator, shelter):
    first, second = shelter.spaces.order_by("name")
    household = HouseholdFactory(size=2)
    stay = services.stay_check_in(household_id=household.pk, space_id=first.pk, by=volunteer)
    client.force_login(volunteer)
    client.post(reverse("coordination:move", args=[stay.pk]), {"space": second.pk})
    moved = Stay.objects.get(checked_out_at__isnull=True)
    assert moved.space == second
    response = client.post(reverse("coordination:check_out", args=[moved.pk]))
    assert response["Location"] == reverse("shelter:detail", args=[shelter.pk])
    household.refresh_from_db()
    assert household.status == HouseholdStatus.LEFT
    # Gone from their shelter, so no longer the volunteer's to see; the coordinator sees it all.
    assert client.get(reverse("coordination:household", args=[household.pk])).status_code == 403
    client.force_login(coordinator)
    page = client.get(reverse("coordination:household", args=[household.pk])).content.decode()
    assert page.count(volunteer.username) == 4  # check-in, move (out and in), check-out


def test_waiting_list_oldest_first_and_fitting_first(as_user, coordinator, shelter):
    big = HouseholdFactory(size=25, contact_name="Big group")
    small = HouseholdFactory(size=2, contact_name="Couple")
    placed = HouseholdFactory(contact_name="Placed")
    services.stay_check_in(
        household_id=placed.pk, space_id=shelter.spaces.first().pk, by=coordinator
    )
    client = as_user(coordinator)
    response = client.get(reverse("coordination:waiting"))
    assert response.context["households"] == [big, small]
    fitting = client.get(reverse("coordination:waiting"), {"shelter": shelter.pk})
    assert fitting.context["households"] == [small, big]  # 20 free at most in one space
    assert "fits in Cinema Park" in fitting.content.decode()


@pytest.mark.parametrize("value", ["<x>", "²", "-1", str(2**63), str(2**64), "9" * 5000])
def test_waiting_list_with_a_bad_filter_is_still_the_list(as_user, coordinator, value):
    """ "²" passes str.isdigit() but not int(); ids past bigint find no shelter."""
    HouseholdFactory()
    response = as_user(coordinator).get(reverse("coordination:waiting"), {"shelter": value})
    assert response.status_code == 200
    assert response.context["fitting"] is None
    assert len(response.context["households"]) == 1


def test_a_hold_past_the_limit_is_refused_on_the_page_with_the_places(
    as_user, settings, volunteer, other_shelter
):
    settings.HOLD_MAX_PLACES_ELSEWHERE = 4
    space = other_shelter.spaces.get()  # a shelter the volunteer is not assigned to
    client = as_user(volunteer)
    held = HouseholdFactory(size=3, registered_by=volunteer)
    first = client.post(reverse("coordination:hold", args=[held.pk]), {"space": space.pk})
    assert first.status_code == 302
    waiting = HouseholdFactory(size=2, registered_by=volunteer)
    response = client.post(reverse("coordination:hold", args=[waiting.pk]), {"space": space.pk})
    assert response.status_code == 409
    assert response.templates[0].name == "coordination/household_find_place.html"
    assert (
        "You are holding 3 places in other shelters already; the limit is 4 and this "
        "household needs 2. Release one or ask a coordinator."
    ) in response.content.decode()
    assert not waiting.holds.exists()
    space.refresh_from_db()
    assert space.held == 3
