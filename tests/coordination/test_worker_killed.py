"""A worker killed (SIGKILL, with its pool) mid-evaluation and mid-delivery, then restarted.

Nothing is lost and nothing is doubled beyond the documented at-least-once webhook: a
delivery interrupted between sending and marking may reach the receiver twice, and is
recorded delivered once.
"""

import threading
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.db import connections, transaction
from django.urls import reverse

from coordination.alerts import delivery
from coordination.alerts.models import (
    Alert,
    AlertDelivery,
    AlertKind,
    AlertRule,
    DeliveryStatus,
    default_rule,
)
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
from tests.worker_process import app_on_redis, kill, stop, worker_process

pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True)]

OUTPUT = Path(django_settings.BASE_DIR) / "test-output"
LEASE = 3  # seconds: the claim of a killed worker is handed out again after this


@pytest.fixture
def ward(transactional_db):
    SpaceFactory(places=100, shelter=ShelterFactory(name="Yunost gym"))
    space = SpaceFactory(places=10, occupied=5, name="Hall", shelter=ShelterFactory(name="Cinema"))
    volunteer = UserFactory(groups=["Volunteer"])
    MembershipFactory(shelter=space.shelter, user=volunteer)
    return space, volunteer


@pytest.fixture
def redis_of_our_own():
    with RedisServer() as server:
        yield server


def _count(client, space, occupied):
    current = Space.objects.get(pk=space.pk)
    response = client.post(
        reverse("shelter:detail", args=[space.shelter_id]), count_post(current, occupied)
    )
    assert response.status_code == 302


class CityRuleLockedElsewhere:
    """Holds the city rule's row lock on a connection of its own.

    An evaluation takes it after it has evaluated the shelter's changes, in the same
    transaction: it waits there, half-way, with its alert written but not committed.
    """

    def __init__(self):
        if not AlertRule.objects.filter(kind=AlertKind.CITY_LOW).exists():
            default_rule(AlertKind.CITY_LOW).save()  # a transactional test emptied the table
        self.locked = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def _hold(self):
        try:
            with transaction.atomic():
                AlertRule.objects.select_for_update().get(kind=AlertKind.CITY_LOW)
                self.locked.set()
                self.release.wait(60)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.locked.wait(10)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(10)


def test_worker_killed_mid_evaluation_then_restarted_evaluates_once(
    client, ward, redis_of_our_own, settings
):
    space, volunteer = ward
    client.force_login(volunteer)
    OUTPUT.mkdir(exist_ok=True)
    with app_on_redis(redis_of_our_own.url, settings):
        worker = worker_process(redis_of_our_own.url, OUTPUT / "killed-evaluation-worker.log")
        try:
            with CityRuleLockedElsewhere():
                _count(client, space, 9)  # the volunteer's save is not held up...
                # ...but the worker's evaluation waits half-way: kill it there.
                assert wait_until(lambda: _waiting_for_lock(), timeout=20)
                kill(worker)
            assert OccupancyOutbox.objects.count() == 1  # the change still waits
            assert not Alert.objects.exists()
            worker = worker_process(redis_of_our_own.url, OUTPUT / "restarted-worker.log")
            # The restarted worker replays what waits (its catch-up on start).
            assert wait_until(lambda: not OccupancyOutbox.objects.exists(), timeout=30)
            assert list(Alert.objects.values_list("kind", flat=True)) == [AlertKind.NEARLY_FULL]
        finally:
            stop(worker)


def _waiting_for_lock() -> bool:
    """A worker's query is blocked on a row lock (PostgreSQL's own view of it)."""
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE wait_event_type = 'Lock' AND datname = current_database()"
        )
        return cursor.fetchone()[0] > 0


def test_worker_killed_mid_delivery_then_restarted_delivers_once_recorded(
    client, ward, redis_of_our_own, settings
):
    space, volunteer = ward
    client.force_login(volunteer)
    settings.ALERTS_CLAIM_LEASE_SECONDS = LEASE  # the sweeper runs in this process
    OUTPUT.mkdir(exist_ok=True)
    arrived = threading.Event()
    with app_on_redis(redis_of_our_own.url, settings), WebhookServer(hold=arrived) as hooks:
        WebhookFactory(url=hooks.url, secret="killed")
        env = {"ALERTS_CLAIM_LEASE_SECONDS": str(LEASE)}
        worker = worker_process(redis_of_our_own.url, OUTPUT / "killed-delivery-worker.log", **env)
        try:
            _count(client, space, 9)
            assert arrived.wait(30)  # the webhook has the call; the worker waits for its answer
            kill(worker)
            (sending,) = AlertDelivery.objects.all()
            assert sending.status == DeliveryStatus.SENDING
            hooks.hold = None  # the receiver answers at once from now on
            worker = worker_process(redis_of_our_own.url, OUTPUT / "redelivery-worker.log", **env)
            # The claim of the dead worker is free after its lease; the sweeper hands it out.
            time.sleep(delivery.claim_lease().total_seconds())
            delivery.deliveries_sweep()
            assert wait_until(
                lambda: AlertDelivery.objects.filter(status=DeliveryStatus.DELIVERED).count() == 1,
                timeout=30,
            )
        finally:
            stop(worker)
    assert Alert.objects.count() == 1
    assert AlertDelivery.objects.count() == 1
    ids = [received.headers["X-Shelter-Delivery"] for received in hooks.received]
    assert ids == [str(sending.pk)] * len(ids) and 1 <= len(ids) <= 2  # at least once
