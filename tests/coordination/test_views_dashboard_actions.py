"""Acting from the dashboard: open, close, mark full, assign and remove; each one audited."""

import pytest
from django.urls import reverse

from coordination import public
from coordination.households import places, services
from shelter import services as shelter_services
from shelter.models import (
    AuditAction,
    AuditEntry,
    OccupancyReason,
    Shelter,
    ShelterMembership,
    ShelterStatus,
)
from tests.factories import HouseholdFactory, UserFactory

pytestmark = pytest.mark.django_db


def _status(client, shelter, action, **extra):
    return client.post(
        reverse("coordination:dashboard_status", args=[shelter.pk]), {"action": action, **extra}
    )


def _messages(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


@pytest.mark.parametrize(
    ("action", "status"),
    [("closed", ShelterStatus.CLOSED), ("standby", ShelterStatus.STANDBY), ("full", "full")],
)
def test_status_actions_change_it_and_are_audited(as_user, coordinator, shelter, action, status):
    response = _status(as_user(coordinator), shelter, action)
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:dashboard_shelter", args=[shelter.pk])
    shelter.refresh_from_db()
    assert shelter.status == status
    entry = AuditEntry.objects.get()
    assert (entry.by, entry.shelter) == (coordinator, shelter)
    assert entry.action == (AuditAction.MARKED_FULL if action == "full" else AuditAction.STATUS)


def test_opening_a_closed_shelter(as_user, coordinator, shelter):
    Shelter.objects.filter(pk=shelter.pk).update(status=ShelterStatus.CLOSED)
    response = _status(as_user(coordinator), shelter, "open")
    assert "Cinema Park is now Open." in _messages(response)
    shelter.refresh_from_db()
    assert shelter.status == ShelterStatus.OPEN


def test_closing_with_people_inside_is_refused_and_not_recorded(as_user, coordinator, shelter):
    space = shelter.spaces.first()
    shelter_services.occupancy_change(
        space_id=space.pk, delta=2, reason=OccupancyReason.COUNT, by=None
    )
    response = _status(as_user(coordinator), shelter, "closed")
    assert _messages(response) == [
        "Cinema Park cannot be closed: 2 people are checked in or expected. "
        "Check them out first, or put it on standby to stop new arrivals."
    ]
    shelter.refresh_from_db()
    assert shelter.status == ShelterStatus.OPEN
    assert not AuditEntry.objects.exists()


def test_back_to_the_dashboard_when_sent_from_it_never_elsewhere(as_user, coordinator, shelter):
    client = as_user(coordinator)
    back = _status(client, shelter, "full", next="/dashboard/?city=Uralsk")
    assert back["Location"] == "/dashboard/?city=Uralsk"
    away = _status(client, shelter, "open", next="https://evil.example/")
    assert away["Location"] == reverse("coordination:dashboard_shelter", args=[shelter.pk])


@pytest.mark.parametrize("back", ["0", "x", "coordination:dashboard", "//evil.example", "/\x00"])
def test_a_next_that_is_no_local_page_lands_on_the_panel_after_the_action(
    as_user, coordinator, shelter, back
):
    """redirect() would have tried "0" as a view name: a 500 after the status had changed."""
    response = _status(as_user(coordinator), shelter, "closed", next=back)
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:dashboard_shelter", args=[shelter.pk])
    shelter.refresh_from_db()
    assert shelter.status == ShelterStatus.CLOSED


def test_an_unknown_action_changes_nothing(as_user, coordinator, shelter):
    response = _status(as_user(coordinator), shelter, "explode")
    assert "Choose open, mark full, standby or close." in _messages(response)
    assert not AuditEntry.objects.exists()


def test_a_shelter_marked_full_is_offered_to_nobody(as_user, coordinator, shelter, other_shelter):
    household = HouseholdFactory(size=2)
    _status(as_user(coordinator), shelter, "full")
    options = places.places_for_household(household)
    assert {o.space.shelter_id for o in options} == {other_shelter.pk}
    public_cinema = public.shelter_by_id(public.snapshot(), shelter.pk)
    assert (public_cinema.public_status, public_cinema.free) == ("full", 0)
    assert public_cinema.largest_free_space == 0


def test_assigning_a_volunteer_by_user_name(as_user, coordinator, shelter):
    aigerim = UserFactory(username="aigerim", groups=["Volunteer"])
    client = as_user(coordinator)
    response = client.post(
        reverse("coordination:dashboard_member_assign", args=[shelter.pk]),
        {"username": "aigerim", "role": "volunteer"},
    )
    assert "aigerim works at Cinema Park as Volunteer." in _messages(response)
    assert ShelterMembership.objects.filter(shelter=shelter, user=aigerim).exists()
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.by, entry.subject) == (
        AuditAction.MEMBER_ASSIGNED,
        coordinator,
        aigerim,
    )
    # and she can now count beds there
    assert as_user(aigerim).get(reverse("shelter:detail", args=[shelter.pk])).status_code == 200


def test_an_unknown_user_name_is_explained(as_user, coordinator, shelter):
    response = as_user(coordinator).post(
        reverse("coordination:dashboard_member_assign", args=[shelter.pk]),
        {"username": "nobody", "role": "manager"},
    )
    assert any("Nobody with the user name nobody" in m for m in _messages(response))
    assert not ShelterMembership.objects.exists()


def test_removing_an_assignment(as_user, coordinator, volunteer, shelter):
    membership = ShelterMembership.objects.get(user=volunteer)
    client = as_user(coordinator)
    response = client.post(reverse("coordination:dashboard_member_remove", args=[membership.pk]))
    assert response.status_code == 302
    assert not ShelterMembership.objects.filter(pk=membership.pk).exists()
    assert AuditEntry.objects.get().action == AuditAction.MEMBER_REMOVED
    again = client.post(reverse("coordination:dashboard_member_remove", args=[membership.pk]))
    assert again.status_code == 404


def test_the_shelter_panel_shows_assignments_charts_and_the_audit_log(
    as_user, coordinator, volunteer, shelter
):
    client = as_user(coordinator)
    _status(client, shelter, "full")
    page = client.get(reverse("coordination:dashboard_shelter", args=[shelter.pk]))
    body = page.content.decode()
    assert volunteer.username in body
    assert body.count('class="chart"') == 2
    assert "Marked full: Cinema Park: open → marked full" in body
    assert f"by {coordinator.username}" in body


def test_the_panel_of_a_missing_shelter_is_404(as_user, coordinator):
    assert (
        as_user(coordinator)
        .get(reverse("coordination:dashboard_shelter", args=[999_999]))
        .status_code
        == 404
    )


def test_a_household_on_its_way_still_checks_in_after_the_mark(coordinator, shelter):
    """A household already on its way keeps its places: marking full takes nobody's away."""
    household = HouseholdFactory(size=2)
    hold = services.hold_create(
        household_id=household.pk, space_id=shelter.spaces.first().pk, by=coordinator
    )
    shelter_services.shelter_mark_full(shelter_id=shelter.pk, by=coordinator)
    services.stay_check_in(household_id=household.pk, space_id=hold.space_id, by=coordinator)
    household.refresh_from_db()
    assert household.status == "placed"
