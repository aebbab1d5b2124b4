"""Evaluating the rules, raising, clearing and acknowledging alerts.

Lock order: a Shelter row (as the shelter services take it), then the city's grouped alert of
the hour for small places (its row, FOR UPDATE); the AlertRule row of a city rule and of the
data-drift rule is taken alone, after any shelter's lock is given back (a count never waits
behind a city's sums). Nothing that holds an AlertRule row takes a Shelter lock or a grouped
alert's row. Raising is guarded by the partial unique constraint on an uncleared
alert's key, so two evaluations at once still raise one alert.

An alert stores what it means (kind and `params`); `texts` writes it in each reader's
language.
"""

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import Q, QuerySet
from django.db.models.functions import Now
from django.utils import timezone

from shelter.models import TAKING_PEOPLE, OccupancyOutbox, Shelter

from . import rules, selectors, texts
from .delivery import deliveries_create, deliveries_enqueue
from .models import Alert, AlertKind, AlertLevel, AlertRule, default_rule

logger = logging.getLogger(__name__)


def alert_key(
    kind: str, *, shelter_id: int | None = None, city: str = "", day=None, hour=None
) -> str:
    """The condition an alert stands for; one uncleared alert per key."""
    if shelter_id is not None:
        return f"{kind}:shelter:{shelter_id}"
    if hour is not None:
        return f"{kind}:{city}:{hour:%Y-%m-%dT%H}"
    return f"{kind}:{city}:{day.isoformat()}" if day else f"{kind}:{city}"


def alert_raise(
    *,
    kind: AlertKind,
    level: str,
    params: dict,
    city: str,
    shelter_id: int | None = None,
    key: str,
    grouped_into: Alert | None = None,
) -> Alert | None:
    """Record an alert and its deliveries in one transaction; None when the condition has one.

    The rows are committed before any delivery is tried: the delivery tasks are queued on
    commit, and if the broker is down they stay pending until the sweeper queues them. An
    alert `grouped_into` another is delivered with that one, so it gets no delivery itself.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    kind=kind,
                    level=level,
                    params=params,
                    message=texts.write_in_site_language(kind, params),
                    city=city,
                    shelter_id=shelter_id,
                    key=key,
                    grouped_into=grouped_into,
                )
        except IntegrityError:
            # Another evaluation raised it first (the one-open-per-condition constraint).
            # Asked of the database, not read from the error's text: SQLite (the demo) does
            # not name the constraint.
            if not Alert.objects.active().filter(key=key).exists():
                raise
            return None
        delivery_ids = [] if grouped_into else deliveries_create(alert)
    transaction.on_commit(lambda: deliveries_enqueue(delivery_ids), robust=True)
    logger.info("alert %s raised: %s (%s deliveries)", alert.pk, key, len(delivery_ids))
    return alert


def _iso(moment: datetime) -> str:
    """When figures were computed, in the city's time ("2022-09-27T21:40:00+05:00")."""
    return timezone.localtime(moment).isoformat(timespec="seconds")


def _refresh(key: str, kind: str, params: dict) -> None:
    """An alert still active gets the latest figures (and when they were computed)."""
    Alert.objects.active().filter(key=key).update(
        params=params, message=texts.write_in_site_language(kind, params)
    )


def _clear(kinds, *, shelter_id: int | None = None, city: str = "", keep_key: str = "") -> int:
    alerts = Alert.objects.active().filter(kind__in=kinds)
    if shelter_id is not None:
        alerts = alerts.filter(shelter_id=shelter_id)
    else:
        alerts = alerts.filter(shelter__isnull=True, city=city)
    if keep_key:
        alerts = alerts.exclude(key=keep_key)
    return alerts.update(cleared_at=Now())


def _enabled(rule_by_kind: dict[str, AlertRule]) -> set[str]:
    return {kind for kind, rule in rule_by_kind.items() if rule.enabled}


def _capacity_params(shelter: Shelter, figures: rules.Capacity, as_of: datetime) -> dict:
    return {
        "shelter": shelter.name,
        "taken": figures.taken,
        "places": figures.places,
        "free": max(figures.free, 0),
        "percent": figures.percent,
        "as_of": _iso(as_of),
    }


def _apply(
    changes: rules.Changes,
    *,
    rule_by_kind,
    city: str,
    shelter_id=None,
    params,
    key,
    refresh: set[str] = frozenset(),
):
    """Clear, then raise, as the rule decided; returns the alerts raised.

    Kinds in `refresh` (active before) that stay active get the new figures.
    """
    if changes.clear_kinds:
        _clear(changes.clear_kinds, shelter_id=shelter_id, city=city)
    raised = []
    for kind in changes.raise_kinds:
        alert = alert_raise(
            kind=kind,
            level=rule_by_kind[kind].level,
            params=params(kind),
            city=city,
            shelter_id=shelter_id,
            key=key(kind),
        )
        if alert is not None:
            raised.append(alert)
    for kind in set(refresh) - set(changes.clear_kinds) - set(changes.raise_kinds):
        _refresh(key(kind), kind, params(kind))
    return raised


def _small_below(rule_by_kind: dict[str, AlertRule]) -> int:
    rule = rule_by_kind[AlertKind.SMALL_FILLED]
    return rule.threshold if rule.threshold is not None else default_rule(rule.kind).threshold


def _evaluate_capacity(
    shelter: Shelter,
    rule_by_kind: dict[str, AlertRule],
    figures: rules.Capacity | None = None,
    *,
    as_of: datetime,
) -> list[Alert]:
    """The capacity rules on `figures` (a recorded change at `as_of`), else on the shelter now.

    Capacity alerts keep the figures that raised them, "as of" then: a full alert stays
    active down to the room-again percent, and its text must not say "all taken" of figures
    that no longer are. A small place's full is recorded in its city's grouped alert.
    """
    figures = figures or selectors.shelter_capacity(shelter)
    nearly, room = selectors.shelter_percents(shelter.pk, rule_by_kind[AlertKind.NEARLY_FULL])
    small = rules.is_small(shelter.kind, figures.places, small_below=_small_below(rule_by_kind))
    changes = rules.capacity_changes(
        figures,
        active=selectors.active_kinds(shelter_id=shelter.pk),
        enabled=_enabled(rule_by_kind),
        nearly_full_percent=nearly,
        room_again_percent=room,
        small=small,
    )
    params = _capacity_params(shelter, figures, as_of)
    if small:
        return _apply_small(
            changes, shelter=shelter, params=params, as_of=as_of, rule_by_kind=rule_by_kind
        )
    return _apply(
        changes,
        rule_by_kind=rule_by_kind,
        city=shelter.city,
        shelter_id=shelter.pk,
        params=lambda kind: params,
        key=lambda kind: alert_key(kind, shelter_id=shelter.pk),
    )


def _apply_small(
    changes: rules.Changes, *, shelter: Shelter, params: dict, as_of: datetime, rule_by_kind
):
    """A small place: its full alert is quiet (no delivery, off the lists), folded into the
    city's alert of the hour, which is raised (and delivered) once. Returns that alert when
    this change raised it."""
    if changes.clear_kinds:
        _clear(changes.clear_kinds, shelter_id=shelter.pk)
    if AlertKind.FULL not in changes.raise_kinds:
        return []
    group, created = _small_filled_group(shelter, when=as_of, rule_by_kind=rule_by_kind)
    alert_raise(
        kind=AlertKind.FULL,
        level=AlertLevel.INFO,
        params=params,
        city=shelter.city,
        shelter_id=shelter.pk,
        key=alert_key(AlertKind.FULL, shelter_id=shelter.pk),
        grouped_into=group,
    )
    return [group] if created else []


def _small_filled_group(shelter: Shelter, *, when: datetime, rule_by_kind) -> tuple[Alert, bool]:
    """The city's "small places filled" alert of `when`'s hour, with this shelter in it.

    Raised by the first small place to fill in that hour; the others add themselves under a
    lock on its row (evaluations of two flats of one city hold different shelter locks).
    """
    hour = timezone.localtime(when).replace(minute=0, second=0, microsecond=0)
    key = alert_key(AlertKind.SMALL_FILLED, city=shelter.city, hour=hour)
    params = {
        "city": shelter.city,
        "start": hour.isoformat(),
        "shelter_ids": [shelter.pk],
        "names": [shelter.name],
    }
    for _attempt in range(2):  # the group may be cleared between our insert and our lock
        group = alert_raise(
            kind=AlertKind.SMALL_FILLED,
            level=rule_by_kind[AlertKind.SMALL_FILLED].level,
            params=params,
            city=shelter.city,
            key=key,
        )
        if group is not None:
            return group, True
        group = Alert.objects.active().select_for_update().filter(key=key).first()
        if group is not None:
            break
    else:
        raise RuntimeError(f"no open alert for {key}")  # cleared twice within the same instant
    ids, names = group.params["shelter_ids"], group.params["names"]
    if shelter.pk not in ids:  # the same flat filling twice in the hour counts once
        ids.append(shelter.pk)
        if len(names) < texts.NAMES_IN_TEXT:
            names.append(shelter.name)
        group.message = texts.write_in_site_language(group.kind, group.params)
        group.save(update_fields=["params", "message"])
    return group, False


def _clear_past_groups(*, now: datetime) -> int:
    """Grouped alerts of an hour that is over are cleared (checked with every rule)."""
    hour = timezone.localtime(now).replace(minute=0, second=0, microsecond=0)
    return (
        Alert.objects.active()
        .filter(kind=AlertKind.SMALL_FILLED, created_at__lt=hour)
        .update(cleared_at=Now())
    )


def _evaluate_stale(shelter: Shelter, rule_by_kind, *, now: datetime) -> list[Alert]:
    rule = rule_by_kind[AlertKind.STALE_DATA]
    hours = rule.threshold or default_rule(AlertKind.STALE_DATA).threshold
    last = selectors.shelters_last_counted([shelter.pk]).get(shelter.pk)
    changes = rules.stale_changes(
        last,
        now=now,
        takes_people=shelter.status in TAKING_PEOPLE,
        active=AlertKind.STALE_DATA in selectors.active_kinds(shelter_id=shelter.pk),
        enabled=rule.enabled,
        hours=hours,
    )

    params = {"shelter": shelter.name, "hours": hours, "last": last.isoformat() if last else None}
    return _apply(
        changes,
        rule_by_kind=rule_by_kind,
        city=shelter.city,
        shelter_id=shelter.pk,
        params=lambda kind: params,
        key=lambda kind: alert_key(kind, shelter_id=shelter.pk),
    )


def _shelter_locked(shelter_id: int) -> Shelter | None:
    # Counts lock the shelter row too: this evaluation reads figures no count is changing,
    # and two evaluations of one shelter decide one after the other, never both at once.
    return Shelter.objects.select_for_update().filter(pk=shelter_id).first()


def alerts_evaluate_shelter(
    *, shelter_id: int, city_rules: bool = True, now: datetime | None = None
) -> list[Alert]:
    """Run the capacity and stale-data rules for one shelter, then the rules of its city.

    Idempotent: a second run with the same figures raises and clears nothing.
    """
    now = now or timezone.now()
    with transaction.atomic():
        shelter = _shelter_locked(shelter_id)
        if shelter is None:
            return []
        rule_by_kind = selectors.alert_rules()
        raised = _evaluate_capacity(shelter, rule_by_kind, as_of=now)
        raised += _evaluate_stale(shelter, rule_by_kind, now=now)
    if city_rules:
        raised += alerts_evaluate_city(city=shelter.city)
    return raised


def alerts_evaluate_changes(
    *, shelter_id: int | None = None, now: datetime | None = None, city_rules: bool = True
) -> list[Alert]:
    """Replay the recorded changes (the occupancy outbox) through the rules, oldest first.

    Each shelter in one transaction under its lock: writers hold that lock while they add a
    row, so every row we read is committed and none can slip in between. The alerts raised
    and the rows deleted commit together: a worker killed half-way leaves the rows for the
    next run, and no change is evaluated twice. Each row is evaluated with the figures the
    change left, so a shelter that filled and emptied while the broker was down still raises
    both alerts, in order.

    Then the rules of the cities those shelters are in, once per city, as they are now (after
    the shelters' locks are given back: counts do not wait for a city's sums). Without
    `city_rules` the caller has them evaluated (tasks.evaluate_changes: one run per city).
    """
    now = now or timezone.now()
    if shelter_id is not None:
        pending = [shelter_id]  # its replay finds its rows, or none (another run took them)
    else:
        pending = OccupancyOutbox.objects.order_by().values_list("shelter_id", flat=True)
        pending = pending.distinct()
    raised, cities = [], set()
    for pending_id in sorted(pending):
        replayed, city = _replay_changes(pending_id, now=now)
        raised += replayed
        if city is not None:
            cities.add(city)
    if city_rules:
        for city in sorted(cities):
            raised += alerts_evaluate_city(city=city, now=now)
    return raised


def _replay_changes(shelter_id: int, *, now: datetime) -> tuple[list[Alert], str | None]:
    """The shelter's recorded changes through its rules; returns the alerts and its city
    (None when there was nothing left to replay)."""
    with transaction.atomic():
        shelter = _shelter_locked(shelter_id)
        changes = list(OccupancyOutbox.objects.filter(shelter_id=shelter_id).order_by("pk"))
        if shelter is None or not changes:
            return [], None  # another worker replayed them first (a deleted shelter takes its rows)
        rule_by_kind = selectors.alert_rules()
        raised = []
        for change in changes:
            figures = rules.Capacity(
                places=change.places, taken=change.taken, takes_people=change.takes_people
            )
            raised += _evaluate_capacity(shelter, rule_by_kind, figures, as_of=change.created_at)
        raised += _evaluate_stale(shelter, rule_by_kind, now=now)
        OccupancyOutbox.objects.filter(pk__in=[change.pk for change in changes]).delete()
    return raised, shelter.city


def alerts_evaluate_cities(*, now: datetime | None = None) -> list[Alert]:
    """The rules of every city as they are now: what a city run lost with a killed worker
    missed (the worker's catch-up on start, and check_all)."""
    raised = []
    for city in selectors.cities():
        raised += alerts_evaluate_city(city=city, now=now)
    return raised


def _rule_locked(kind: AlertKind) -> AlertRule:
    # One evaluation of this city rule at a time (all cities): each reads the figures after
    # the previous one committed, so a late writer cannot re-raise what was just cleared.
    return AlertRule.objects.select_for_update().filter(kind=kind).first() or default_rule(kind)


def alerts_evaluate_city(*, city: str, now: datetime | None = None) -> list[Alert]:
    """Free places across the city's open shelters against the threshold and the waiting.

    An alert that stays active gets the figures of each evaluation (every change of the
    city's shelters), so it says what the dashboard's figures say, as of when.
    """
    now = now or timezone.now()
    with transaction.atomic():
        rule = _rule_locked(AlertKind.CITY_LOW)
        default = default_rule(AlertKind.CITY_LOW)
        threshold = rule.threshold if rule.threshold is not None else default.threshold
        reset = max(rule.reset if rule.reset is not None else default.reset, threshold)
        figures = selectors.city_free_places(city)
        active = AlertKind.CITY_LOW in selectors.active_kinds(city=city)
        changes = rules.city_low_changes(
            figures, active=active, enabled=rule.enabled, threshold=threshold, reset=reset
        )
        params = {
            "city": city,
            "free": figures.free,
            "waiting": figures.waiting,
            "as_of": _iso(now),
        }
        return _apply(
            changes,
            rule_by_kind={AlertKind.CITY_LOW: rule},
            city=city,
            params=lambda kind: params,
            key=lambda kind: alert_key(kind, city=city),
            refresh={AlertKind.CITY_LOW} if active else set(),
        )


def alerts_evaluate_meals(*, city: str, now: datetime | None = None) -> list[Alert]:
    """Today's portions in the city against the people staying in its shelters.

    An alert that stays active gets each evaluation's figures, as of then.
    """
    now = now or timezone.now()
    today = timezone.localdate(now)
    key = alert_key(AlertKind.MEALS_SHORT, city=city, day=today)
    with transaction.atomic():
        rule = _rule_locked(AlertKind.MEALS_SHORT)
        _clear([AlertKind.MEALS_SHORT], city=city, keep_key=key)  # a new day, a new condition
        figures = selectors.city_meals(city, today)
        active = AlertKind.MEALS_SHORT in selectors.active_kinds(city=city)
        changes = rules.meals_changes(figures, active=active, enabled=rule.enabled)
        params = {
            "city": city,
            "portions": figures.portions,
            "people": figures.people,
            "as_of": _iso(now),
        }
        return _apply(
            changes,
            rule_by_kind={AlertKind.MEALS_SHORT: rule},
            city=city,
            params=lambda kind: params,
            key=lambda kind: key,
            refresh={AlertKind.MEALS_SHORT} if active else set(),
        )


def _shelters_to_check() -> list[int]:
    """Shelters taking people, and any other with an uncleared alert (closed since)."""
    return sorted(
        Shelter.objects.filter(
            Q(status__in=TAKING_PEOPLE)
            | Q(pk__in=Alert.objects.active().filter(shelter__isnull=False).values("shelter_id"))
        ).values_list("pk", flat=True)
    )


def alerts_check_stale(*, now: datetime | None = None) -> int:
    """Stale data for every shelter (periodic). Returns how many alerts were raised."""
    now = now or timezone.now()
    rule_by_kind = selectors.alert_rules()
    raised = 0
    for shelter_id in _shelters_to_check():
        with transaction.atomic():
            shelter = _shelter_locked(shelter_id)
            if shelter is not None:
                raised += len(_evaluate_stale(shelter, rule_by_kind, now=now))
    return raised


def alerts_check_meals(*, now: datetime | None = None) -> int:
    return sum(len(alerts_evaluate_meals(city=city, now=now)) for city in selectors.cities())


def alerts_check_all(*, now: datetime | None = None) -> int:
    """Every rule for every shelter and city: catches what a lost evaluation missed.

    Recorded changes are replayed first, so the figures as they are now come last.
    """
    raised = len(alerts_evaluate_changes(now=now))
    for shelter_id in _shelters_to_check():
        raised += len(alerts_evaluate_shelter(shelter_id=shelter_id, city_rules=False, now=now))
    raised += len(alerts_evaluate_cities(now=now))
    _clear_past_groups(now=now or timezone.now())
    return raised + alerts_check_meals(now=now)


@dataclass(frozen=True)
class DriftCheck:
    """A counter against the rows it counts: `rows` selects the rows that drift.

    Its text is `texts.DRIFT_TEXTS[name]`.
    """

    name: str  # the alert's condition key is "data_drift:<name>"
    rows: Callable[[], QuerySet]


DRIFT_CHECKS = (
    DriftCheck("held", selectors.spaces_held_drift),
    DriftCheck("claimed", selectors.meal_offers_claimed_drift),
    DriftCheck("occupancy", selectors.spaces_occupancy_drift),
    DriftCheck("households", selectors.households_status_drift),
)
DRIFT_IDS_IN_MESSAGE = 5
DRIFT_IDS_IN_LOG = 100


def drift_key(check: str) -> str:
    return f"{AlertKind.DATA_DRIFT}:{check}"


def _drift_params(check: DriftCheck, ids: list[int], *, now: datetime) -> dict:
    return {
        "check": check.name,
        "count": len(ids),
        "ids": ids[:DRIFT_IDS_IN_MESSAGE],
        "as_of": _iso(now),
    }


def alerts_reconcile(*, now: datetime | None = None) -> dict[str, int]:
    """Compare each counter with the rows it counts; one data-drift alert per drifting check.

    Run periodically. Raises `data_drift:<check>` (no city: everyone subscribed hears it)
    while any row drifts, clears it once none does, and logs the ids of the drifting rows
    (ids only, never personal data). Idempotent: the same data raise and clear nothing new.
    Returns the number of drifting rows per check.
    """
    now = now or timezone.now()
    with transaction.atomic():
        rule = _rule_locked(AlertKind.DATA_DRIFT)
        active = set(
            Alert.objects.active().filter(kind=AlertKind.DATA_DRIFT).values_list("key", flat=True)
        )
        drifting = {}
        for check in DRIFT_CHECKS:
            key = drift_key(check.name)
            ids = list(check.rows().values_list("pk", flat=True))
            drifting[check.name] = len(ids)
            if ids:
                logger.warning(
                    "data drift %s: %s rows, ids %s%s",
                    check.name,
                    len(ids),
                    ids[:DRIFT_IDS_IN_LOG],
                    " ..." if len(ids) > DRIFT_IDS_IN_LOG else "",
                )
            changes = rules.drift_changes(len(ids), active=key in active, enabled=rule.enabled)
            if changes.clear_kinds:
                Alert.objects.active().filter(key=key).update(cleared_at=Now())
            for kind in changes.raise_kinds:
                alert_raise(
                    kind=kind,
                    level=rule.level,
                    params=_drift_params(check, ids, now=now),
                    city="",
                    key=key,
                )
    return drifting


def alert_acknowledge(*, alert_id: int, by: AbstractBaseUser) -> bool:
    """A coordinator has seen the alert; False when someone acknowledged it already."""
    changed = Alert.objects.filter(pk=alert_id, acknowledged_at__isnull=True).update(
        acknowledged_at=Now(), acknowledged_by=by
    )
    if changed:
        logger.info("alert %s acknowledged by user %s", alert_id, by.pk)
    return changed == 1
