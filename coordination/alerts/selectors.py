"""Reads for the alert rules, the deliveries, the alerts page and the morning summary."""

from dataclasses import dataclass
from datetime import date, datetime

from django.db.models import Count, Exists, F, Max, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce

from shelter.access import is_coordinator
from shelter.models import TAKING_PEOPLE, OccupancyEvent, Shelter, Space

from ..models import (
    Hold,
    HoldStatus,
    Household,
    HouseholdStatus,
    MealClaim,
    MealOffer,
    Stay,
)
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
    """People waiting for a place (not on their way to a hold: their places are counted
    taken already) registered in the city, or registered nowhere (no city)."""
    # The city's shelters as a subquery, not a join: the sum then reads only the index
    # coord_household_waiting_at_idx (registered_at, size, id of waiting households).
    in_city = Shelter.objects.filter(city=city).values("pk")
    return (
        Household.objects.waiting_for_place()
        .filter(Q(registered_at__in=in_city) | Q(registered_at__isnull=True))
        .order_by()
        .aggregate(people=Coalesce(Sum("size"), 0))["people"]
    )


def city_free_places(city: str) -> rules.CityFreePlaces:
    totals = _city_spaces(city).aggregate(
        places=Coalesce(Sum("places"), 0),
        taken=Coalesce(Sum("occupied"), 0) + Coalesce(Sum("held"), 0) + Coalesce(Sum("blocked"), 0),
    )
    return rules.CityFreePlaces(
        free=totals["places"] - totals["taken"], waiting=waiting_people(city)
    )


def city_meals(city: str, day: date) -> rules.CityMeals:
    portions = (
        MealOffer.objects.not_cancelled()
        .filter(city=city, date=day)
        .aggregate(n=Coalesce(Sum("portions"), 0))["n"]
    )
    # Everyone staying eats: shelters on standby take nobody new but keep their people.
    people = (
        Space.objects.filter(shelter__city=city)
        .exclude(shelter__status=Shelter.Status.CLOSED)
        .aggregate(n=Coalesce(Sum("occupied"), 0))["n"]
    )
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
    """Subscriptions and webhooks of the alert's city covering its shelter (all: city alerts).

    An alert of no city (data drift) is for everyone subscribed, whatever the city.
    """
    if not alert.city:
        return Q()
    scope = Q(city=alert.city)
    if alert.shelter_id is not None:
        scope &= Q(shelters__isnull=True) | Q(shelters=alert.shelter_id)
    return scope


def _by_address(rows) -> dict[str, str]:
    """Address -> language from (address, language) rows in user order: an address two
    users share is written in the language of the first (empty: the site's)."""
    languages: dict[str, str] = {}
    for email, language in rows:
        languages.setdefault(email, language or "")
    return languages


def email_recipients(alert: Alert) -> list[tuple[str, str]]:
    """(address, language) of active coordinators subscribed by email to the alert's shelter
    or city, by address; the language is the user's own (`UserProfile`), empty for none."""
    subscriptions = (
        AlertSubscription.objects.filter(
            _scope_q(alert), _coordinators_q("user__"), channel=Channel.EMAIL, user__is_active=True
        )
        .exclude(user__email="")
        .order_by("user_id")
        .values_list("user__email", "user__profile__language")
    )
    return sorted(_by_address(subscriptions).items())


def webhooks_for(alert: Alert) -> list[int]:
    return sorted(
        set(Webhook.objects.filter(_scope_q(alert), is_active=True).values_list("pk", flat=True))
    )


def _in_app_scope(user) -> Q | None:
    """The alerts a coordinator's in-app subscriptions cover (alerts of no city always come);
    None without any subscription: every alert."""
    subscriptions = list(
        AlertSubscription.objects.filter(user=user, channel=Channel.IN_APP).prefetch_related(
            "shelters"
        )
    )
    if not subscriptions:
        return None
    scope = Q(city="")
    for subscription in subscriptions:
        shelter_ids = [shelter.pk for shelter in subscription.shelters.all()]
        city_scope = Q(city=subscription.city)
        if shelter_ids:
            city_scope &= Q(shelter__isnull=True) | Q(shelter_id__in=shelter_ids)
        scope |= city_scope
    return scope


def _open_in(scope: Q | None) -> QuerySet[Alert]:
    """Unacknowledged alerts in a coordinator's `scope` (_in_app_scope; None: every alert).
    Alerts folded into a group alert are left out (the group is there)."""
    alerts = Alert.objects.for_coordinators()
    return alerts if scope is None else alerts.filter(scope)


def _open_for(user) -> QuerySet[Alert]:
    """Unacknowledged alerts a coordinator sees in the app (none for anyone else)."""
    if not is_coordinator(user):
        return Alert.objects.none()
    return _open_in(_in_app_scope(user))


def alerts_open_for(user, *, limit: int = 200) -> list[Alert]:
    """The open alerts a coordinator sees in the app (`_open_for`), newest first, with their
    shelters."""
    alerts = _open_for(user).select_related("shelter")
    return list(alerts.order_by("-created_at", "-pk")[:limit])


@dataclass(frozen=True)
class OpenAlerts:
    newest: list[Alert]  # with their shelters
    count: int  # of those the coordinator sees (`_open_for`)
    by_shelter: dict[int, int]  # every coordinator's open alerts by shelter (0: left out)


def alerts_open_newest(user, *, shown: int) -> OpenAlerts:
    """The `shown` newest open alerts a coordinator sees, how many they see in all (the
    dashboard lists a few and links to the alerts page for the rest), and how many are open
    at each shelter, whoever sees them (the dashboard's table).

    Queries: 1 the user's in-app subscriptions, 2 the newest, 3 the counts (one pass over
    the open alerts, grouped by shelter: the table's 500 shelters did not each count theirs).
    """
    if not is_coordinator(user):
        return OpenAlerts(newest=[], count=0, by_shelter={})
    scope = _in_app_scope(user)
    newest = list(_open_in(scope).select_related("shelter").order_by("-created_at", "-pk")[:shown])
    rows = (
        Alert.objects.for_coordinators()
        .values("shelter_id")
        .annotate(
            n=Count("pk"), seen=Count("pk", filter=scope) if scope is not None else Count("pk")
        )
        .order_by()
    )
    by_shelter, count = {}, 0
    for row in rows:
        if row["shelter_id"] is not None:
            by_shelter[row["shelter_id"]] = row["n"]
        count += row["seen"]
    return OpenAlerts(newest=newest, count=count, by_shelter=by_shelter)


@dataclass(frozen=True)
class SummaryRecipient:
    email: str
    cities: list[str]
    language: str  # empty: the site's


def summary_recipients() -> list[SummaryRecipient]:
    """Coordinators subscribed by email (the morning summary): address, cities, language."""
    rows = list(
        AlertSubscription.objects.filter(
            _coordinators_q("user__"), channel=Channel.EMAIL, user__is_active=True
        )
        .exclude(user__email="")
        .order_by("user_id")
        .values_list("user__email", "city", "user__profile__language")
        .distinct()
    )
    languages = _by_address((email, language) for email, _city, language in rows)
    cities: dict[str, set[str]] = {}
    for email, city, _language in rows:
        cities.setdefault(email, set()).add(city)
    return [
        SummaryRecipient(email=email, cities=sorted(cities[email]), language=languages[email])
        for email in sorted(cities)
    ]


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
    waiting = (
        Household.objects.waiting_for_place()
        .filter(Q(registered_at__city=city) | Q(registered_at__isnull=True))
        .order_by()
        .aggregate(households=Count("pk"), people=Coalesce(Sum("size"), 0))
    )
    meals = (
        MealOffer.objects.not_cancelled()
        .filter(city=city, date=day)
        .aggregate(portions=Coalesce(Sum("portions"), 0), claimed=Coalesce(Sum("claimed"), 0))
    )
    alerts = list(
        Alert.objects.for_coordinators()
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


# --- Data drift: counters kept beside the rows they count, which no constraint can tie.
# Each selector is one statement, so it reads one snapshot: a service changes a counter and
# its rows in one transaction, and a check running meanwhile sees both or neither.


def _sum_of(rows: QuerySet, value, *, per: str) -> Coalesce:
    """A correlated subquery summing `value` over `rows` of one `per` (0 when there is none)."""
    total = rows.order_by().values(per).annotate(total=Sum(value)).values("total")
    return Coalesce(Subquery(total), 0)


def spaces_held_drift() -> QuerySet[Space]:
    """Spaces whose `held` differs from the places of their active holds (`held_by_holds`)."""
    active = Hold.objects.filter(space=OuterRef("pk"), status=HoldStatus.ACTIVE)
    return (
        Space.objects.annotate(held_by_holds=_sum_of(active, "places", per="space"))
        .exclude(held=F("held_by_holds"))
        .order_by("pk")
    )


def meal_offers_claimed_drift() -> QuerySet[MealOffer]:
    """Offers whose `claimed` differs from the portions of their unreleased claims."""
    unreleased = MealClaim.objects.filter(offer=OuterRef("pk"), released_at__isnull=True)
    return (
        MealOffer.objects.annotate(claimed_by_claims=_sum_of(unreleased, "portions", per="offer"))
        .exclude(claimed=F("claimed_by_claims"))
        .order_by("pk")
    )


def spaces_occupancy_drift() -> QuerySet[Space]:
    """Spaces whose occupancy or places differ from their history.

    Occupancy is the sum of the history's changes (a space starts empty: the soak test's
    definition), and the last event's `after` and `places`; a space with no history must be
    empty. Last means latest `at`, then id: a space's events are written under its shelter's
    lock, so they are in that order.
    """
    history = OccupancyEvent.objects.filter(space=OuterRef("pk"))
    last = history.order_by("-at", "-id")
    return (
        Space.objects.annotate(
            history_occupied=_sum_of(history, F("after") - F("before"), per="space"),
            last_after=Subquery(last.values("after")[:1]),
            last_places=Subquery(last.values("places")[:1]),
        )
        .filter(
            ~Q(occupied=F("history_occupied"))
            | ~Q(occupied=F("last_after"))
            | ~Q(places=F("last_places"))
        )
        .order_by("pk")
    )


def households_status_drift() -> QuerySet[Household]:
    """Households whose status does not match their stays and holds.

    Placed means exactly one open stay (the database allows at most one), waiting or left
    means none, and only a waiting household may have an active hold (the database allows
    at most one).
    """
    open_stay = Stay.objects.filter(household=OuterRef("pk"), checked_out_at__isnull=True)
    active_hold = Hold.objects.filter(household=OuterRef("pk"), status=HoldStatus.ACTIVE)
    placed = Q(status=HouseholdStatus.PLACED)
    return (
        Household.objects.annotate(
            has_open_stay=Exists(open_stay), has_active_hold=Exists(active_hold)
        )
        .filter(
            (placed & Q(has_open_stay=False))
            | (~placed & Q(has_open_stay=True))
            | (~Q(status=HouseholdStatus.WAITING) & Q(has_active_hold=True))
        )
        .order_by("pk")
    )
