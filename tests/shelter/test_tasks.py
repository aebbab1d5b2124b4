"""The status refresh task: as a plain function (twice), and through a real worker and Redis."""

import time
import uuid

import pytest
from django.urls import reverse

from shelter import services
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
def test_change_enqueues_refresh_on_commit(django_capture_on_commit_callbacks):
    space = SpaceFactory(places=1)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.occupancy_change(
            space_id=space.pk, delta=1, reason=OccupancyReason.CHECK_IN, by=None
        )
    assert callbacks  # the signal is sent only once the change commits
    assert Shelter.objects.get(pk=space.shelter_id).status == ShelterStatus.FULL


def _wait_for_status(shelter_id: int, status: str, timeout: float = 15) -> str:
    deadline = time.monotonic() + timeout
    current = None
    while time.monotonic() < deadline:
        current = Shelter.objects.get(pk=shelter_id).status
        if current == status:
            return current
        time.sleep(0.1)
    return current


@pytest.mark.worker
def test_a_volunteers_count_makes_a_real_worker_mark_the_shelter_full(
    celery_worker_real, client, caplog
):
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
    assert _wait_for_status(space.shelter_id, ShelterStatus.FULL) == ShelterStatus.FULL
    # The request did not refresh the status in-process (its fallback): the worker did.
    assert "broker unreachable" not in caplog.text
    assert "refresh_shelter_status" in caplog.text and "succeeded" in caplog.text

    services.occupancy_change(
        space_id=space.pk, delta=-1, reason=OccupancyReason.CHECK_OUT, by=None
    )
    assert _wait_for_status(space.shelter_id, ShelterStatus.OPEN) == ShelterStatus.OPEN


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
