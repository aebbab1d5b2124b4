"""Flats, private homes and small places filling: good news, grouped per city and hour."""

from datetime import datetime

import pytest
import time_machine
from django.db import IntegrityError
from django.urls import reverse
from django.utils import timezone

from coordination.alerts import services
from coordination.alerts.models import Alert, AlertDelivery, AlertKind, AlertLevel, AlertRule
from shelter import services as shelter_services
from shelter.models import OccupancyReason, Shelter, Space
from tests.factories import AlertSubscriptionFactory, ShelterFactory, SpaceFactory, WebhookFactory
from tests.races import race

pytestmark = pytest.mark.django_db


def _local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


def _flat(name: str, places: int = 2, kind=Shelter.Kind.APARTMENT) -> Space:
    return SpaceFactory(places=places, name="Room", shelter=ShelterFactory(name=name, kind=kind))


def _count(space: Space, occupied: int) -> None:
    """A volunteer's count, then the replay of its recorded change (as the worker does)."""
    current = Space.objects.get(pk=space.pk).occupied
    shelter_services.occupancy_change(
        space_id=space.pk, delta=occupied - current, reason=OccupancyReason.COUNT, by=None
    )
    services.alerts_evaluate_changes(shelter_id=space.shelter_id)


def _fill(space: Space) -> None:
    _count(space, space.places)


def _empty(space: Space) -> None:
    _count(space, 0)


@pytest.fixture(autouse=True)
def city_with_room():
    """50 free places elsewhere in the city, so the city is not low."""
    SpaceFactory(places=50, shelter=ShelterFactory(name="Yunost gym"))


def _listed(as_user, coordinator) -> list[Alert]:
    return as_user(coordinator).get(reverse("coordination:alerts")).context["alerts"]


def test_a_private_flat_filling_raises_no_critical_alert(as_user, coordinator):
    AlertSubscriptionFactory()
    flat = _flat("Flat on Abay 12")
    _fill(flat)
    assert not Alert.objects.filter(level=AlertLevel.CRITICAL).exists()
    assert not Alert.objects.filter(kind=AlertKind.NEARLY_FULL).exists()
    (group,) = _listed(as_user, coordinator)
    assert (group.kind, group.level) == (AlertKind.SMALL_FILLED, AlertLevel.INFO)
    # The flat's own full is recorded, quietly: folded into the group, sent to nobody.
    quiet = Alert.objects.get(kind=AlertKind.FULL, shelter=flat.shelter)
    assert quiet.grouped_into == group
    assert not quiet.deliveries.exists()
    assert group.deliveries.count() == 1


def test_five_flats_filling_in_an_hour_make_one_grouped_alert(as_user, coordinator):
    AlertSubscriptionFactory()
    WebhookFactory()
    flats = [_flat(f"Flat {n}") for n in range(1, 6)]
    with time_machine.travel(_local(2022, 9, 27, 21, 5), tick=0):
        for flat in flats:
            _fill(flat)
    (group,) = Alert.objects.filter(kind=AlertKind.SMALL_FILLED)
    assert group.key == "small_filled:Uralsk:2022-09-27T21"
    with time_machine.travel(_local(2022, 9, 27, 21, 40), tick=0):
        assert group.text == (
            "Uralsk: 5 flats or small places filled between 21:00 and 22:00: "
            "Flat 1, Flat 2, Flat 3, Flat 4, Flat 5."
        )
    assert group.deliveries.count() == 2  # one email, one webhook: once for the five
    assert AlertDelivery.objects.count() == 2
    assert [a.pk for a in _listed(as_user, coordinator)] == [group.pk]


def test_the_next_hour_is_a_new_group_and_the_last_one_clears():
    first, second = _flat("Flat 1"), _flat("Flat 2")
    with time_machine.travel(_local(2022, 9, 27, 21, 50), tick=0):
        _fill(first)
    with time_machine.travel(_local(2022, 9, 27, 22, 5), tick=0):
        _fill(second)
        services.alerts_check_all()
    groups = list(Alert.objects.filter(kind=AlertKind.SMALL_FILLED).order_by("pk"))
    assert [g.key[-2:] for g in groups] == ["21", "22"]
    assert groups[0].cleared_at is not None  # its hour is over
    assert groups[1].cleared_at is None


def test_a_flat_filling_twice_in_the_hour_counts_once():
    flat, other = _flat("Flat 1"), _flat("Flat 2")
    with time_machine.travel(_local(2022, 9, 27, 21, 5), tick=0):
        _fill(flat)
        _empty(flat)
        _fill(flat)
        _fill(other)
    group = Alert.objects.get(kind=AlertKind.SMALL_FILLED)
    assert group.params["shelter_ids"] == [flat.shelter_id, other.shelter_id]
    assert group.text.startswith("Uralsk: 2 flats or small places filled")


def test_a_flat_staying_full_is_not_counted_again_next_hour():
    flat = _flat("Flat 1")
    with time_machine.travel(_local(2022, 9, 27, 21, 5), tick=0):
        _fill(flat)
    with time_machine.travel(_local(2022, 9, 27, 22, 5), tick=0):
        services.alerts_check_all()  # re-checks every shelter as it is now: still full
    assert Alert.objects.filter(kind=AlertKind.SMALL_FILLED).count() == 1


def test_a_small_collective_place_counts_as_small_and_a_big_flat_still_does():
    tiny = _flat("Prayer room", places=4, kind=Shelter.Kind.OTHER)
    big_home = _flat("Big private home", places=12, kind=Shelter.Kind.PRIVATE_HOME)
    _fill(tiny)
    _fill(big_home)
    assert not Alert.objects.filter(level=AlertLevel.CRITICAL).exists()
    group = Alert.objects.get(kind=AlertKind.SMALL_FILLED)
    assert sorted(group.params["names"]) == ["Big private home", "Prayer room"]


def test_a_collective_shelter_filling_is_still_critical():
    gym = SpaceFactory(places=40, shelter=ShelterFactory(name="School No. 9 gym", kind="gym"))
    _fill(gym)
    full = Alert.objects.get(kind=AlertKind.FULL, shelter=gym.shelter)
    assert (full.level, full.grouped_into) == (AlertLevel.CRITICAL, None)


def test_the_small_size_is_tuned_in_the_rule():
    AlertRule.objects.filter(kind=AlertKind.SMALL_FILLED).update(threshold=20)
    hall = SpaceFactory(places=15, shelter=ShelterFactory(name="Small hall", kind="other"))
    _fill(hall)
    assert not Alert.objects.filter(level=AlertLevel.CRITICAL).exists()
    assert Alert.objects.filter(kind=AlertKind.SMALL_FILLED).exists()


def test_switched_off_small_places_raise_nothing():
    AlertRule.objects.filter(kind=AlertKind.SMALL_FILLED).update(enabled=False)
    _fill(_flat("Flat 1"))
    assert not Alert.objects.filter(shelter__name="Flat 1").exists()
    assert not Alert.objects.filter(kind=AlertKind.SMALL_FILLED).exists()


def test_the_small_places_rule_is_never_more_than_information():
    with pytest.raises(IntegrityError):
        AlertRule.objects.filter(kind=AlertKind.SMALL_FILLED).update(level=AlertLevel.CRITICAL)


def test_an_old_nearly_full_alert_of_a_flat_clears_on_its_next_count():
    flat = _flat("Flat 1", places=4)
    Alert.objects.create(
        kind=AlertKind.NEARLY_FULL,
        level=AlertLevel.WARNING,
        key=f"nearly_full:shelter:{flat.shelter_id}",
        shelter=flat.shelter,
        city="Uralsk",
        message="Flat 1 is nearly full",
    )
    _fill(flat)
    assert Alert.objects.get(kind=AlertKind.NEARLY_FULL).cleared_at is not None


def test_the_dashboard_counts_no_open_alert_for_a_full_flat(as_user, coordinator):
    flat = _flat("Flat 1")
    _fill(flat)
    page = as_user(coordinator).get(reverse("coordination:dashboard"))
    rows = {s.pk: s for s in page.context["data"].shelters}
    assert rows[flat.shelter_id].open_alerts == 0
    assert page.context["open_alerts_count"] == 1  # the group


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_flats_filling_at_once_join_one_group():
    SpaceFactory(places=50, shelter=ShelterFactory(name="Yunost gym"))
    AlertSubscriptionFactory()
    flats = [_flat(f"Flat {n}") for n in range(6)]
    Space.objects.filter(pk__in=[f.pk for f in flats]).update(occupied=2)  # no evaluation yet

    outcomes = race(6, lambda i: services.alerts_evaluate_shelter(shelter_id=flats[i].shelter_id))

    assert outcomes == ["ok"] * 6
    (group,) = Alert.objects.filter(kind=AlertKind.SMALL_FILLED)
    assert sorted(group.params["shelter_ids"]) == sorted(f.shelter_id for f in flats)
    assert Alert.objects.filter(kind=AlertKind.FULL, grouped_into=group).count() == 6
    assert AlertDelivery.objects.count() == 1
