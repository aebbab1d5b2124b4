"""A shelter's open <-> full status: set by each change in its own transaction; the task kept
for messages queued by an older version, idempotent; and the coalescing markers."""

import uuid

import pytest
from django.urls import reverse

from shelter import services
from shelter.errors import ShelterError
from shelter.models import OccupancyReason, Shelter, ShelterStatus, Space
from shelter.tasks import refresh_shelter_status
from tests.factories import SpaceFactory


@pytest.mark.django_db
def test_refresh_task_is_idempotent():
    space = SpaceFactory(places=1)
    Space.objects.filter(pk=space.pk).update(occupied=1)
    assert refresh_shelter_status(space.shelter_id) == ShelterStatus.FULL
    assert refresh_shelter_status(space.shelter_id) == ShelterStatus.FULL
    assert Shelter.objects.get(pk=space.shelter_id).status == ShelterStatus.FULL


@pytest.mark.django_db
def test_the_change_sets_open_or_full_in_its_own_transaction(django_capture_on_commit_callbacks):
    """No task and no wait: the status is right when the change commits (and rolls back
    with it), and a shelter marked full by a coordinator, or on standby, is left alone."""
    space = SpaceFactory(places=1)
    with django_capture_on_commit_callbacks(execute=False):
        services.occupancy_change(
            space_id=space.pk, delta=1, reason=OccupancyReason.CHECK_IN, by=None
        )
    # The on-commit listeners have not run: the change's own transaction set it.
    assert Shelter.objects.get(pk=space.shelter_id).status == ShelterStatus.FULL
    services.occupancy_change(
        space_id=space.pk, delta=-1, reason=OccupancyReason.CHECK_OUT, by=None
    )
    assert Shelter.objects.get(pk=space.shelter_id).status == ShelterStatus.OPEN

    services.shelter_mark_full(shelter_id=space.shelter_id, by=None)
    services.occupancy_change(space_id=space.pk, delta=0, reason=OccupancyReason.COUNT, by=None)
    assert Shelter.objects.get(pk=space.shelter_id).status == ShelterStatus.FULL  # marked full

    standby = SpaceFactory(places=1, shelter__status=ShelterStatus.STANDBY)
    services.occupancy_change(space_id=standby.pk, delta=0, reason=OccupancyReason.COUNT, by=None)
    assert Shelter.objects.get(pk=standby.shelter_id).status == ShelterStatus.STANDBY


@pytest.mark.django_db
def test_a_refused_change_leaves_the_status_as_it_was():
    space = SpaceFactory(places=1)
    with pytest.raises(ShelterError):
        services.occupancy_change(space_id=space.pk, delta=2, reason=OccupancyReason.COUNT, by=None)
    assert Shelter.objects.get(pk=space.shelter_id).status == ShelterStatus.OPEN


@pytest.mark.django_db
def test_a_volunteers_count_marks_the_shelter_full_by_the_time_the_page_answers(client):
    """Through the bed-count page: full when the save's redirect comes back, not later."""
    from tests.factories import MembershipFactory, UserFactory

    space = SpaceFactory(places=3)
    volunteer = UserFactory(groups=["Volunteer"])
    MembershipFactory(shelter=space.shelter, user=volunteer)
    client.force_login(volunteer)
    prefix = f"space-{space.pk}"
    data = {
        "submission": str(uuid.uuid4()),
        f"{prefix}-seen_places": 3,
        f"{prefix}-seen_occupied": 0,
        f"{prefix}-places": 3,
        f"{prefix}-occupied": 3,
    }

    response = client.post(reverse("shelter:detail", args=[space.shelter_id]), data)

    assert response.status_code == 302
    assert Shelter.objects.get(pk=space.shelter_id).status == ShelterStatus.FULL  # at once
    services.occupancy_change(
        space_id=space.pk, delta=-1, reason=OccupancyReason.CHECK_OUT, by=None
    )
    assert Shelter.objects.get(pk=space.shelter_id).status == ShelterStatus.OPEN


def test_a_city_coalesced_by_its_name_gets_a_plain_cache_key():
    """City rules are coalesced by the city's name, which may hold spaces and Cyrillic: the
    cache key stays plain (no warning about keys other caches could not hold), and two cities
    never share one."""
    from django.core.cache.backends.base import memcache_key_warnings

    from shelter import coalesce

    names = ["Орал қаласы", "Aktobe", "Uralsk " + "x" * 300]
    markers = [coalesce._marker("coordination.alerts.evaluate_city", name) for name in names]
    assert len(set(markers)) == len(names)
    for marker in markers:
        assert not list(memcache_key_warnings(marker))
    assert coalesce._marker("shelter.tasks.refresh_shelter_status", 7).endswith(":7")
