"""Reads for the alert rules, the deliveries, the alerts page and the morning summary."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Max, Q, QuerySet, Sum
from django.db.models.functions import Coalesce

from shelter.access import is_coordinator
from shelter.models import TAKING_PEOPLE, Shelter, Space

from ..models import Household, HouseholdStatus, MealOffer
from . import rules
from .models import (
    Alert,
    AlertKind,
    AlertRule,
    Channel,
    ShelterAlertThreshold,
    default_rule,
)
from .recipients import AlertSubscription, Webhook


def alert_rules() -> dict[str, AlertRule]:
    """Every rule by kind; a missing row counts as the default rule."""
    rules_by_kind = {rule.kind: rule for rule in AlertRule.objects.all()}
    return {kind: rules_by_kind.get(kind) or default_rule(kind) for kind in AlertKind.values}


def shelter_capacity(shelter: Shelter) -> rules.Capacity:
    totals = Space.objects.filter(shelter_id=shelter.pk).aggregate(
        places=Coalesce(Sum("places"), 0),
        occupied=Coalesce(Sum("occupied"), 0),
        held=Coalesce(Sum("held"), 0),
        blocked=Coalesce(Sum("blocked"), 0),
    )
    return rules.Capacity(
        places=totals["places"],
        taken=totals["occupied"] + totals["held"] + totals["blocked"],
        takes_people=shelter.status in TAKING_PEOPLE,
    )


def shelter_percents(shelter_id: int, rule: AlertRule) -> tuple[int, int]:
    """(nearly full, room again) percents: the shelter's own, else the rule's."""
    own = ShelterAlertThreshold.objects.filter(shelter_id=shelter_id).first()
    if own is not None:
        return own.nearly_full_percent, own.room_again_percent
    default = default_rule(AlertKind.NEARLY_FULL)
    return rule.threshold or default.threshold, rule.reset or default.reset


def shelters_last_counted(shelter_ids=None) -> dict[int, datetime | None]:
    """When each shelter's spaces were last counted (a never-counted space: its creation)."""
    spaces = Space.objects.all()
    if shelter_ids is not None:
        spaces = spaces.filter(shelter_id__in=shelter_ids)
    rows = spaces.values("shelter_id").annotate(last=Max(Coalesce("counted_at", "created_at")))
    return {row["shelter_id"]: row["last"] for row in rows}


def active_kinds(*, shelter_id: int | None = None, city: str | None = None) -> set[str]:
    alerts = Alert.objects.active()
    if shelter_id is not None:
        alerts = alerts.filter(shelter_id=shelter_id)
    else:
        alerts = alerts.filter(shelter__isnull=True, city=city)
    return set(alerts.values_list("kind", flat=True))


def cities() -> list[str]:
    """Cities with a shelter taking people or an uncleared city alert."""
    with_shelters = Shelter.objects.filter(status__in=TAKING_PEOPLE).values_list("city", flat=True)
    with_alerts = Alert.objects.active().filter(shelter__isnull=True).values_list("city", flat=True)
    return sorted(set(with_shelters) | set(with_alerts))


def _city_spaces(city: str) -> QuerySet[Space]:
    return Space.objects.filter(shelter__city=city, shelter__status__in=TAKING_PEOPLE)


def waiting_people(city: str) -> int:
    """People in waiting households registered in the city, or registered nowhere (no city)."""
    return Household.objects.filter(
        Q(registered_at__city=city) | Q(registered_at__isnull=True),
        status=HouseholdStatus.WAITING,
    ).aggregate(people=Coalesce(Sum("size"), 0))["people"]


def city_free_places(city: str) -> rules.CityFreePlaces:
    totals = _city_spaces(city).aggregate(
        places=Coalesce(Sum("places"), 0),
        taken=Coalesce(Sum("occupied"), 0) + Coalesce(Sum("held"), 0) + Coalesce(Sum("blocked"), 0),
    )
    return rules.CityFreePlaces(
        free=totals["places"] - totals["taken"], waiting=waiting_people(city)
    )


def city_meals(city: str, day: date) -> rules.CityMeals:
    portions = MealOffer.objects.filter(city=city, date=day).aggregate(
        n=Coalesce(Sum("portions"), 0)
    )["n"]
    people = _city_spaces(city).aggregate(n=Coalesce(Sum("occupied"), 0))["n"]
    return rules.CityMeals(portions=portions, people=people)


def _coordinators_q(prefix: str) -> Q:
    """Users who hold the coordinate permission (through a group, directly, or superusers)."""
    perm = {
        "permissions__codename": "coordinate",
        "permissions__content_type__app_label": "shelter",
    }
    return (
        Q(**{f"{prefix}is_superuser": True})
        | Q(**{f"{prefix}groups__{key}": value for key, value in perm.items()})
        | Q(**{f"{prefix}user_{key}": value for key, value in perm.items()})
    )


def _scope_q(alert: Alert) -> Q:
    """Subscriptions and webhooks of the alert's city covering its shelter (all: city alerts)."""
    scope = Q(city=alert.city)
    if alert.shelter_id is not None:
        scope &= Q(shelters__isnull=True) | Q(shelters=alert.shelter_id)
    return scope


def email_recipients(alert: Alert) -> list[str]:
    """Addresses of active coordinators subscribed by email to the alert's shelter or city."""
    subscriptions = AlertSubscription.objects.filter(
        _scope_q(alert), _coordinators_q("user__"), channel=Channel.EMAIL, user__is_active=True
    ).exclude(user__email="")
    return sorted(set(subscriptions.values_list("user__email", flat=True)))


def webhooks_for(alert: Alert) -> list[int]:
    return sorted(
        set(Webhook.objects.filter(_scope_q(alert), is_active=True).values_list("pk", flat=True))
    )


def alerts_open_for(user, *, limit: int = 200) -> list[Alert]:
    """Unacknowledged alerts a coordinator sees in the app, newest first (shelter loaded).

    Narrowed by the user's in-app subscriptions; without one, every alert.
    """
    if not is_coordinator(user):
        return []
    alerts = Alert.objects.unacknowledged().select_related("shelter")
    subscriptions = list(
        AlertSubscription.objects.filter(user=user, channel=Channel.IN_APP).prefetch_related(
            "shelters"
        )
    )
    if subscriptions:
        scope = Q(pk__in=[])
        for subscription in subscriptions:
            shelter_ids = [shelter.pk for shelter in subscription.shelters.all()]
            city_scope = Q(city=subscription.city)
            if shelter_ids:
                city_scope &= Q(shelter__isnull=True) | Q(shelter_id__in=shelter_ids)
            scope |= city_scope
        alerts = alerts.filter(scope)
    return list(alerts.order_by("-created_at", "-pk")[:limit])


def summary_recipients() -> dict[str, list[str]]:
    """Email address -> cities, for coordinators subscribed by email (the morning summary)."""
    rows = (
        AlertSubscription.objects.filter(
            _coordinators_q("user__"), channel=Channel.EMAIL, user__is_active=True
        )
        .exclude(user__email="")
        .values_list("user__email", "city")
        .distinct()
    )
    recipients: dict[str, list[str]] = {}
    for email, city in rows:
        recipients.setdefault(email, []).append(city)
    return {email: sorted(set(cities)) for email, cities in recipients.items()}


@dataclass(frozen=True)
class CitySummary:
    city: str
    places: int
    occupied: int
    held: int
    free: int
    waiting_households: int
    waiting_people: int
    meal_portions: int
    meal_claimed: int
    open_alerts: list[Alert]


def city_summary(city: str, day: date) -> CitySummary:
    totals = _city_spaces(city).aggregate(
        places=Coalesce(Sum("places"), 0),
        occupied=Coalesce(Sum("occupied"), 0),
        held=Coalesce(Sum("held"), 0),
        blocked=Coalesce(Sum("blocked"), 0),
    )
    waiting = Household.objects.filter(
        Q(registered_at__city=city) | Q(registered_at__isnull=True),
        status=HouseholdStatus.WAITING,
    ).aggregate(households=Count("pk"), people=Coalesce(Sum("size"), 0))
    meals = MealOffer.objects.filter(city=city, date=day).aggregate(
        portions=Coalesce(Sum("portions"), 0), claimed=Coalesce(Sum("claimed"), 0)
    )
    alerts = list(
        Alert.objects.unacknowledged()
        .filter(city=city)
        .select_related("shelter")
        .order_by("-created_at")[:50]
    )
    taken = totals["occupied"] + totals["held"] + totals["blocked"]
    return CitySummary(
        city=city,
        places=totals["places"],
        occupied=totals["occupied"],
        held=totals["held"],
        free=totals["places"] - taken,
        waiting_households=waiting["households"],
        waiting_people=waiting["people"],
        meal_portions=meals["portions"],
        meal_claimed=meals["claimed"],
        open_alerts=alerts,
    )
