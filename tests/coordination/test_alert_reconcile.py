"""Reconciliation against PostgreSQL: counters the database cannot tie to their rows.

Drift is made by writing the database directly (a queryset update, as a bug or a hand edit
would), bypassing the services; consistent data is built through the services.
"""

import logging
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import F
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from coordination.alerts import selectors, services, tasks
from coordination.alerts.models import Alert, AlertDelivery, AlertKind, AlertRule, Channel
from coordination.alerts.recipients import AlertSubscription
from coordination.households import services as coordination_services
from coordination.meals import services as meal_services
from coordination.models import Hold, HoldStatus, Household, MealOffer, Stay
from shelter import services as shelter_services
from shelter.models import OccupancyEvent, OccupancyReason, Space
from tests.factories import (
    AlertSubscriptionFactory,
    HouseholdFactory,
    MealOfferFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
    WebhookFactory,
)
from tests.races import race

pytestmark = pytest.mark.django_db

CHECKS = ["held", "claimed", "occupancy", "households"]


def _seed(by, *, size: int = 1) -> dict:
    """Every kind of row the checks read, made through the services, `size` times over."""
    made = {"spaces": [], "offers": [], "households": {}}
    for index in range(size):
        shelter = ShelterFactory()
        space = shelter_services.space_save(
            space=Space(shelter=shelter, name="Hall", places=20), fields=[], by=by
        )
        other = SpaceFactory(shelter=shelter, places=10)  # made directly: no history, empty
        shelter_services.occupancy_change(
            space_id=space.pk, delta=3, reason=OccupancyReason.COUNT, by=by
        )
        held = HouseholdFactory(size=2, contact_name=f"Aigerim Held {index}")
        coordination_services.hold_create(household_id=held.pk, space_id=space.pk, by=by)
        replaced = HouseholdFactory(size=1)
        coordination_services.hold_create(household_id=replaced.pk, space_id=space.pk, by=by)
        coordination_services.hold_create(household_id=replaced.pk, space_id=other.pk, by=by)
        placed = HouseholdFactory(size=2, contact_name=f"Olga Placed {index}")
        coordination_services.hold_create(household_id=placed.pk, space_id=space.pk, by=by)
        stay = coordination_services.stay_check_in(household_id=placed.pk, space_id=space.pk, by=by)
        coordination_services.stay_move(stay_id=stay.pk, space_id=other.pk, by=by)
        left = HouseholdFactory(size=1)
        stay = coordination_services.stay_check_in(household_id=left.pk, space_id=space.pk, by=by)
        coordination_services.stay_check_out(stay_id=stay.pk, by=by)
        offer = MealOfferFactory(portions=10)
        meal_services.meal_claim(offer_id=offer.pk, shelter_id=shelter.pk, portions=3, by=by)
        claim = meal_services.meal_claim(
            offer_id=offer.pk, shelter_id=shelter.pk, portions=2, by=by
        )
        meal_services.meal_claim_release(claim_id=claim.pk, by=by)
        made["spaces"].append(space)
        made["offers"].append(offer)
        made["households"].update(
            {"waiting": HouseholdFactory(), "held": held, "placed": placed, "left": left}
        )
    return made


@pytest.fixture
def data(coordinator):
    return _seed(coordinator)


def _open(check: str) -> list[Alert]:
    return list(Alert.objects.active().filter(key=f"data_drift:{check}"))


def test_consistent_data_built_through_the_services_raises_nothing(data):
    assert services.alerts_reconcile() == dict.fromkeys(CHECKS, 0)
    assert not Alert.objects.exists()


def test_hold_expiry_keeps_held_in_step(data):
    coordination_services.holds_expire_due(now=timezone.now() + timedelta(days=1))
    assert Hold.objects.filter(status=HoldStatus.ACTIVE).count() == 0
    assert services.alerts_reconcile() == dict.fromkeys(CHECKS, 0)


def test_demo_data_has_no_drift():
    from coordination.demo import load_demo_data

    assert load_demo_data()
    assert services.alerts_reconcile() == dict.fromkeys(CHECKS, 0)


def _drift_held(data):
    space = data["spaces"][0]
    Space.objects.filter(pk=space.pk).update(held=F("held") + 1)
    return [space.pk], lambda: Space.objects.filter(pk=space.pk).update(held=F("held") - 1)


def _drift_claimed(data):
    offer = data["offers"][0]
    MealOffer.objects.filter(pk=offer.pk).update(claimed=F("claimed") + 2)
    return [offer.pk], lambda: MealOffer.objects.filter(pk=offer.pk).update(
        claimed=F("claimed") - 2
    )


def _drift_occupancy(data):
    space = data["spaces"][0]
    Space.objects.filter(pk=space.pk).update(occupied=F("occupied") + 1)
    return [space.pk], lambda: Space.objects.filter(pk=space.pk).update(occupied=F("occupied") - 1)


def _drift_households(data):
    placed = data["households"]["placed"]
    Household.objects.filter(pk=placed.pk).update(status="waiting")
    return [placed.pk], lambda: Household.objects.filter(pk=placed.pk).update(status="placed")


DRIFTS = {
    "held": _drift_held,
    "claimed": _drift_claimed,
    "occupancy": _drift_occupancy,
    "households": _drift_households,
}


@pytest.mark.parametrize("check", CHECKS)
def test_drift_raises_one_alert_until_fixed(check, data, caplog):
    ids, fix = DRIFTS[check](data)

    with caplog.at_level(logging.WARNING, logger="coordination.alerts.services"):
        first = services.alerts_reconcile()
        second = services.alerts_reconcile()

    assert first == second == {**dict.fromkeys(CHECKS, 0), check: 1}
    [alert] = _open(check)
    assert Alert.objects.count() == 1
    assert (alert.kind, alert.level, alert.city, alert.shelter_id) == (
        AlertKind.DATA_DRIFT,
        "warning",
        "",
        None,
    )
    assert f"(ids: {ids[0]})" in alert.message
    assert f"data drift {check}: 1 rows, ids {ids}" in caplog.text
    for household in data["households"].values():  # ids only: no name reaches the text
        assert household.contact_name not in alert.message
        assert household.contact_name not in caplog.text

    fix()
    assert services.alerts_reconcile() == dict.fromkeys(CHECKS, 0)
    alert.refresh_from_db()
    assert alert.cleared_at is not None
    assert not Alert.objects.active().exists()
    services.alerts_reconcile()
    assert Alert.objects.count() == 1  # fixed stays fixed: nothing new


def test_each_check_has_its_own_alert(data):
    for drift in DRIFTS.values():
        drift(data)
    services.alerts_reconcile()
    services.alerts_reconcile()
    keys = sorted(Alert.objects.active().values_list("key", flat=True))
    assert keys == sorted(f"data_drift:{check}" for check in CHECKS)


def test_message_counts_every_row_and_names_a_few(coordinator):
    spaces = [SpaceFactory(places=5) for _ in range(7)]
    Space.objects.filter(pk__in=[s.pk for s in spaces]).update(held=1)
    services.alerts_reconcile()
    [alert] = _open("held")
    first = ", ".join(str(s.pk) for s in spaces[:5])
    assert alert.message.startswith(
        f"Held places differ from the active holds in 7 spaces (ids: {first}, …). (as of "
    )


def test_drift_that_grows_keeps_its_one_alert(data):
    space = data["spaces"][0]
    Space.objects.filter(pk=space.pk).update(held=F("held") + 1)
    services.alerts_reconcile()
    Space.objects.filter(pk=SpaceFactory().pk).update(held=2)
    assert services.alerts_reconcile()["held"] == 2
    assert len(_open("held")) == 1


def test_acknowledged_drift_is_not_raised_again_while_it_lasts(data, coordinator):
    _drift_held(data)
    services.alerts_reconcile()
    [alert] = _open("held")
    services.alert_acknowledge(alert_id=alert.pk, by=coordinator)
    services.alerts_reconcile()
    assert Alert.objects.count() == 1


def test_a_disabled_rule_raises_nothing_but_still_clears(data):
    _ids, fix = _drift_held(data)
    services.alerts_reconcile()
    AlertRule.objects.filter(kind=AlertKind.DATA_DRIFT).update(enabled=False)
    _drift_claimed(data)
    assert services.alerts_reconcile()["claimed"] == 1
    assert not _open("claimed")
    fix()
    services.alerts_reconcile()
    assert not Alert.objects.active().exists()


def test_the_rules_level_is_used(data):
    AlertRule.objects.filter(kind=AlertKind.DATA_DRIFT).update(level="critical")
    _drift_held(data)
    services.alerts_reconcile()
    assert _open("held")[0].level == "critical"


def test_without_its_rule_row_the_default_applies(data):
    AlertRule.objects.filter(kind=AlertKind.DATA_DRIFT).delete()
    _drift_held(data)
    services.alerts_reconcile()
    assert _open("held")[0].level == "warning"


# --- Each way a check's rows can drift.


def test_held_drifts_when_a_hold_ends_without_giving_places_back(data):
    hold = Hold.objects.filter(status=HoldStatus.ACTIVE).first()
    Hold.objects.filter(pk=hold.pk).update(status=HoldStatus.EXPIRED)
    assert list(selectors.spaces_held_drift().values_list("pk", flat=True)) == [hold.space_id]
    [space] = selectors.spaces_held_drift()
    assert space.held_by_holds == space.held - hold.places


def test_held_of_a_space_without_holds_must_be_zero():
    space = SpaceFactory()
    assert not selectors.spaces_held_drift().exists()
    Space.objects.filter(pk=space.pk).update(held=1)
    assert list(selectors.spaces_held_drift()) == [space]


def test_claimed_drifts_when_a_claim_is_released_without_its_portions(data):
    offer = data["offers"][0]
    claim = offer.claims.filter(released_at__isnull=True).get()
    type(claim).objects.filter(pk=claim.pk).update(released_at=timezone.now())
    [drifting] = selectors.meal_offers_claimed_drift()
    assert (drifting.pk, drifting.claimed, drifting.claimed_by_claims) == (offer.pk, 3, 0)


def test_claimed_of_an_offer_without_claims_must_be_zero():
    offer = MealOfferFactory()
    assert not selectors.meal_offers_claimed_drift().exists()
    MealOffer.objects.filter(pk=offer.pk).update(claimed=1)
    assert list(selectors.meal_offers_claimed_drift()) == [offer]


def test_occupancy_drifts_from_the_sum_of_history(data):
    space = data["spaces"][0]
    first = OccupancyEvent.objects.filter(space=space).order_by("at", "id").first()
    # An old event rewritten: the last one still matches, the sum no longer does.
    OccupancyEvent.objects.filter(pk=first.pk).update(after=F("after") + 1)
    [drifting] = selectors.spaces_occupancy_drift()
    assert drifting.pk == space.pk
    assert drifting.history_occupied == drifting.occupied + 1
    assert drifting.last_after == drifting.occupied


def test_occupancy_drifts_from_the_last_event(data):
    space = data["spaces"][0]
    last = OccupancyEvent.objects.filter(space=space).order_by("-at", "-id").first()
    # Moved from one event to another: the sum still matches, the last event no longer does.
    OccupancyEvent.objects.filter(pk=last.pk).update(after=F("after") - 1)
    previous = OccupancyEvent.objects.filter(space=space).exclude(pk=last.pk)
    OccupancyEvent.objects.filter(pk=previous.order_by("-at", "-id").first().pk).update(
        after=F("after") + 1
    )
    [drifting] = selectors.spaces_occupancy_drift()
    assert drifting.history_occupied == drifting.occupied != drifting.last_after


def test_places_drift_from_the_last_event(data):
    space = data["spaces"][0]
    Space.objects.filter(pk=space.pk).update(places=F("places") + 5)
    assert list(selectors.spaces_occupancy_drift().values_list("pk", flat=True)) == [space.pk]


def test_a_space_without_history_must_be_empty():
    space = SpaceFactory(places=10)
    assert not selectors.spaces_occupancy_drift().exists()
    Space.objects.filter(pk=space.pk).update(occupied=2)
    assert list(selectors.spaces_occupancy_drift()) == [space]


def test_changes_of_places_through_the_services_keep_the_history(data, coordinator):
    space = Space.objects.get(pk=data["spaces"][0].pk)
    space.places = 25
    shelter_services.space_save(space=space, fields=["places"], by=coordinator)
    shelter_services.occupancy_change(
        space_id=space.pk, delta=-1, places_delta=-2, reason=OccupancyReason.COUNT, by=None
    )
    assert not selectors.spaces_occupancy_drift().exists()


def _placed_without_stay(households):
    Stay.objects.filter(household=households["placed"]).update(checked_out_at=timezone.now())
    return households["placed"]


def _waiting_with_stay(households):
    Household.objects.filter(pk=households["placed"].pk).update(status="waiting")
    return households["placed"]


def _left_with_stay(households):
    Household.objects.filter(pk=households["placed"].pk).update(status="left")
    return households["placed"]


def _placed_with_hold(households):
    Household.objects.filter(pk=households["held"].pk).update(status="placed")
    return households["held"]


def _left_with_hold(households):
    Household.objects.filter(pk=households["held"].pk).update(status="left")
    return households["held"]


@pytest.mark.parametrize(
    "drift",
    [_placed_without_stay, _waiting_with_stay, _left_with_stay, _placed_with_hold, _left_with_hold],
)
def test_household_status_drifts(drift, data):
    assert not selectors.households_status_drift().exists()
    household = drift(data["households"])
    assert list(selectors.households_status_drift()) == [household]


# --- Who hears it: an alert of no city goes to everyone subscribed, whatever the city.


def test_drift_alert_reaches_every_subscription_and_webhook(
    data, mailoutbox, django_capture_on_commit_callbacks
):
    subscription = AlertSubscriptionFactory(city="Aktobe")
    webhook = WebhookFactory(city="Oral")
    _drift_held(data)
    with django_capture_on_commit_callbacks(execute=True):
        services.alerts_reconcile()
    [alert] = _open("held")
    rows = set(AlertDelivery.objects.filter(alert=alert).values_list("channel", "recipient"))
    assert rows == {
        (Channel.EMAIL, subscription.user.email),
        (Channel.WEBHOOK, f"webhook:{webhook.pk}"),
    }
    assert [m.to for m in mailoutbox] == [[subscription.user.email]]


def test_drift_alert_is_on_the_list_of_a_coordinator_subscribed_to_another_city(data):
    coordinator = UserFactory(groups=["Coordinator"])
    AlertSubscription.objects.create(user=coordinator, channel=Channel.IN_APP, city="Aktobe")
    _drift_held(data)
    services.alerts_reconcile()
    assert [a.key for a in selectors.alerts_open_for(coordinator)] == ["data_drift:held"]


# --- The task, the schedule and the query count.


def test_task_runs_twice_as_a_plain_function(data):
    _drift_claimed(data)
    assert tasks.reconcile() == 1
    assert tasks.reconcile() == 1
    assert Alert.objects.count() == 1


def test_reconcile_is_on_the_beat_schedule(settings):
    from django_celery_beat.models import PeriodicTask

    entry = settings.CELERY_BEAT_SCHEDULE["alerts-reconcile"]
    assert (entry["task"], entry["schedule"]) == ("coordination.alerts.reconcile", 600.0)
    task = PeriodicTask.objects.select_related("interval").get(name="alerts-reconcile")
    assert (task.task, task.interval.every) == ("coordination.alerts.reconcile", 600)


@pytest.mark.django_db(transaction=True, serialized_rollback=True)  # the scheduler closes it
def test_beat_adds_the_entry_to_a_database_migrated_before_it(settings):
    from django_celery_beat.models import PeriodicTask

    from coordination.beat import DatabaseScheduler
    from coordination.celery import app as celery_app

    PeriodicTask.objects.filter(name="alerts-reconcile").delete()  # as before this change
    DatabaseScheduler(app=celery_app, lazy=True).update_from_dict(settings.CELERY_BEAT_SCHEDULE)
    task = PeriodicTask.objects.select_related("interval").get(name="alerts-reconcile")
    assert (task.task, task.interval.every) == ("coordination.alerts.reconcile", 600)


def _queries(action) -> int:
    with CaptureQueriesContext(connection) as queries:
        action()
    return len(queries)


@pytest.mark.parametrize("size", [1, 8])
def test_reconcile_queries_do_not_grow(size, coordinator):
    made = _seed(coordinator, size=size)
    # 1 savepoint, 2 the data-drift rule (locked), 3 the uncleared drift alerts,
    # 4-7 one query per check, 8 release the savepoint
    assert _queries(services.alerts_reconcile) == 8
    space_ids = [s.pk for s in made["spaces"]]
    Space.objects.filter(pk__in=space_ids).update(held=F("held") + 1)
    # Drift in `size` spaces raises one alert: + 9-10 savepoints (the raise, the insert),
    # 11 the alert, 12 release, 13 email subscriptions, 14 webhooks, 15 its delivery ids
    # (no recipient: nothing to insert), 16 release
    assert _queries(services.alerts_reconcile) == 16
    assert _queries(services.alerts_reconcile) == 8  # raised already: nothing to write
    Space.objects.filter(pk__in=space_ids).update(held=F("held") - 1)
    assert _queries(services.alerts_reconcile) == 9  # + 9 clear it


# --- Two at once.


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_reconciles_at_once_raise_one_alert_per_check():
    space = SpaceFactory(places=10)
    Space.objects.filter(pk=space.pk).update(held=2)
    offer = MealOfferFactory()
    MealOffer.objects.filter(pk=offer.pk).update(claimed=1)
    household = HouseholdFactory()
    Household.objects.filter(pk=household.pk).update(status="placed")

    outcomes = race(6, lambda _: services.alerts_reconcile())

    assert outcomes == ["ok"] * 6
    keys = sorted(Alert.objects.values_list("key", flat=True))
    assert keys == ["data_drift:claimed", "data_drift:held", "data_drift:households"]
