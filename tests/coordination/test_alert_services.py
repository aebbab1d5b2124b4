"""Alert services against PostgreSQL: raising, clearing, idempotency, recipients, deliveries."""

import time
from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.db import IntegrityError
from django.utils import timezone, translation

from coordination.alerts import delivery, services
from coordination.alerts.models import (
    Alert,
    AlertDelivery,
    AlertKind,
    AlertRule,
    Channel,
    DeliveryStatus,
    ShelterAlertThreshold,
)
from coordination.alerts.recipients import AlertSubscription, MorningSummary
from coordination.alerts.tasks import deliver_alert
from coordination.households import services as coordination_services
from shelter import services as shelter_services
from shelter.models import OccupancyReason, Shelter, Space
from tests.coordination.alert_helpers import WebhookServer
from tests.factories import (
    AlertSubscriptionFactory,
    HouseholdFactory,
    MealOfferFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
    WebhookFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def room():
    """A space of 10 places in a city with 50 more free elsewhere (so the city is not low)."""
    SpaceFactory(places=50, shelter=ShelterFactory(name="Yunost gym"))
    return SpaceFactory(places=10, name="Hall", shelter=ShelterFactory(name="Cinema Park"))


def _set(space, occupied: int) -> None:
    current = Space.objects.get(pk=space.pk).occupied
    if occupied != current:
        shelter_services.occupancy_change(
            space_id=space.pk, delta=occupied - current, reason=OccupancyReason.COUNT, by=None
        )


def _kinds(**filters) -> list[str]:
    return list(Alert.objects.filter(**filters).order_by("pk").values_list("kind", flat=True))


def _evaluate(space, occupied: int) -> list[str]:
    _set(space, occupied)
    return [a.kind for a in services.alerts_evaluate_shelter(shelter_id=space.shelter_id)]


def test_nearly_full_bouncing_and_room_again(room):
    assert _evaluate(room, 8) == []
    assert _evaluate(room, 9) == [AlertKind.NEARLY_FULL]
    for occupied in [8, 9, 8, 9]:  # 80-90-80-90%: hysteresis, nothing new
        assert _evaluate(room, occupied) == []
    assert _evaluate(room, 7) == [AlertKind.ROOM_AGAIN]
    nearly = Alert.objects.get(kind=AlertKind.NEARLY_FULL)
    assert nearly.cleared_at is not None
    assert nearly.message.startswith(
        "Cinema Park is nearly full: 9 of 10 places taken (90%), 1 free. (as of "
    )
    assert nearly.params == {
        "shelter": "Cinema Park",
        "taken": 9,
        "places": 10,
        "free": 1,
        "percent": 90,
        "as_of": nearly.params["as_of"],
    }
    assert _evaluate(room, 9) == [AlertKind.NEARLY_FULL]  # a new condition after clearing
    assert Alert.objects.active().get(shelter=room.shelter).kind == AlertKind.NEARLY_FULL


def test_evaluating_twice_raises_once(room):
    _set(room, 9)
    assert len(services.alerts_evaluate_shelter(shelter_id=room.shelter_id)) == 1
    assert services.alerts_evaluate_shelter(shelter_id=room.shelter_id) == []
    assert Alert.objects.count() == 1


def test_full_and_held_and_blocked_count_as_taken(room):
    Space.objects.filter(pk=room.pk).update(blocked=2)
    shelter_services.held_change(space_id=room.pk, delta=3)
    assert _evaluate(room, 5) == [AlertKind.FULL]
    assert "all 10 places are taken" in Alert.objects.get().message


def test_a_shelters_own_threshold(room):
    ShelterAlertThreshold.objects.create(
        shelter=room.shelter, nearly_full_percent=60, room_again_percent=40
    )
    assert _evaluate(room, 6) == [AlertKind.NEARLY_FULL]
    assert _evaluate(room, 4) == []
    assert _evaluate(room, 3) == [AlertKind.ROOM_AGAIN]


def test_threshold_without_gap_is_refused(room):
    with pytest.raises(IntegrityError):
        ShelterAlertThreshold.objects.create(
            shelter=room.shelter, nearly_full_percent=80, room_again_percent=80
        )


def test_switched_off_rule_raises_nothing(room):
    AlertRule.objects.filter(kind=AlertKind.NEARLY_FULL).update(enabled=False)
    assert _evaluate(room, 9) == []


def test_rule_threshold_tuned_in_the_database(room):
    AlertRule.objects.filter(kind=AlertKind.NEARLY_FULL).update(threshold=70, reset=50)
    assert _evaluate(room, 7) == [AlertKind.NEARLY_FULL]


def test_one_open_alert_per_condition_is_a_constraint(room):
    Alert.objects.create(kind="full", level="critical", key="k", city="Uralsk", message="m")
    with pytest.raises(IntegrityError):
        Alert.objects.create(kind="full", level="critical", key="k", city="Uralsk", message="m")


def test_a_cleared_condition_may_be_raised_again(room):
    Alert.objects.create(
        kind="full",
        level="critical",
        key="k",
        city="Uralsk",
        message="m",
        cleared_at=timezone.now(),
    )
    Alert.objects.create(kind="full", level="critical", key="k", city="Uralsk", message="m")


def test_closing_a_shelter_clears_its_capacity_alerts(room, coordinator):
    _evaluate(room, 9)
    _set(room, 0)
    shelter_services.shelter_set_status(
        shelter_id=room.shelter_id, status=Shelter.Status.CLOSED, by=coordinator
    )
    assert services.alerts_evaluate_shelter(shelter_id=room.shelter_id) == []
    assert not Alert.objects.active().filter(shelter=room.shelter).exists()


def test_city_low_below_twenty_free_places():
    space = SpaceFactory(places=30)
    assert _evaluate(space, 10) == []
    assert _evaluate(space, 11) == [AlertKind.CITY_LOW]
    alert = Alert.objects.get(kind=AlertKind.CITY_LOW)
    assert (alert.shelter, alert.city) == (None, "Uralsk")
    assert "only 19 free places left" in alert.message
    assert _evaluate(space, 5) == []  # 25 free: not yet the 30 that clear it
    assert _evaluate(space, 0) == []
    assert Alert.objects.get(kind=AlertKind.CITY_LOW).cleared_at is not None


def test_city_low_below_the_people_waiting(room):
    HouseholdFactory(size=40, registered_at=room.shelter)
    HouseholdFactory(size=30, registered_at=ShelterFactory(city="Aktobe"))  # another city
    assert _evaluate(room, 1) == []  # 59 free, 40 waiting
    HouseholdFactory(size=20)  # registered nowhere: counted in every city
    assert _evaluate(room, 2) == [AlertKind.CITY_LOW]
    assert "58 free places left in open shelters; 60 people waiting" in Alert.objects.get().message


def test_stale_data_raised_by_the_periodic_check_and_cleared_by_a_count(room):
    _set(room, 1)
    Space.objects.update(counted_at=timezone.now() - timedelta(hours=7))
    assert services.alerts_check_stale() == 2  # both shelters
    assert services.alerts_check_stale() == 0
    stale = Alert.objects.get(kind=AlertKind.STALE_DATA, shelter=room.shelter)
    assert "no count for over 6 hours" in stale.message
    _evaluate(room, 2)  # a volunteer counts
    stale.refresh_from_db()
    assert stale.cleared_at is not None


def test_meals_short_one_alert_per_city_and_day(room):
    _set(room, 5)
    MealOfferFactory(portions=40)  # 40 portions for 5 + 0 people
    assert services.alerts_check_meals() == 0
    _set(room, 10)
    SpaceFactory(places=50, shelter=ShelterFactory())
    Space.objects.filter(shelter__name="Yunost gym").update(occupied=35)
    assert services.alerts_check_meals() == 1  # 40 portions, 45 people
    assert services.alerts_check_meals() == 0
    alert = Alert.objects.get(kind=AlertKind.MEALS_SHORT)
    assert "40 meal portions offered for today, 45 people" in alert.message
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        assert services.alerts_check_meals() == 1  # no offers tomorrow: a new day's alert
    alert.refresh_from_db()
    assert alert.cleared_at is not None


def test_check_all_catches_what_no_evaluation_saw(room):
    Space.objects.filter(pk=room.pk).update(occupied=10)  # no service, no signal
    assert services.alerts_check_all() >= 1
    assert AlertKind.FULL in _kinds(shelter=room.shelter)


def test_alert_texts_carry_no_personal_data(room, coordinator):
    household = HouseholdFactory(contact_name="Olga Secretova", phone="+7 701 555 12 34", size=9)
    coordination_services.stay_check_in(household_id=household.pk, space_id=room.pk, by=coordinator)
    AlertSubscriptionFactory()
    with WebhookServer() as server:
        WebhookFactory(url=server.url)
        raised = services.alerts_evaluate_shelter(shelter_id=room.shelter_id)
        for delivery_id in AlertDelivery.objects.values_list("pk", flat=True):
            deliver_alert.apply(args=[delivery_id])
        texts = [a.message for a in raised] + [m.body + m.subject for m in mail.outbox]
        texts += [r.body.decode() for r in server.wait_for(len(raised))]
    assert raised and len(mail.outbox) == len(raised)
    for text in texts:
        assert "Olga" not in text and "Secretova" not in text and "555" not in text


def test_stored_texts_are_in_the_site_language_whatever_the_request_language(room, settings):
    # A volunteer with an English page triggers the evaluation; the site is in Russian, and so
    # is the mail of a coordinator who never chose a language.
    settings.LANGUAGE_CODE = "ru"
    AlertSubscriptionFactory()
    with translation.override("en"):
        _set(room, 10)
        (alert,) = services.alerts_evaluate_shelter(shelter_id=room.shelter_id)
        for delivery_id in AlertDelivery.objects.values_list("pk", flat=True):
            deliver_alert.apply(args=[delivery_id])
        assert translation.get_language() == "en"  # the request's language is left as it was
    assert alert.message.startswith("Cinema Park: мест нет, заняты все места (10).")
    assert mail.outbox[0].subject.startswith("[Оповещение о приюте]")  # noqa: RUF001


# --- recipients and deliveries -----------------------------------------------------------------


def _raise_full(room) -> Alert:
    _set(room, 10)
    (alert,) = services.alerts_evaluate_shelter(shelter_id=room.shelter_id)
    return alert


def test_deliveries_for_subscribed_coordinators_and_webhooks(room):
    everywhere = AlertSubscriptionFactory()
    only_here = AlertSubscriptionFactory()
    only_here.shelters.add(room.shelter)
    elsewhere = AlertSubscriptionFactory()
    elsewhere.shelters.add(ShelterFactory())
    AlertSubscriptionFactory(city="Aktobe")
    AlertSubscriptionFactory(user=UserFactory(groups=["Volunteer"], email="vol@example.org"))
    AlertSubscriptionFactory(channel=Channel.IN_APP)
    hook = WebhookFactory()
    WebhookFactory(is_active=False)
    WebhookFactory(city="Aktobe")

    alert = _raise_full(room)

    rows = set(AlertDelivery.objects.filter(alert=alert).values_list("channel", "recipient"))
    assert rows == {
        (Channel.EMAIL, everywhere.user.email),
        (Channel.EMAIL, only_here.user.email),
        (Channel.WEBHOOK, f"webhook:{hook.pk}"),
    }
    assert set(AlertDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.PENDING}


def test_city_alerts_go_to_every_subscription_of_the_city():
    subscription = AlertSubscriptionFactory()
    subscription.shelters.add(ShelterFactory())
    space = SpaceFactory(places=10)
    _evaluate(space, 1)
    alert = Alert.objects.get(kind=AlertKind.CITY_LOW)
    assert alert.deliveries.get().recipient == subscription.user.email


def test_delivery_is_recorded_once_per_alert_channel_and_recipient(room):
    alert = _raise_full(room)
    AlertDelivery.objects.create(alert=alert, channel=Channel.EMAIL, recipient="a@example.org")
    with pytest.raises(IntegrityError):
        AlertDelivery.objects.create(alert=alert, channel=Channel.EMAIL, recipient="a@example.org")


def test_same_delivery_task_run_twice_sends_once(room):
    AlertSubscriptionFactory()
    with WebhookServer() as server:
        WebhookFactory(url=server.url, secret="s3cret")
        _raise_full(room)
        ids = list(AlertDelivery.objects.values_list("pk", flat=True))
        for _ in range(2):
            for delivery_id in ids:
                deliver_alert.apply(args=[delivery_id])
        (received,) = server.wait_for(1)
        time.sleep(0.2)
        assert len(server.answered) == 1
    assert len(mail.outbox) == 1
    assert received.signature_verifies("s3cret")
    assert received.payload["kind"] == "full"
    assert set(AlertDelivery.objects.values_list("status", "attempts")) == {("delivered", 1)}


def test_failed_attempt_in_process_is_left_for_the_sweeper(room):
    with WebhookServer(statuses=[503]) as server:
        WebhookFactory(url=server.url)
        _raise_full(room)
        row = AlertDelivery.objects.get()
        assert deliver_alert.apply(args=[row.pk]).get() == "pending"
        row.refresh_from_db()
        assert (row.status, row.last_error) == (DeliveryStatus.PENDING, "HTTP 503")
        assert delivery.deliveries_sweep() == 0  # not due yet
        later = timezone.now() + timedelta(minutes=2)
        assert delivery.deliveries_sweep(now=later) == 1  # queued (eager: delivered) again
        assert delivery.deliveries_sweep(now=later) == 0
        server.wait_for(1)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (DeliveryStatus.DELIVERED, 2)


def test_refused_webhook_fails_for_good_and_admin_retry_requeues(room):
    with WebhookServer(statuses=[404]) as server:
        WebhookFactory(url=server.url)
        _raise_full(room)
        row = AlertDelivery.objects.get()
        assert deliver_alert.apply(args=[row.pk]).get() == "failed"
        assert delivery.deliveries_sweep(now=timezone.now() + timedelta(hours=1)) == 0
        assert delivery.deliveries_retry(delivery_ids=[row.pk]) == 1
        server.wait_for(1)
    row.refresh_from_db()
    assert row.status == DeliveryStatus.DELIVERED


def test_a_claim_past_its_lease_is_swept_and_taken_again(room):
    AlertSubscriptionFactory()
    _raise_full(room)
    row = AlertDelivery.objects.get()
    assert delivery.delivery_claim(delivery_id=row.pk)  # a worker takes it, then dies
    assert not delivery.delivery_claim(delivery_id=row.pk)
    assert delivery.deliveries_sweep(now=timezone.now() + timedelta(seconds=30)) == 0
    assert delivery.deliveries_sweep(now=timezone.now() + timedelta(minutes=5)) == 1
    row.refresh_from_db()
    assert row.status == DeliveryStatus.SENDING  # eager: swept, but its claim is not expired now
    assert delivery.delivery_claim(delivery_id=row.pk, now=timezone.now() + timedelta(minutes=5))


def test_acknowledge_once(room, coordinator):
    alert = _raise_full(room)
    assert services.alert_acknowledge(alert_id=alert.pk, by=coordinator)
    assert not services.alert_acknowledge(alert_id=alert.pk, by=coordinator)
    alert.refresh_from_db()
    assert alert.acknowledged_by == coordinator
    assert alert.cleared_at is None  # still full: no new alert until it clears
    assert services.alerts_evaluate_shelter(shelter_id=room.shelter_id) == []


def test_morning_summary_once_per_address_and_day(room):
    _set(room, 4)
    HouseholdFactory(size=3)
    MealOfferFactory(portions=25)
    subscription = AlertSubscriptionFactory()
    AlertSubscriptionFactory(user=subscription.user, channel=Channel.IN_APP)
    _raise_full(room)
    mail.outbox.clear()
    assert delivery.summary_send() == 1
    assert delivery.summary_send() == 0
    (message,) = mail.outbox
    assert message.to == [subscription.user.email]
    assert "Places 60, occupied 10, held 0, free 50" in message.body
    assert "Waiting: 1 households, 3 people" in message.body
    assert "Meals today: 25 portions offered, 0 claimed" in message.body
    assert "Cinema Park is full" in message.body
    assert MorningSummary.objects.count() == 1


def test_subscription_unique_per_user_channel_city():
    subscription = AlertSubscriptionFactory()
    with pytest.raises(IntegrityError):
        AlertSubscription.objects.create(user=subscription.user, channel=Channel.EMAIL)


def signature_ok(raw_body: bytes, header: str, secret: str) -> bool:
    """The receiver's check, as the README gives it."""
    import hashlib
    import hmac

    expected = "sha256=" + hmac.new(secret.encode(), raw_body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header)


def test_the_readme_check_verifies_a_real_webhook_call(room):
    with WebhookServer() as server:
        WebhookFactory(url=server.url, secret="the receiver's secret")
        _raise_full(room)
        deliver_alert.apply(args=[AlertDelivery.objects.get().pk])
        (received,) = server.wait_for(1)
    header = received.headers["X-Shelter-Signature"]
    assert signature_ok(received.body, header, "the receiver's secret")
    assert not signature_ok(received.body + b" ", header, "the receiver's secret")
    assert not signature_ok(received.body, header, "a guess")
