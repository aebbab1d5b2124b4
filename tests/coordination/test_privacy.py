"""Personal data stays with those who need it: never on public pages, logs or other shelters."""

import logging

import pytest
from django.urls import reverse

from coordination import services
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

SECRET_NAME = "Zhenya Uniquename-Qwerty"
SECRET_PHONE = "+7 777 123 98 76"
SECRET_NOTE = "needs insulin 4x daily"


@pytest.fixture
def staying_in_other_shelter(other_shelter, coordinator, caplog):
    caplog.set_level(logging.DEBUG)
    household = HouseholdFactory(
        contact_name=SECRET_NAME, phone=SECRET_PHONE, notes=SECRET_NOTE, size=2
    )
    services.stay_check_in(
        household_id=household.pk, space_id=other_shelter.spaces.first().pk, by=coordinator
    )
    return household


def _assert_clean(text: str) -> None:
    for secret in (SECRET_NAME, "Uniquename", SECRET_PHONE, "123 98 76", SECRET_NOTE):
        assert secret not in text


def test_public_pages_never_show_household_data(client, staying_in_other_shelter, shelter):
    for url in ["/", reverse("login")]:
        response = client.get(url)
        assert response.status_code == 200
        _assert_clean(response.content.decode())


def test_a_volunteer_of_shelter_a_cannot_see_a_household_staying_in_b(
    as_user, volunteer, staying_in_other_shelter
):
    client = as_user(volunteer)
    detail = client.get(reverse("coordination:household", args=[staying_in_other_shelter.pk]))
    assert detail.status_code == 403
    _assert_clean(detail.content.decode())
    _assert_clean(client.get(reverse("coordination:waiting")).content.decode())
    _assert_clean(client.get(reverse("shelter:mine")).content.decode())


def test_the_volunteer_of_shelter_b_and_the_coordinator_can(
    as_user, other_volunteer, coordinator, staying_in_other_shelter
):
    for user in (other_volunteer, coordinator):
        detail = as_user(user).get(
            reverse("coordination:household", args=[staying_in_other_shelter.pk])
        )
        assert detail.status_code == 200
        assert SECRET_NAME in detail.content.decode()


def test_logs_never_carry_household_data(staying_in_other_shelter, caplog, coordinator):
    stay = staying_in_other_shelter.stays.get()
    services.stay_check_out(stay_id=stay.pk, by=coordinator)
    assert caplog.records  # the services did log
    _assert_clean(caplog.text)


def test_admin_list_masks_phones(admin_client, staying_in_other_shelter):
    page = admin_client.get(reverse("admin:coordination_household_changelist")).content.decode()
    assert SECRET_PHONE not in page
    assert "76" in page  # the last two digits, to tell people apart
