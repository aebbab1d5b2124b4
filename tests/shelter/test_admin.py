"""The admin pages load, with their filters and the read-only history."""

import pytest
from django.urls import reverse

from shelter import services
from shelter.models import OccupancyReason

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_with_history(admin_client, shelter):
    space = shelter.spaces.first()
    services.occupancy_change(space_id=space.pk, delta=2, reason=OccupancyReason.COUNT, by=None)
    return admin_client


@pytest.mark.parametrize(
    "url",
    [
        reverse("admin:index"),
        reverse("admin:shelter_shelter_changelist"),
        reverse("admin:shelter_shelter_changelist") + "?kind__exact=cinema&status__exact=open",
        reverse("admin:shelter_shelter_changelist") + "?q=Cinema",
        reverse("admin:shelter_shelter_add"),
        reverse("admin:shelter_occupancyevent_changelist"),
        reverse("admin:shelter_occupancyevent_changelist") + "?reason__exact=count",
    ],
)
def test_admin_pages_load(admin_client_with_history, url):
    assert admin_client_with_history.get(url).status_code == 200


def test_shelter_change_page_shows_spaces_inline(admin_client_with_history, shelter):
    response = admin_client_with_history.get(
        reverse("admin:shelter_shelter_change", args=[shelter.pk])
    )
    assert response.status_code == 200
    assert "Auditorium 1" in response.content.decode()


def test_occupancy_history_cannot_be_edited_or_deleted(admin_client_with_history, shelter):
    event = shelter.events.get()
    change = admin_client_with_history.get(
        reverse("admin:shelter_occupancyevent_change", args=[event.pk])
    )
    assert change.status_code == 200
    assert 'name="_save"' not in change.content.decode()
    delete = admin_client_with_history.post(
        reverse("admin:shelter_occupancyevent_delete", args=[event.pk]), {"post": "yes"}
    )
    assert delete.status_code == 403
    assert shelter.events.count() == 1


def test_coordinator_reaches_the_admin(as_user, coordinator):
    assert as_user(coordinator).get(reverse("admin:shelter_shelter_changelist")).status_code == 200
