"""The receiving shelter's page: who is on the way, check them in there, register arrivals."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from coordination.households import services
from coordination.models import Household, HouseholdStatus
from tests.factories import HouseholdFactory, ShelterFactory, SpaceFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_the_shelter_page_shows_who_is_on_the_way(
    as_user, volunteer, other_volunteer, coordinator, shelter, other_shelter
):
    family = HouseholdFactory(
        size=4,
        children=2,
        has_pets=True,
        contact_name="Olga Smirnova",
        registered_at=other_shelter,
        registered_by=other_volunteer,
    )
    space = shelter.spaces.get(name="Auditorium 2")
    hold = services.hold_create(household_id=family.pk, space_id=space.pk, by=coordinator)
    page = as_user(volunteer).get(reverse("shelter:detail", args=[shelter.pk])).content.decode()
    arrivals = page.split('id="arrivals"')[1].split("Bed count")[0]
    until = timezone.localtime(hold.expires_at).strftime("%H:%M")
    assert "On their way here: 1 household" in arrivals
    assert f"Olga Smirnova #{family.pk}" in arrivals
    assert "4 people" in arrivals and "2 children" in arrivals and "pets" in arrivals
    assert f"Auditorium 2, held until {until}" in arrivals
    assert f"sent by {coordinator.username}" in arrivals
    assert f"registered by {other_volunteer.username} at Yunost gym" in arrivals
    assert "They arrived: check in" in arrivals
    assert f'action="{reverse("coordination:check_in", args=[family.pk])}"' in arrivals


def test_they_arrived_checks_in_from_the_shelter_page_and_comes_back(
    as_user, volunteer, coordinator, shelter
):
    family = HouseholdFactory(size=3)
    space = shelter.spaces.get(name="Auditorium 1")
    services.hold_create(household_id=family.pk, space_id=space.pk, by=coordinator)
    page_url = reverse("shelter:detail", args=[shelter.pk])
    response = as_user(volunteer).post(
        reverse("coordination:check_in", args=[family.pk]),
        {"space": space.pk, "next": page_url},
    )
    assert response["Location"] == page_url
    family.refresh_from_db()
    space.refresh_from_db()
    assert family.status == HouseholdStatus.PLACED
    assert (space.occupied, space.held) == (3, 0)
    page = as_user(volunteer).get(page_url).content.decode()
    assert f"{family.contact_name} {family.code} checked in at Cinema Park / Auditorium 1." in page
    assert "Nobody is on their way here." in page


def test_next_never_leaves_the_site(as_user, volunteer, shelter):
    family = HouseholdFactory(size=1, registered_at=shelter)
    space = shelter.spaces.first()
    response = as_user(volunteer).post(
        reverse("coordination:check_in", args=[family.pk]),
        {"space": space.pk, "next": "https://evil.example/"},
    )
    assert response["Location"] == reverse("coordination:household", args=[family.pk])


def test_register_an_arrival_here_prefills_the_shelter(as_user, volunteer, shelter):
    from tests.factories import MembershipFactory

    MembershipFactory(shelter=ShelterFactory(name="Second"), user=volunteer)  # two to choose
    client = as_user(volunteer)
    page = client.get(reverse("shelter:detail", args=[shelter.pk])).content.decode()
    register = f"{reverse('coordination:register')}?shelter={shelter.pk}"
    assert f'href="{register}"' in page and "Register an arrival here" in page
    form = client.get(register).context["form"]
    assert form.initial["registered_at"] == shelter.pk
    response = client.post(
        register, {"contact_name": "Aset", "size": "2", "registered_at": shelter.pk}
    )
    assert response.status_code == 302
    assert Household.objects.get().registered_at == shelter


def test_register_here_ignores_a_shelter_not_theirs(as_user, volunteer, shelter, other_shelter):
    from tests.factories import MembershipFactory

    MembershipFactory(shelter=ShelterFactory(name="Second"), user=volunteer)
    client = as_user(volunteer)
    for value in (other_shelter.pk, "x", "99999999999999999999"):
        form = client.get(reverse("coordination:register"), {"shelter": value}).context["form"]
        assert "registered_at" not in form.initial, value


def test_nobody_else_sees_the_arrivals_of_a_shelter(as_user, other_volunteer, shelter):
    assert (
        as_user(other_volunteer).get(reverse("shelter:detail", args=[shelter.pk])).status_code
        == 403
    )


@pytest.mark.parametrize("size", [2, 12])
def test_shelter_page_with_arrivals_queries_do_not_grow(size, as_user, volunteer, shelter):
    boss = UserFactory(groups=["Coordinator"])
    big = SpaceFactory(shelter=shelter, name="Hall", places=200)
    for _ in range(size):
        held = HouseholdFactory(size=1, registered_by=boss, registered_at=ShelterFactory())
        services.hold_create(household_id=held.pk, space_id=big.pk, by=boss)
        left = HouseholdFactory(size=1)
        stay = services.stay_check_in(household_id=left.pk, space_id=big.pk, by=boss)
        services.stay_check_out(stay_id=stay.pk, by=boss)
    client = as_user(volunteer)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("shelter:detail", args=[shelter.pk]))
    assert response.status_code == 200
    assert len(response.context["sections"][0].context["arrivals"].expected) == size
    assert len(response.context["sections"][0].context["arrivals"].check_outs) == size
    # 1 session, 2 user with their permissions, 3 shelter and the volunteer's role there
    # (read once for every access check of the page), 4 spaces with counters (their sums
    # added up from them), 5 recent events, 6 households on the way with who registered and
    # sent them, 7 check-outs to undo, 8 the week's changes by hour
    assert len(queries) == 8, "\n".join(q["sql"][:120] for q in queries)
