"""Check-out asks first and can be undone for a few minutes; moves offer only spaces that fit."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from coordination.errors import CheckOutNotUndoable
from coordination.households import services
from coordination.models import HouseholdStatus, Stay
from shelter import services as shelter_services
from shelter.errors import SpaceFull
from shelter.models import OccupancyEvent, OccupancyReason, Space
from tests.factories import HouseholdFactory, MembershipFactory, ShelterFactory, SpaceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staying(volunteer, shelter):
    space = shelter.spaces.get(name="Auditorium 1")  # 10 places
    household = HouseholdFactory(size=3, contact_name="Olga Smirnova")
    stay = services.stay_check_in(household_id=household.pk, space_id=space.pk, by=volunteer)
    return stay


def test_check_out_asks_first_on_a_page_without_javascript(as_user, volunteer, staying):
    client = as_user(volunteer)
    detail = client.get(reverse("coordination:household", args=[staying.household_id]))
    url = reverse("coordination:check_out", args=[staying.pk])
    assert f'href="{url}"' in detail.content.decode()  # a link to the question, not a POST
    page = client.get(url)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Olga Smirnova" in text and "3 people" in text and "Auditorium 1" in text
    assert "can be undone on the shelter's page for 10 minutes" in text
    assert f'method="post" action="{url}"' in text
    staying.refresh_from_db()
    assert staying.is_open  # asking changed nothing
    response = client.post(url)
    assert response["Location"] == reverse("shelter:detail", args=[staying.space.shelter_id])
    staying.refresh_from_db()
    assert not staying.is_open


def test_the_question_for_a_stay_already_ended_goes_back_to_the_shelter(
    as_user, volunteer, staying
):
    services.stay_check_out(stay_id=staying.pk, by=volunteer)
    response = as_user(volunteer).get(
        reverse("coordination:check_out", args=[staying.pk]), follow=True
    )
    assert "This stay has ended already" in response.content.decode()
    assert "Olga Smirnova" not in response.content.decode()  # no longer theirs to see


def test_undo_from_the_shelter_page_puts_them_back(as_user, volunteer, staying, shelter):
    client = as_user(volunteer)
    page = client.post(reverse("coordination:check_out", args=[staying.pk]), follow=True)
    text = page.content.decode()
    assert "Just checked out" in text
    undo = reverse("coordination:check_out_undo", args=[staying.pk])
    assert f'action="{undo}"' in text
    assert f"#{staying.household_id}, 3 people, left Auditorium 1" in text
    assert "Olga Smirnova" not in text  # left: only the code

    response = client.post(undo)
    assert response["Location"] == reverse("coordination:household", args=[staying.household_id])
    staying.refresh_from_db()
    household = staying.household
    assert staying.is_open and staying.checked_out_by is None
    assert (household.status, household.left_at) == (HouseholdStatus.PLACED, None)
    space = staying.space
    space.refresh_from_db()
    assert space.occupied == 3
    # recorded in the history, through the occupancy service
    last = OccupancyEvent.objects.filter(space=space).order_by("-pk").first()
    assert (last.reason, last.before, last.after, last.by) == (
        OccupancyReason.CHECK_OUT_UNDONE,
        0,
        3,
        volunteer,
    )
    assert (
        "Check-out undone"
        in client.get(reverse("shelter:detail", args=[shelter.pk])).content.decode()
    )
    # a second undo (the form sent twice) changes nothing
    again = client.post(undo, follow=True)
    assert "cannot be undone" in again.content.decode()
    space.refresh_from_db()
    assert space.occupied == 3


def test_undo_is_refused_after_the_window(as_user, settings, volunteer, staying):
    settings.CHECK_OUT_UNDO_MINUTES = 10
    services.stay_check_out(stay_id=staying.pk, by=volunteer)
    client = as_user(volunteer)
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        page = client.get(reverse("shelter:detail", args=[staying.space.shelter_id]))
        assert "Just checked out" not in page.content.decode()
        response = client.post(
            reverse("coordination:check_out_undo", args=[staying.pk]), follow=True
        )
    assert "can be undone for 10 minutes only" in response.content.decode()
    staying.refresh_from_db()
    assert not staying.is_open


def test_undo_is_refused_clearly_when_the_space_filled(as_user, volunteer, staying):
    services.stay_check_out(stay_id=staying.pk, by=volunteer)
    space = staying.space
    shelter_services.occupancy_change(
        space_id=space.pk, delta=8, reason=OccupancyReason.COUNT, by=volunteer
    )
    response = as_user(volunteer).post(
        reverse("coordination:check_out_undo", args=[staying.pk]), follow=True
    )
    text = response.content.decode()
    assert "The check-out cannot be undone: the places were taken meanwhile." in text
    assert "Auditorium 1 has only 2 free places now." in text
    staying.refresh_from_db()
    space.refresh_from_db()
    assert not staying.is_open and space.occupied == 8
    assert staying.household.status == HouseholdStatus.LEFT


def test_a_move_cannot_be_undone_as_a_check_out(volunteer, staying, shelter):
    other = shelter.spaces.get(name="Auditorium 2")
    services.stay_move(stay_id=staying.pk, space_id=other.pk, by=volunteer)
    with pytest.raises(CheckOutNotUndoable):
        services.stay_check_out_undo(stay_id=staying.pk, by=volunteer)
    assert Stay.objects.get(checked_out_at__isnull=True).space == other


def test_the_service_refuses_when_the_space_filled(volunteer, staying):
    services.stay_check_out(stay_id=staying.pk, by=volunteer)
    Space.objects.filter(pk=staying.space_id).update(blocked=9)
    with pytest.raises(SpaceFull):
        services.stay_check_out_undo(stay_id=staying.pk, by=volunteer)


def test_another_shelters_volunteer_cannot_undo(as_user, volunteer, other_volunteer, staying):
    services.stay_check_out(stay_id=staying.pk, by=volunteer)
    response = as_user(other_volunteer).post(
        reverse("coordination:check_out_undo", args=[staying.pk])
    )
    assert response.status_code == 403
    staying.refresh_from_db()
    assert not staying.is_open


# --- Move -------------------------------------------------------------------------------------


def test_the_move_list_offers_only_spaces_that_fit_never_the_current_one(
    as_user, volunteer, staying, shelter
):
    SpaceFactory(shelter=shelter, name="Closet", places=2)  # too small for 3
    SpaceFactory(shelter=shelter, name="Blocked", places=5, blocked=3)
    elsewhere = SpaceFactory(shelter=ShelterFactory(name="Not mine"), places=50)
    response = as_user(volunteer).get(
        reverse("coordination:household", args=[staying.household_id])
    )
    spaces = list(response.context["move_form"].fields["space"].queryset)
    assert [s.name for s in spaces] == ["Auditorium 2"]
    assert elsewhere not in spaces
    # a family is not offered a men-only shelter of theirs either
    men = ShelterFactory(name="Men only", men_only=True)
    MembershipFactory(shelter=men, user=volunteer)
    SpaceFactory(shelter=men, name="Dorm", places=10)
    family = HouseholdFactory(size=2, children=1)
    services.stay_check_in(
        household_id=family.pk, space_id=shelter.spaces.get(name="Auditorium 2").pk, by=volunteer
    )
    response = as_user(volunteer).get(reverse("coordination:household", args=[family.pk]))
    names = [s.name for s in response.context["move_form"].fields["space"].queryset]
    assert names == ["Auditorium 1", "Blocked", "Closet"]  # 2 free in each: the family is 2


def test_no_space_to_move_to_says_so(as_user, volunteer, shelter):
    Space.objects.filter(shelter=shelter, name="Auditorium 2").update(blocked=20)
    household = HouseholdFactory(size=3)
    services.stay_check_in(
        household_id=household.pk,
        space_id=shelter.spaces.get(name="Auditorium 1").pk,
        by=volunteer,
    )
    response = as_user(volunteer).get(reverse("coordination:household", args=[household.pk]))
    assert response.context["move_form"] is None
    assert "nowhere to move them" in response.content.decode()


def test_moving_to_a_space_too_small_is_refused(as_user, volunteer, staying, shelter):
    closet = SpaceFactory(shelter=shelter, name="Closet", places=2)
    response = as_user(volunteer).post(
        reverse("coordination:move", args=[staying.pk]), {"space": closet.pk}, follow=True
    )
    assert "Closet has only 2 free places now." in response.content.decode()
    assert Stay.objects.get(checked_out_at__isnull=True).space == staying.space
