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


def test_every_public_url_and_export_is_free_of_household_data(client, staying_in_other_shelter):
    from tests.test_permissions_matrix import EXPECTED

    public_names = [
        name
        for name, (method, arguments, expected) in EXPECTED.items()
        if expected["anonymous"] == "ok" and method == "get" and name != "choose_language"
    ]
    assert len(public_names) >= 10
    for name in public_names:
        kwargs = {
            key: staying_in_other_shelter.stays.get().space.shelter_id for key in EXPECTED[name][1]
        }
        response = client.get(reverse(name, kwargs=kwargs), HTTP_ACCEPT_ENCODING="identity")
        assert response.status_code == 200, name
        _assert_clean(response.content.decode())


def test_viewing_a_household_is_logged_with_ids_only(
    as_user, coordinator, staying_in_other_shelter, caplog
):
    as_user(coordinator).get(reverse("coordination:household", args=[staying_in_other_shelter.pk]))
    lines = [r.getMessage() for r in caplog.records if r.name == "coordination.audit"]
    assert lines == [f"user {coordinator.pk} viewed household {staying_in_other_shelter.pk}"]
    _assert_clean(caplog.text)
