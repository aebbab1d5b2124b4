"""Evaluating the rules, raising, clearing and acknowledging alerts.

Lock order: a Shelter row (as the shelter services take it), then the AlertRule row of a city
rule; the data-drift rule's row is taken alone. Nothing that holds an AlertRule row takes a
Shelter lock. Raising is guarded by the partial unique constraint on an uncleared alert's
key, so two evaluations at once still raise one alert.
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
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shelter.models import TAKING_PEOPLE, OccupancyOutbox, Shelter

from . import rules, selectors
from .delivery import deliveries_create, deliveries_enqueue
from .language import in_site_language
from .models import Alert, AlertKind, AlertRule, default_rule

logger = logging.getLogger(__name__)

ONE_OPEN_PER_CONDITION = "coordination_alert_one_open_per_condition"


def alert_key(kind: str, *, shelter_id: int | None = None, city: str = "", day=None) -> str:
    """The condition an alert stands for; one uncleared alert per key."""
    if shelter_id is not None:
        return f"{kind}:shelter:{shelter_id}"
    return f"{kind}:{city}:{day.isoformat()}" if day else f"{kind}:{city}"


def alert_raise(
    *,
    kind: AlertKind,
    level: str,
    message: str,
    city: str,
    shelter_id: int | None = None,
    key: str,
) -> Alert | None:
    """Record an alert and its deliveries in one transaction; None when the condition has one.

    The rows are committed before any delivery is tried: the delivery tasks are queued on
    commit, and if the broker is down they stay pending until the sweeper queues them.
    """
    with transaction.atomic():
        try:
            with transaction.atomic():
                alert = Alert.objects.create(
                    kind=kind,
                    level=level,
                    message=message[:500],
                    city=city,
                    shelter_id=shelter_id,
                    key=key,
                )
        except IntegrityError as exc:
            if ONE_OPEN_PER_CONDITION not in str(exc):
                raise
            return None  # another evaluation raised it first
        delivery_ids = deliveries_create(alert)
    transaction.on_commit(lambda: deliveries_enqueue(delivery_ids), robust=True)
    logger.info("alert %s raised: %s (%s deliveries)", alert.pk, key, len(delivery_ids))
    return alert


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


def _capacity_message(kind: str, shelter: Shelter, figures: rules.Capacity) -> str:
    numbers = {
        "shelter": shelter.name,
        "taken": figures.taken,
        "places": figures.places,
        "free": max(figures.free, 0),
        "percent": figures.percent,
    }
    if kind == AlertKind.FULL:
        return _("%(shelter)s is full: all %(places)d places are taken.") % numbers
    if kind == AlertKind.NEARLY_FULL:
        return (
            _(
                "%(shelter)s is nearly full: %(taken)d of %(places)d places taken "
                "(%(percent)d%%), %(free)d free."
            )
            % numbers
        )
    return (
        _("%(shelter)s has room again: %(free)d of %(places)d places free (%(percent)d%% taken).")
        % numbers
    )


def _apply(changes: rules.Changes, *, rule_by_kind, city: str, shelter_id=None, message, key):
    """Clear, then raise, as the rule decided; returns the alerts raised."""
    if changes.clear_kinds:
        _clear(changes.clear_kinds, shelter_id=shelter_id, city=city)
    raised = []
    for kind in changes.raise_kinds:
        alert = alert_raise(
            kind=kind,
            level=rule_by_kind[kind].level,
            message=message(kind),
            city=city,
            shelter_id=shelter_id,
            key=key(kind),
        )
        if alert is not None:
            raised.append(alert)
    return raised


def _evaluate_capacity(
    shelter: Shelter, rule_by_kind: dict[str, AlertRule], figures: rules.Capacity | None = None
) -> list[Alert]:
    """The capacity rules on `figures` (a recorded change), else on the shelter as it is now."""
    figures = figures or selectors.shelter_capacity(shelter)
    nearly, room = selectors.shelter_percents(shelter.pk, rule_by_kind[AlertKind.NEARLY_FULL])
    changes = rules.capacity_changes(
        figures,
        active=selectors.active_kinds(shelter_id=shelter.pk),
        enabled=_enabled(rule_by_kind),
        nearly_full_percent=nearly,
        room_again_percent=room,
    )
    return _apply(
        changes,
        rule_by_kind=rule_by_kind,
        city=shelter.city,
        shelter_id=shelter.pk,
        message=lambda kind: _capacity_message(kind, shelter, figures),
        key=lambda kind: alert_key(kind, shelter_id=shelter.pk),
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

    def message(kind):
        return _("%(shelter)s: no count for over %(hours)d hours (last at %(when)s).") % {
            "shelter": shelter.name,
            "hours": hours,
            "when": timezone.localtime(last).strftime("%Y-%m-%d %H:%M") if last else "-",
        }

    return _apply(
        changes,
        rule_by_kind=rule_by_kind,
        city=shelter.city,
        shelter_id=shelter.pk,
        message=message,
        key=lambda kind: alert_key(kind, shelter_id=shelter.pk),
    )


def _shelter_locked(shelter_id: int) -> Shelter | None:
    # Counts lock the shelter row too: this evaluation reads figures no count is changing,
    # and two evaluations of one shelter decide one after the other, never both at once.
    return Shelter.objects.select_for_update().filter(pk=shelter_id).first()


@in_site_language
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
        raised = _evaluate_capacity(shelter, rule_by_kind)
        raised += _evaluate_stale(shelter, rule_by_kind, now=now)
    if city_rules:
        raised += alerts_evaluate_city(city=shelter.city)
    return raised


@in_site_language
def alerts_evaluate_changes(
    *, shelter_id: int | None = None, now: datetime | None = None
) -> list[Alert]:
    """Replay the recorded changes (the occupancy outbox) through the rules, oldest first.

    Each shelter in one transaction under its lock: writers hold that lock while they add a
    row, so every row we read is committed and none can slip in between. The alerts raised
    and the rows deleted commit together: a worker killed half-way leaves the rows for the
    next run, and no change is evaluated twice. Each row is evaluated with the figures the
    change left, so a shelter that filled and emptied while the broker was down still raises
    both alerts, in order.
    """
    now = now or timezone.now()
    pending = OccupancyOutbox.objects.order_by().values_list("shelter_id", flat=True).distinct()
    if shelter_id is not None:
        pending = pending.filter(shelter_id=shelter_id)
    raised = []
    for pending_id in sorted(pending):
        raised += _replay_changes(pending_id, now=now)
    return raised


def _replay_changes(shelter_id: int, *, now: datetime) -> list[Alert]:
    with transaction.atomic():
        shelter = _shelter_locked(shelter_id)
        changes = list(OccupancyOutbox.objects.filter(shelter_id=shelter_id).order_by("pk"))
        if shelter is None or not changes:
            return []  # another worker replayed them first (a deleted shelter takes its rows)
        rule_by_kind = selectors.alert_rules()
        raised = []
        for change in changes:
            figures = rules.Capacity(
                places=change.places, taken=change.taken, takes_people=change.takes_people
            )
            raised += _evaluate_capacity(shelter, rule_by_kind, figures)
        raised += _evaluate_stale(shelter, rule_by_kind, now=now)
        raised += alerts_evaluate_city(city=shelter.city)
        OccupancyOutbox.objects.filter(pk__in=[change.pk for change in changes]).delete()
    return raised


def _rule_locked(kind: AlertKind) -> AlertRule:
    # One evaluation of this city rule at a time (all cities): each reads the figures after
    # the previous one committed, so a late writer cannot re-raise what was just cleared.
    return AlertRule.objects.select_for_update().filter(kind=kind).first() or default_rule(kind)


@in_site_language
def alerts_evaluate_city(*, city: str) -> list[Alert]:
    """Free places across the city's open shelters against the threshold and the waiting."""
    with transaction.atomic():
        rule = _rule_locked(AlertKind.CITY_LOW)
        default = default_rule(AlertKind.CITY_LOW)
        threshold = rule.threshold if rule.threshold is not None else default.threshold
        reset = max(rule.reset if rule.reset is not None else default.reset, threshold)
        figures = selectors.city_free_places(city)
        changes = rules.city_low_changes(
            figures,
            active=AlertKind.CITY_LOW in selectors.active_kinds(city=city),
            enabled=rule.enabled,
            threshold=threshold,
            reset=reset,
        )
        message = _(
            "%(city)s: only %(free)d free places left in open shelters; %(waiting)d people waiting."
        ) % {"city": city, "free": figures.free, "waiting": figures.waiting}
        return _apply(
            changes,
            rule_by_kind={AlertKind.CITY_LOW: rule},
            city=city,
            message=lambda kind: message,
            key=lambda kind: alert_key(kind, city=city),
        )


@in_site_language
def alerts_evaluate_meals(*, city: str, now: datetime | None = None) -> list[Alert]:
    """Today's portions in the city against the people staying in its shelters."""
    today = timezone.localdate(now or timezone.now())
    key = alert_key(AlertKind.MEALS_SHORT, city=city, day=today)
    with transaction.atomic():
        rule = _rule_locked(AlertKind.MEALS_SHORT)
        _clear([AlertKind.MEALS_SHORT], city=city, keep_key=key)  # a new day, a new condition
        figures = selectors.city_meals(city, today)
        changes = rules.meals_changes(
            figures,
            active=AlertKind.MEALS_SHORT in selectors.active_kinds(city=city),
            enabled=rule.enabled,
        )
        message = _(
            "%(city)s: %(portions)d meal portions offered for today, "
            "%(people)d people staying in shelters."
        ) % {"city": city, "portions": figures.portions, "people": figures.people}
        return _apply(
            changes,
            rule_by_kind={AlertKind.MEALS_SHORT: rule},
            city=city,
            message=lambda kind: message,
            key=lambda kind: key,
        )


def _shelters_to_check() -> list[int]:
    """Shelters taking people, and any other with an uncleared alert (closed since)."""
    return sorted(
        Shelter.objects.filter(
            Q(status__in=TAKING_PEOPLE)
            | Q(pk__in=Alert.objects.active().filter(shelter__isnull=False).values("shelter_id"))
        ).values_list("pk", flat=True)
    )


@in_site_language
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
    for city in selectors.cities():
        raised += len(alerts_evaluate_city(city=city))
    return raised + alerts_check_meals(now=now)


@dataclass(frozen=True)
class DriftCheck:
    """A counter against the rows it counts: `rows` selects the rows that drift."""

    name: str  # the alert's condition key is "data_drift:<name>"
    rows: Callable[[], QuerySet]
    message: Callable[[int], str]  # a text with %(count)d and %(ids)s, for this many rows


DRIFT_CHECKS = (
    DriftCheck(
        "held",
        selectors.spaces_held_drift,
        lambda n: ngettext(
            "Held places differ from the active holds in %(count)d space (ids: %(ids)s).",
            "Held places differ from the active holds in %(count)d spaces (ids: %(ids)s).",
            n,
        ),
    ),
    DriftCheck(
        "claimed",
        selectors.meal_offers_claimed_drift,
        lambda n: ngettext(
            "Claimed portions differ from the unreleased claims in %(count)d meal offer "
            "(ids: %(ids)s).",
            "Claimed portions differ from the unreleased claims in %(count)d meal offers "
            "(ids: %(ids)s).",
            n,
        ),
    ),
    DriftCheck(
        "occupancy",
        selectors.spaces_occupancy_drift,
        lambda n: ngettext(
            "Occupancy or places differ from the history in %(count)d space (ids: %(ids)s).",
            "Occupancy or places differ from the history in %(count)d spaces (ids: %(ids)s).",
            n,
        ),
    ),
    DriftCheck(
        "households",
        selectors.households_status_drift,
        lambda n: ngettext(
            "The status does not match the stays and holds of %(count)d household (ids: %(ids)s).",
            "The status does not match the stays and holds of %(count)d households (ids: %(ids)s).",
            n,
        ),
    ),
)
DRIFT_IDS_IN_MESSAGE = 5
DRIFT_IDS_IN_LOG = 100


def drift_key(check: str) -> str:
    return f"{AlertKind.DATA_DRIFT}:{check}"


def _drift_message(check: DriftCheck, ids: list[int]) -> str:
    shown = ", ".join(str(pk) for pk in ids[:DRIFT_IDS_IN_MESSAGE])
    if len(ids) > DRIFT_IDS_IN_MESSAGE:
        shown += ", …"
    return check.message(len(ids)) % {"count": len(ids), "ids": shown}


@in_site_language
def alerts_reconcile() -> dict[str, int]:
    """Compare each counter with the rows it counts; one data-drift alert per drifting check.

    Run periodically. Raises `data_drift:<check>` (no city: everyone subscribed hears it)
    while any row drifts, clears it once none does, and logs the ids of the drifting rows
    (ids only, never personal data). Idempotent: the same data raise and clear nothing new.
    Returns the number of drifting rows per check.
    """
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
                    message=_drift_message(check, ids),
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
