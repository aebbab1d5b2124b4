"""The duplicate warning matches on name and size too, when a phone is missing."""

import pytest
from django.urls import reverse

from coordination.households import selectors
from coordination.models import Household
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db


def test_the_same_name_and_size_twice_without_a_phone_is_caught(as_user, volunteer):
    client = as_user(volunteer)
    family = {"contact_name": "Aigul Serikova", "size": "4", "children": "2"}
    assert client.post(reverse("coordination:register"), family).status_code == 302
    again = client.post(
        reverse("coordination:register"), {**family, "contact_name": "aigul  serikova"}
    )
    assert again.status_code == 200
    assert "already registered on" in again.content.decode()
    assert Household.objects.count() == 1
    confirmed = client.post(reverse("coordination:register"), {**family, "register_anyway": "on"})
    assert confirmed.status_code == 302
    assert Household.objects.count() == 2


@pytest.mark.parametrize(
    ("first", "second", "duplicate"),
    [
        # the same phone, whatever the separators and the size: the same household
        (("+7 701 000 11", 3), ("+7 (701) 000-11", 4), True),
        # no phone either time: the same name is enough (as before)
        (("", 3), ("", 3), True),
        (("", 3), ("", 5), True),
        # a phone once, none the other time: the same size makes it a possible duplicate
        (("+7 701 000 11", 3), ("", 3), True),
        (("", 3), ("+7 701 000 11", 3), True),
        (("+7 701 000 11", 3), ("", 2), False),
        # two different phones: two households, even of the same size
        (("+7 701 000 11", 3), ("+7 702 999 99", 3), False),
    ],
)
def test_matching_rule(first, second, duplicate):
    existing = HouseholdFactory(contact_name="Aigul Serikova", phone=first[0], size=first[1])
    found = selectors.household_duplicates(
        contact_name=" AIGUL serikova ", phone=second[0], size=second[1]
    )
    assert (found == [existing]) is duplicate


def test_households_that_left_are_not_duplicates():
    HouseholdFactory(contact_name="Aigul Serikova", size=3, status="left")
    assert selectors.household_duplicates(contact_name="Aigul Serikova", phone="", size=3) == []


def test_other_names_are_not_duplicates():
    HouseholdFactory(contact_name="Aigul Serikova", size=3)
    assert selectors.household_duplicates(contact_name="Aigul Serik", phone="", size=3) == []
