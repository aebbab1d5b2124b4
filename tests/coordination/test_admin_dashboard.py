"""The admin with the dashboard: titles and index, every model registered, actions through the
services (audited), exports, and edits that keep the history and the audit log whole."""

import csv
import io

import pytest
from django.apps import apps
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.test import Client
from django.urls import reverse

from shelter import services as shelter_services
from shelter.models import (
    AuditAction,
    AuditEntry,
    OccupancyEvent,
    OccupancyReason,
    Shelter,
    ShelterMembership,
    ShelterStatus,
    Space,
)
from tests.factories import HouseholdFactory, ShelterFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_every_model_of_both_apps_is_in_the_admin():
    for app in ("shelter", "coordination"):
        for model in apps.get_app_config(app).get_models():
            assert model in admin.site._registry, model


def test_the_admin_index_leads_to_the_dashboard(admin_client):
    page = admin_client.get(reverse("admin:index")).content.decode()
    assert "Shelter coordination" in page
    assert f'href="{reverse("coordination:dashboard")}"' in page
    assert reverse("admin:shelter_auditentry_changelist") in page


def test_the_dashboard_leads_to_the_admin(as_user, coordinator):
    page = as_user(coordinator).get(reverse("coordination:dashboard")).content.decode()
    assert f'href="{reverse("admin:index")}"' in page


def _act(client, action, shelters):
    return client.post(
        reverse("admin:shelter_shelter_changelist"),
        {"action": action, "_selected_action": [s.pk for s in shelters]},
        follow=True,
    )


def test_close_and_open_actions_go_through_the_services(admin_client, admin_user, shelter):
    busy = ShelterFactory(name="Busy")
    space = Space.objects.create(shelter=busy, name="Hall", places=5)
    shelter_services.occupancy_change(
        space_id=space.pk, delta=1, reason=OccupancyReason.COUNT, by=None
    )
    page = _act(admin_client, "close_shelters", [shelter, busy]).content.decode()
    assert "1 shelters closed." in page
    assert "Busy cannot be closed: 1 person is checked in or expected." in page
    assert Shelter.objects.get(pk=shelter.pk).status == ShelterStatus.CLOSED
    assert Shelter.objects.get(pk=busy.pk).status == ShelterStatus.OPEN
    _act(admin_client, "open_shelters", [shelter])
    assert Shelter.objects.get(pk=shelter.pk).status == ShelterStatus.OPEN
    _act(admin_client, "mark_full", [shelter])
    assert Shelter.objects.get(pk=shelter.pk).marked_full
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "by")) == [
        (AuditAction.STATUS, admin_user.pk),
        (AuditAction.STATUS, admin_user.pk),
        (AuditAction.MARKED_FULL, admin_user.pk),
    ]


def test_status_is_not_edited_by_hand_in_the_form(admin_client, shelter):
    page = admin_client.get(reverse("admin:shelter_shelter_change", args=[shelter.pk]))
    assert 'name="status"' not in page.content.decode()


def test_export_selected_shelters(admin_client, admin_user, shelter, other_shelter):
    response = _act(admin_client, "export_csv", [shelter, other_shelter])
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["id", "name", "kind", "status", "city", "places", "occupied", "free"]
    assert [row[1] for row in rows[1:]] == ["Cinema Park", "Yunost gym"]
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.by, entry.details["ids"]) == (
        AuditAction.EXPORT,
        admin_user,
        [shelter.pk, other_shelter.pk],
    )


def test_export_selected_households_is_for_coordinators(admin_client, coordinator):
    household = HouseholdFactory(contact_name="Ivan Petrov")
    data = {"action": "export_csv", "_selected_action": [household.pk]}
    url = reverse("admin:coordination_household_changelist")
    response = admin_client.post(url, data)
    body = b"".join(response.streaming_content).decode()
    assert "Ivan Petrov" in body
    assert AuditEntry.objects.get().details["export"] == "households.csv"

    clerk = UserFactory(is_staff=True)
    clerk.user_permissions.add(Permission.objects.get(codename="view_household"))
    other = Client()
    other.force_login(clerk)
    assert other.post(url, data).status_code == 403
    assert AuditEntry.objects.count() == 1


def test_a_space_added_or_resized_in_the_admin_enters_the_history(admin_client, shelter):
    admin_client.post(
        reverse("admin:shelter_space_add"),
        {"shelter": shelter.pk, "name": "Auditorium 3", "places": 40, "blocked": 0},
    )
    space = Space.objects.get(name="Auditorium 3")
    admin_client.post(
        reverse("admin:shelter_space_change", args=[space.pk]),
        {"name": "Auditorium 3", "places": 45, "blocked": 0},
    )
    assert list(
        OccupancyEvent.objects.filter(space=space)
        .order_by("pk")
        .values_list("places_before", "places")
    ) == [(0, 40), (40, 45)]


def test_a_space_cannot_shrink_below_its_people_in_the_admin(admin_client, shelter):
    space = shelter.spaces.get(name="Auditorium 1")
    shelter_services.occupancy_change(
        space_id=space.pk, delta=8, reason=OccupancyReason.COUNT, by=None
    )
    response = admin_client.post(
        reverse("admin:shelter_space_change", args=[space.pk]),
        {"name": "Auditorium 1", "places": 5, "blocked": 0},
    )
    assert response.status_code == 200  # the form again, with the reason
    assert "places cannot be fewer than 8" in response.content.decode()
    space.refresh_from_db()
    assert space.places == 10


def test_assignments_in_the_admin_are_audited(admin_client, admin_user, shelter):
    aigerim = UserFactory(username="aigerim")
    admin_client.post(
        reverse("admin:shelter_sheltermembership_add"),
        {"shelter": shelter.pk, "user": aigerim.pk, "role": "volunteer"},
    )
    membership = ShelterMembership.objects.get(user=aigerim)
    admin_client.post(
        reverse("admin:shelter_sheltermembership_delete", args=[membership.pk]), {"post": "yes"}
    )
    assert not ShelterMembership.objects.exists()
    assert list(AuditEntry.objects.order_by("pk").values_list("action", "subject", "by")) == [
        (AuditAction.MEMBER_ASSIGNED, aigerim.pk, admin_user.pk),
        (AuditAction.MEMBER_REMOVED, aigerim.pk, admin_user.pk),
    ]


def test_the_audit_log_is_read_only(admin_client, admin_user, shelter):
    shelter_services.shelter_mark_full(shelter_id=shelter.pk, by=admin_user)
    entry = AuditEntry.objects.get()
    assert admin_client.get(reverse("admin:shelter_auditentry_changelist")).status_code == 200
    change = admin_client.get(reverse("admin:shelter_auditentry_change", args=[entry.pk]))
    assert 'name="_save"' not in change.content.decode()
    delete = admin_client.post(
        reverse("admin:shelter_auditentry_delete", args=[entry.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert AuditEntry.objects.count() == 1


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:shelter_space_changelist") + "?shelter__city=Uralsk&q=Auditorium",
        reverse("admin:shelter_sheltermembership_changelist") + "?role__exact=volunteer",
        reverse("admin:shelter_occupancyevent_changelist") + "?at__gte=2026-01-01+00:00%2B05:00",
        reverse("admin:shelter_auditentry_changelist") + "?action__exact=export&q=x",
        reverse("admin:coordination_household_changelist")
        + "?created_at__gte=2026-01-01+00:00%2B05:00",
    ],
)
def test_new_admin_filters_load(admin_client, volunteer, url):
    assert admin_client.get(url).status_code == 200


def test_spaces_and_assignments_edited_inline_go_through_the_services(
    admin_client, admin_user, shelter, volunteer
):
    """The shelter's change form: a resized space is recorded, a new assignment audited."""
    first, second = shelter.spaces.order_by("name")
    membership = ShelterMembership.objects.get(user=volunteer)
    aigerim = UserFactory(username="aigerim")
    data = {
        "name": shelter.name,
        "kind": shelter.kind,
        "address": shelter.address,
        "city": shelter.city,
        "accepts_families": "on",
        "has_heating": "on",
        "spaces-TOTAL_FORMS": "3",
        "spaces-INITIAL_FORMS": "2",
        "spaces-0-id": first.pk,
        "spaces-0-shelter": shelter.pk,
        "spaces-0-name": first.name,
        "spaces-0-places": "12",  # was 10
        "spaces-0-blocked": "0",
        "spaces-1-id": second.pk,
        "spaces-1-shelter": shelter.pk,
        "spaces-1-name": second.name,
        "spaces-1-places": str(second.places),
        "spaces-1-blocked": "0",
        "spaces-2-shelter": shelter.pk,
        "spaces-2-name": "Foyer",
        "spaces-2-places": "6",
        "spaces-2-blocked": "0",
        "memberships-TOTAL_FORMS": "2",
        "memberships-INITIAL_FORMS": "1",
        "memberships-0-id": membership.pk,
        "memberships-0-shelter": shelter.pk,
        "memberships-0-user": volunteer.pk,
        "memberships-0-role": "volunteer",
        "memberships-1-shelter": shelter.pk,
        "memberships-1-user": aigerim.pk,
        "memberships-1-role": "manager",
    }
    response = admin_client.post(reverse("admin:shelter_shelter_change", args=[shelter.pk]), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert list(
        OccupancyEvent.objects.filter(shelter=shelter)
        .order_by("pk")
        .values_list("space__name", "places_before", "places")
    ) == [("Auditorium 1", 10, 12), ("Foyer", 0, 6)]
    assert ShelterMembership.objects.get(user=aigerim).role == "manager"
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.subject, entry.by) == (
        AuditAction.MEMBER_ASSIGNED,
        aigerim,
        admin_user,
    )
