"""Redis stopped and started again while volunteers work, with a real worker process.

The test starts its own Redis server on a free port (the shared one is never touched) and a
Celery worker subprocess (prefork, as in production) on the test database. 100 bed counts
move a 10-place shelter between 50% and 90% taken, each one a transition of the capacity
rules: 30 before the outage, 40 while Redis is stopped (over 20 s), 30 after it is back.
Throughout, the public page and API answer 200 and every count answers a success; at the
end every transition has raised its alert once and every alert was delivered once to a
webhook.
"""

import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.urls import reverse

from coordination.alerts import delivery
from coordination.alerts.models import Alert, AlertDelivery, AlertKind, DeliveryStatus
from coordination.alerts.tasks import evaluate_changes
from shelter.models import OccupancyOutbox, Space
from tests.coordination.alert_helpers import WebhookServer, count_post, wait_until
from tests.factories import (
    MembershipFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
    WebhookFactory,
)
from tests.redis_server import RedisServer
from tests.worker_process import app_on_redis, stop, worker_process

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

OUTPUT = Path(django_settings.BASE_DIR) / "test-output"
DELIVERY_HEADER = "X-Shelter-Delivery"


@pytest.fixture
def redis_of_our_own():
    with RedisServer() as server:
        yield server


@pytest.fixture
def ward(transactional_db):
    """A 10-place shelter with its volunteer, and 100 free places elsewhere in the city."""
    SpaceFactory(places=100, shelter=ShelterFactory(name="Yunost gym"))
    space = SpaceFactory(places=10, occupied=5, name="Hall", shelter=ShelterFactory(name="Cinema"))
    volunteer = UserFactory(groups=["Volunteer"])
    MembershipFactory(shelter=space.shelter, user=volunteer)
    return space, volunteer


def _public_pages_answer(client, shelter_id: int) -> list[int]:
    paths = ["/", f"/s/{shelter_id}/", "/api/v1/shelters/", "/api/v1/version/"]
    return [client.get(path).status_code for path in paths]


def test_redis_stopped_mid_use_loses_no_alert_and_no_answer(
    client, ward, redis_of_our_own, settings
):
    space, volunteer = ward
    OUTPUT.mkdir(exist_ok=True)
    log = OUTPUT / "redis-outage-worker.log"
    # 400 public requests from one test client
    settings.PUBLIC_RATE_LIMIT_CLIENT = "1000000/m"
    settings.PUBLIC_RATE_LIMIT_NEW = "1000000/m"
    settings.PUBLIC_RATE_LIMIT_ADDRESS = "1000000/m"
    public = Client()  # an arriving person, never logged in
    client.force_login(volunteer)
    statuses: Counter = Counter()
    with app_on_redis(redis_of_our_own.url, settings), WebhookServer() as hooks:
        WebhookFactory(url=hooks.url, secret="outage")
        worker = worker_process(redis_of_our_own.url, log)
        try:
            for change in range(100):
                if change == 30:
                    redis_of_our_own.stop()
                    stopped = time.monotonic()
                if change == 70:
                    outage = time.monotonic() - stopped
                    redis_of_our_own.start()
                occupied = 9 if change % 2 == 0 else 5  # 90% then 50%: each a transition
                current = Space.objects.get(pk=space.pk)
                response = client.post(
                    reverse("shelter:detail", args=[space.shelter_id]),
                    count_post(current, occupied),
                )
                statuses[response.status_code] += 1
                assert Space.objects.get(pk=space.pk).occupied == occupied  # it committed
                for status in _public_pages_answer(public, space.shelter_id):
                    statuses[status] += 1
                time.sleep(0.5 if 30 <= change < 70 else 0.1)  # the outage lasts over 20 s
            # What beat does every 30 s and every minute, sent through the broker now rather
            # than waiting for the schedule: replay waiting changes, queue waiting deliveries.
            evaluate_changes.delay()
            assert wait_until(lambda: not OccupancyOutbox.objects.exists(), timeout=60)
            delivery.deliveries_sweep(pending_for=timedelta(0))
            alerts = wait_until(lambda: Alert.objects.count() >= 100, timeout=60)
            assert alerts, "not every transition raised its alert"
            assert wait_until(
                lambda: not AlertDelivery.objects.exclude(status=DeliveryStatus.DELIVERED).exists(),
                timeout=90,
            ), "deliveries still waiting"
        finally:
            stop(worker)
        received = Counter(r.headers[DELIVERY_HEADER] for r in hooks.received)

    assert outage >= 20
    assert statuses == Counter({302: 100, 200: 400})  # no error, before, during or after
    kinds = Counter(Alert.objects.values_list("kind", flat=True))
    assert kinds == Counter({AlertKind.NEARLY_FULL: 50, AlertKind.ROOM_AGAIN: 50})
    deliveries = set(AlertDelivery.objects.values_list("pk", flat=True))
    assert len(deliveries) == 100
    assert set(received) == {str(pk) for pk in deliveries}
    assert max(received.values()) == 1  # none sent twice
    assert "Soft time limit" not in log.read_text()
