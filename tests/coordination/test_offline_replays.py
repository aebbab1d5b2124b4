"""Check-in, check-out and hold forms carry a submission id: sent twice, applied once."""

import uuid

import pytest
from django.test import Client
from django.urls import reverse

from coordination.models import Hold, Stay
from coordination.offline.models import AppliedSubmission
from coordination.offline.services import AlreadyApplied, applied_once
from shelter.models import OccupancyEvent
from tests.factories import HouseholdFactory, ShelterFactory, SpaceFactory, UserFactory
from tests.races import race

JSON = {"HTTP_ACCEPT": "application/json"}


@pytest.mark.django_db
def test_a_hold_sent_twice_is_one_hold(as_user, coordinator, shelter):
    space, household = shelter.spaces.get(name="Auditorium 1"), HouseholdFactory(size=2)
    client, url = as_user(coordinator), reverse("coordination:hold", args=[household.pk])
    data = {"space": space.pk, "submission": str(uuid.uuid4())}
    assert client.post(url, data, **JSON).json()["ok"] is True
    again = client.post(url, data, **JSON)  # without the id, this would replace the hold
    assert again.json() == {
        "ok": True,
        "message": "This change was saved already: nothing was done twice.",
    }
    assert Hold.objects.filter(household=household).count() == 1
    assert AppliedSubmission.objects.get(pk=data["submission"]).action == "hold"


@pytest.mark.django_db
def test_a_check_out_sent_after_an_undo_does_not_check_them_out_again(
    as_user, coordinator, shelter
):
    space, household = shelter.spaces.get(name="Auditorium 1"), HouseholdFactory(size=2)
    client = as_user(coordinator)
    client.post(reverse("coordination:check_in", args=[household.pk]), {"space": space.pk})
    stay = Stay.objects.get(household=household)
    data = {"submission": str(uuid.uuid4())}
    url = reverse("coordination:check_out", args=[stay.pk])
    assert client.post(url, data, **JSON).json()["ok"] is True
    client.post(reverse("coordination:check_out_undo", args=[stay.pk]))
    assert Stay.objects.get(pk=stay.pk).is_open
    client.post(url, data, **JSON)  # the phone's late retry of the same check-out
    assert Stay.objects.get(pk=stay.pk).is_open


@pytest.mark.django_db
def test_a_queued_check_in_into_a_full_space_is_refused_in_json_and_not_remembered(
    as_user, coordinator, shelter
):
    space = shelter.spaces.get(name="Auditorium 1")  # 10 places
    client = as_user(coordinator)
    client.post(
        reverse("coordination:check_in", args=[HouseholdFactory(size=9).pk]), {"space": space.pk}
    )
    household, submission = HouseholdFactory(size=3), str(uuid.uuid4())
    response = client.post(
        reverse("coordination:check_in", args=[household.pk]),
        {"space": space.pk, "submission": submission},
        **JSON,
    )
    assert response.status_code == 409
    answer = response.json()
    assert answer["ok"] is False and "Here are the next best places." in answer["message"]
    assert not Stay.objects.filter(household=household).exists()
    assert not AppliedSubmission.objects.filter(pk=submission).exists()  # refused: not applied


@pytest.mark.django_db
def test_the_forms_carry_a_submission_id_and_an_offline_label(as_user, coordinator, shelter):
    household = HouseholdFactory(size=2)
    page = as_user(coordinator).get(reverse("coordination:find_place", args=[household.pk]))
    html = page.content.decode()
    assert html.count('name="submission"') == html.count('method="post" action="/h') > 0
    assert f"Check-in: {household.code} at" in html and page["X-Offline-Keep"] == "1"


@pytest.mark.django_db
def test_a_bad_submission_id_is_no_error(as_user, coordinator, shelter):
    space, household = shelter.spaces.get(name="Auditorium 1"), HouseholdFactory(size=2)
    response = as_user(coordinator).post(
        reverse("coordination:check_in", args=[household.pk]),
        {"space": space.pk, "submission": "not-a-uuid\x00"},
    )
    assert response.status_code == 302 and Stay.objects.filter(household=household).exists()


@pytest.mark.django_db(transaction=True)
def test_the_same_check_in_sent_twice_at_once_is_applied_once():
    shelter = ShelterFactory()
    space = SpaceFactory(shelter=shelter, places=20)
    household, user = HouseholdFactory(size=2), UserFactory(is_superuser=True, is_staff=True)
    data = {"space": space.pk, "submission": str(uuid.uuid4())}
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(user)
    url = reverse("coordination:check_in", args=[household.pk])

    answers = []
    race(2, lambda i: answers.append(clients[i].post(url, data, **JSON).json()))

    assert [a["ok"] for a in answers] == [True, True]
    assert sum("nothing was done twice" in a["message"] for a in answers) == 1
    assert Stay.objects.filter(household=household).count() == 1
    assert OccupancyEvent.objects.filter(space=space).count() == 1
    assert AppliedSubmission.objects.filter(pk=data["submission"]).count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_database_refuses_a_second_row_for_one_submission_under_a_race():
    submission, user = uuid.uuid4(), UserFactory()

    def apply(_):
        with applied_once(submission=submission, action="hold", by=user):
            pass

    assert sorted(race(2, apply)) == [AlreadyApplied.__name__, "ok"]
    assert AppliedSubmission.objects.filter(pk=submission).count() == 1
