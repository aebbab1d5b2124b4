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
    AlertLevel,
    AlertRule,
    DeliveryStatus,
    default_rule,
)
from coordination.alerts.services import alert_key
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


class LockedElsewhere:
    """Holds a lock on a connection of its own, in a transaction it rolls back on exit."""

    def __init__(self):
        self.locked = threading.Event()
        self.release = threading.Event()
        self.thread = threading.Thread(target=self._hold)

    def take(self) -> None:
        raise NotImplementedError

    def _hold(self):
        try:
            with transaction.atomic():
                self.take()
                self.locked.set()
                self.release.wait(60)
                transaction.set_rollback(True)
        finally:
            connections.close_all()

    def __enter__(self):
        self.thread.start()
        assert self.locked.wait(10)
        return self

    def __exit__(self, *exc):
        self.release.set()
        self.thread.join(10)


class AlertBeingRaisedElsewhere(LockedElsewhere):
    """An uncommitted alert of the same condition: the worker's own insert of it waits on the
    one-open-per-condition constraint, half-way through the shelter's replay (its shelter
    locked, its outbox rows not yet deleted)."""

    def __init__(self, shelter, kind):
        super().__init__()
        self.shelter, self.kind = shelter, kind

    def take(self):
        Alert.objects.create(
            kind=self.kind,
            level=AlertLevel.WARNING,
            params={},
            message="held by the test",
            city=self.shelter.city,
            shelter=self.shelter,
            key=alert_key(self.kind, shelter_id=self.shelter.pk),
        )


class CityRuleLockedElsewhere(LockedElsewhere):
    """The city rule's row lock: the worker's run of the city's rules waits for it, after
    the shelter's replay has committed."""

    def __init__(self):
        super().__init__()
        if not AlertRule.objects.filter(kind=AlertKind.CITY_LOW).exists():
            default_rule(AlertKind.CITY_LOW).save()  # a transactional test emptied the table

    def take(self):
        AlertRule.objects.select_for_update().get(kind=AlertKind.CITY_LOW)


def test_worker_killed_mid_evaluation_then_restarted_evaluates_once(
    client, ward, redis_of_our_own, settings
):
    space, volunteer = ward
    client.force_login(volunteer)
    OUTPUT.mkdir(exist_ok=True)
    with app_on_redis(redis_of_our_own.url, settings):
        worker = worker_process(redis_of_our_own.url, OUTPUT / "killed-evaluation-worker.log")
        try:
            with AlertBeingRaisedElsewhere(space.shelter, AlertKind.NEARLY_FULL):
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


def test_worker_killed_mid_city_rules_then_restarted_evaluates_the_city(
    client, redis_of_our_own, settings
):
    """The city's run is queued after the shelter's replay commits, so it is not in the
    outbox: the restarted worker's catch-up evaluates every city."""
    space = SpaceFactory(places=30, occupied=5, shelter=ShelterFactory(city="Aksai"))
    volunteer = UserFactory(groups=["Volunteer"])
    MembershipFactory(shelter=space.shelter, user=volunteer)
    client.force_login(volunteer)
    OUTPUT.mkdir(exist_ok=True)
    city_low = Alert.objects.filter(kind=AlertKind.CITY_LOW, city="Aksai")
    assert not city_low.exists()  # 25 places free: not low yet
    with app_on_redis(redis_of_our_own.url, settings):
        log = OUTPUT / "killed-city-worker.log"
        worker = worker_process(redis_of_our_own.url, log)
        try:
            # Its catch-up on start evaluates every city: done before the rule is locked.
            assert wait_until(lambda: "evaluate_cities[" in log.read_text(), timeout=30)
            assert wait_until(lambda: "succeeded" in log.read_text(), timeout=30)
            with CityRuleLockedElsewhere():
                _count(client, space, 12)  # 18 places free in the city: under its 20
                assert wait_until(
                    lambda: not OccupancyOutbox.objects.exists() and _waiting_for_lock(),
                    timeout=20,
                )
                kill(worker)
            assert not Alert.objects.exists()  # the shelter's replay committed, its city's run not
            worker = worker_process(redis_of_our_own.url, OUTPUT / "restarted-city-worker.log")
            assert wait_until(lambda: city_low.exists(), timeout=30)
            assert list(Alert.objects.values_list("kind", flat=True)) == [AlertKind.CITY_LOW]
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
