"""Real races for the alert claims: threads with their own connections, released together."""

import pytest

from coordination.alerts import delivery, services
from coordination.alerts.models import Alert, AlertDelivery
from shelter.models import Space
from tests.factories import AlertSubscriptionFactory, SpaceFactory
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True, serialized_rollback=True)


def test_evaluations_at_once_raise_one_alert():
    space = SpaceFactory(places=10)
    Space.objects.filter(pk=space.pk).update(occupied=9)
    AlertSubscriptionFactory()

    outcomes = race(8, lambda _: services.alerts_evaluate_shelter(shelter_id=space.shelter_id))

    assert outcomes == ["ok"] * 8
    assert Alert.objects.filter(kind="nearly_full").count() == 1
    assert Alert.objects.filter(kind="city_low").count() == 1
    assert AlertDelivery.objects.count() == 2


def test_workers_claiming_one_delivery_at_once_get_it_once():
    space = SpaceFactory(places=1)
    Space.objects.filter(pk=space.pk).update(occupied=1)
    AlertSubscriptionFactory()
    services.alerts_evaluate_shelter(shelter_id=space.shelter_id, city_rules=False)
    AlertDelivery.objects.update(status="pending", attempts=0)  # eager mode delivered it
    row = AlertDelivery.objects.get()
    claims = []

    race(10, lambda _: claims.append(delivery.delivery_claim(delivery_id=row.pk)))

    assert sorted(claims) == [False] * 9 + [True]
    row.refresh_from_db()
    assert row.attempts == 1
