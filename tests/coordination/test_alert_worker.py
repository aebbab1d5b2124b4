"""Alerts end to end through the real Redis broker and a real Celery worker (no eager mode).

A volunteer's bed-count form raises the alert; the worker evaluates, emails and calls a
webhook served by the test. Fault tests point the broker at a closed port mid-request.
"""

import json
import socket
import time
from contextlib import contextmanager
from datetime import timedelta

import pytest
from celery.contrib.testing.worker import start_worker
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from coordination.alerts.models import Alert, AlertDelivery, AlertKind, DeliveryStatus
from coordination.alerts.tasks import deliver_alert, sweep_deliveries
from coordination.celery import app as celery_app
from shelter.models import Space
from tests.coordination.alert_helpers import WebhookServer, count_post, wait_until
from tests.factories import (
    AlertSubscriptionFactory,
    MembershipFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
    WebhookFactory,
)

# The rows data migrations made (groups, alert rules) are restored for each test: a
# transactional test empties every table when it ends.
pytestmark = [pytest.mark.worker, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

SECRET = "a-webhook-secret"


@pytest.fixture
def ward(transactional_db):
    """A 10-place space, its volunteer, a coordinator subscribed by email, 50 places elsewhere."""
    SpaceFactory(places=50, shelter=ShelterFactory(name="Yunost gym"))
    space = SpaceFactory(places=10, name="Hall", shelter=ShelterFactory(name="Cinema Park"))
    volunteer = UserFactory(groups=["Volunteer"])
    MembershipFactory(shelter=space.shelter, user=volunteer)
    subscription = AlertSubscriptionFactory()
    return space, volunteer, subscription.user.email


def _count(client, space, occupied: int):
    space = Space.objects.get(pk=space.pk)
    response = client.post(
        reverse("shelter:detail", args=[space.shelter_id]), count_post(space, occupied)
    )
    assert response.status_code == 302
    return response


def _delivered() -> set[tuple[str, str]]:
    return set(
        AlertDelivery.objects.filter(status=DeliveryStatus.DELIVERED).values_list(
            "alert__kind", "channel"
        )
    )


def test_count_raises_one_alert_delivered_once_by_email_and_signed_webhook(
    celery_worker_real, client, ward
):
    space, volunteer, email = ward
    client.force_login(volunteer)
    with WebhookServer() as server:
        WebhookFactory(url=server.url, secret=SECRET)

        _count(client, space, 9)  # 90% of places taken

        (received,) = server.wait_for(1)
        assert wait_until(lambda: len(_delivered()) == 2)
        assert received.signature_verifies(SECRET)
        assert not received.signature_verifies("another secret")
        assert received.payload["kind"] == AlertKind.NEARLY_FULL
        assert received.payload["shelter"]["name"] == "Cinema Park"
        assert received.headers["X-Shelter-Delivery"] == str(received.payload["delivery"])
        assert [m.to for m in mail.outbox] == [[email]]
        assert "Cinema Park is nearly full" in mail.outbox[0].subject

        # The same delivery tasks again, and counts bouncing around 90%: nothing new.
        for delivery_id in AlertDelivery.objects.values_list("pk", flat=True):
            deliver_alert.delay(delivery_id)
            deliver_alert.delay(delivery_id)
        for occupied in [8, 9, 8, 9]:
            _count(client, space, occupied)
        _count(client, space, 7)  # below 80%: room again

        # The worker takes tasks in order: once room again arrives, the rest are done.
        assert len(server.wait_for(2)) == 2
        assert wait_until(lambda: len(mail.outbox) == 2)
        time.sleep(0.5)
        assert [r.payload["kind"] for r in server.received] == ["nearly_full", "room_again"]
        assert len(server.answered) == 2
    assert len(mail.outbox) == 2
    assert "has room again" in mail.outbox[1].subject
    assert list(Alert.objects.order_by("pk").values_list("kind", flat=True)) == [
        AlertKind.NEARLY_FULL,
        AlertKind.ROOM_AGAIN,
    ]


def test_webhook_answering_500_twice_is_delivered_once_after_retries(
    celery_worker_real, client, ward, settings
):
    settings.ALERTS_RETRY_BASE_SECONDS = 0.2
    space, volunteer, _ = ward
    AlertDelivery.objects.all().delete()
    client.force_login(volunteer)
    with WebhookServer(statuses=[500, 500]) as server:
        WebhookFactory(url=server.url, secret=SECRET)
        _count(client, space, 10)
        (received,) = server.wait_for(1)
        assert received.signature_verifies(SECRET)
        row = wait_until(
            lambda: AlertDelivery.objects.filter(
                channel="webhook", status=DeliveryStatus.DELIVERED
            ).first()
        )
        time.sleep(0.5)
        assert server.answered == [500, 500, 200]
    assert row.attempts == 3
    assert len(server.received) == 1


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]  # closed again on leaving: nobody listens there


def _reset_producer_pools() -> None:
    # Publishing takes connections from pools made for the write URL; drop them so the next
    # publish builds pools for the URL set now (kombu keeps one pool per URL, still open).
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@contextmanager
def broker_down():
    """Publishing goes to a port nobody listens on, as when Redis is stopped."""
    conf = celery_app.conf
    previous = conf.broker_write_url
    conf.broker_write_url = f"redis://127.0.0.1:{_closed_port()}/0"
    _reset_producer_pools()
    try:
        yield
    finally:
        conf.broker_write_url = previous
        _reset_producer_pools()


def test_broker_down_during_submit_then_sweeper_delivers_once(
    transactional_db, client, ward, caplog
):
    space, volunteer, email = ward
    client.force_login(volunteer)
    celery_app.conf.task_always_eager = False
    with WebhookServer() as server:
        WebhookFactory(url=server.url, secret=SECRET)
        with broker_down():
            started = time.monotonic()
            _count(client, space, 10)  # the submit succeeds
            assert time.monotonic() - started < 10
        assert Space.objects.get(pk=space.pk).occupied == 10
        alert = Alert.objects.get(kind=AlertKind.FULL)  # recorded in-process (the fallback)
        assert "broker unreachable; evaluating alerts of shelter" in caplog.text
        statuses = set(alert.deliveries.values_list("status", flat=True))
        assert statuses == {DeliveryStatus.PENDING}
        assert alert.deliveries.count() == 2
        assert not mail.outbox and not server.received

        # The broker is back; a minute later the sweeper (on beat) finds them.
        AlertDelivery.objects.update(next_attempt_at=timezone.now() - timedelta(minutes=2))
        with start_worker(
            celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10, loglevel="INFO"
        ):
            sweep_deliveries.delay()
            (received,) = server.wait_for(1)
            assert wait_until(lambda: len(mail.outbox) == 1)
            assert wait_until(
                lambda: (
                    set(alert.deliveries.values_list("status", flat=True))
                    == {DeliveryStatus.DELIVERED}
                )
            )
            sweep_deliveries.delay()  # a second sweep finds nothing to do
            sweep_deliveries.delay()
            time.sleep(1)
    assert received.signature_verifies(SECRET)
    assert received.payload["alert"] == alert.pk
    assert len(server.answered) == 1
    assert [m.to for m in mail.outbox] == [[email]]
    celery_app.conf.task_always_eager = True


def test_a_burst_of_changes_queues_one_run_per_shelter_which_replays_them_all(ward):
    """Forty changes of one shelter while the worker is busy elsewhere (not started yet):
    one alert evaluation waits in the queue, not forty (shelter/coalesce.py; the status is set
    by each change itself), and that one run still replays every change: the shelter filled
    and emptied twice, so "nearly full" was raised and cleared twice."""
    from shelter import services as shelter_services
    from shelter.models import OccupancyOutbox, OccupancyReason

    space, _volunteer, _email = ward
    celery_app.conf.task_always_eager = False
    try:
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_purge("celery")
            for _ in range(2):
                for delta in [1] * 10 + [-1] * 10:  # up to 10 of 10 places, and down again
                    shelter_services.occupancy_change(
                        space_id=space.pk, delta=delta, reason=OccupancyReason.COUNT, by=None
                    )
            waiting = connection.default_channel.client.lrange("celery", 0, -1)
        tasks = sorted(json.loads(message)["headers"]["task"] for message in waiting)
        assert tasks == ["coordination.alerts.evaluate_changes"]
        assert OccupancyOutbox.objects.count() == 40
        with start_worker(celery_app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            assert wait_until(lambda: not OccupancyOutbox.objects.exists())
            full = Alert.objects.filter(shelter=space.shelter, kind=AlertKind.NEARLY_FULL)
            assert wait_until(lambda: full.count() == 2)
            assert not full.filter(cleared_at__isnull=True).exists()
    finally:
        celery_app.conf.task_always_eager = True


def test_changes_in_many_shelters_of_a_city_queue_one_run_of_its_city_rules(ward):
    """The city's rule reads every shelter of the city: shelters counting at once each get
    their own replay, and their city one run, queued once (shelter/coalesce.py); a change
    after that run started queues the next one."""
    from coordination.alerts.tasks import evaluate_changes, evaluate_city
    from shelter import services as shelter_services
    from shelter.models import OccupancyReason

    space, _volunteer, _email = ward
    city = space.shelter.city
    others = [SpaceFactory(places=5, shelter=ShelterFactory(city=city)) for _ in "ab"]

    def change_and_replay(changed) -> None:
        shelter_services.occupancy_change(
            space_id=changed.pk, delta=1, reason=OccupancyReason.COUNT, by=None
        )
        evaluate_changes(changed.shelter_id)  # as the worker runs each shelter's task

    def city_runs_waiting(connection) -> list[str]:
        waiting = connection.default_channel.client.lrange("celery", 0, -1)
        messages = [json.loads(message) for message in waiting]
        return [
            m["headers"]["argsrepr"]
            for m in messages
            if m["headers"]["task"] == "coordination.alerts.evaluate_city"
        ]

    celery_app.conf.task_always_eager = False
    try:
        with celery_app.connection_for_write() as connection:
            connection.default_channel.queue_purge("celery")
            for changed in [space, *others]:
                change_and_replay(changed)
            assert city_runs_waiting(connection) == [repr((city,))]
            evaluate_city(city)  # the worker runs it: the next change queues another
            change_and_replay(others[0])
            assert len(city_runs_waiting(connection)) == 2
            connection.default_channel.queue_purge("celery")
    finally:
        celery_app.conf.task_always_eager = True
