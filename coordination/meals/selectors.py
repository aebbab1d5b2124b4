"""Reads for the meal pages, with related rows loaded up front (no N+1)."""

from datetime import datetime, timedelta

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from shelter.access import is_coordinator

from .models import MealClaim, MealOffer, MealProvider

# "My offers" lists a provider's offers from this many days back (older ones: the admin).
MINE_DAYS_BACK = 7


def meal_offers_current(now: datetime) -> QuerySet[MealOffer]:
    """Offers still on, with remaining portions, the provider and the shelter loaded."""
    return MealOffer.objects.current(now).with_remaining().select_related("provider", "shelter")


def meal_claims_open_for(offers, shelters) -> dict[int, list[MealClaim]]:
    """Unreleased claims by the given shelters on the given offers, grouped by offer id."""
    claims = MealClaim.objects.filter(
        offer__in=offers, shelter__in=shelters, released_at__isnull=True
    ).select_related("shelter")
    grouped: dict[int, list[MealClaim]] = {}
    for claim in claims:
        grouped.setdefault(claim.offer_id, []).append(claim)
    return grouped


def meal_cancellations_for(shelters, now: datetime) -> list[MealClaim]:
    """Claims of these shelters released because the provider cancelled the offer, while the
    offer's window is still open: what their volunteers must hear (no food is coming)."""
    return list(
        MealClaim.objects.filter(
            shelter__in=shelters,
            offer_cancelled=True,
            offer__in=MealOffer.objects.window_open(now).order_by(),
        )
        .select_related("offer__provider", "offer__shelter", "shelter")
        .order_by("offer__date", "offer__starts_at", "pk")
    )


def meal_providers_for(user) -> QuerySet[MealProvider]:
    """The providers a user may post for: their own organisations; every one for a
    coordinator."""
    if is_coordinator(user):
        return MealProvider.objects.order_by("name")
    return MealProvider.objects.filter(memberships__user=user).order_by("name")


def new_meal_offer_initial(provider: MealProvider | None) -> dict:
    """A new offer's form starts at today, with where and how of the provider's last offer
    (most providers post the same meal every day), whoever of its members posted it."""
    initial = {"date": timezone.localdate()}
    if provider is None:
        return initial
    initial.update(provider=provider.pk, city=provider.city, contact=provider.phone)
    last = MealOffer.objects.filter(provider=provider).order_by("-created_at", "-pk").first()
    if last is not None:
        for field in ("shelter", "address", "city", "delivery", "contact", "public_notes"):
            initial[field] = getattr(last, f"{field}_id" if field == "shelter" else field)
    return initial


def meal_offers_of(user, now: datetime) -> QuerySet[MealOffer]:
    """The offers of the user's providers (every provider's for a coordinator) from a week
    back, newest first, with their claims: what "My offers" lists."""
    since = timezone.localtime(now).date() - timedelta(days=MINE_DAYS_BACK)
    offers = MealOffer.objects.filter(date__gte=since)
    if not is_coordinator(user):
        offers = offers.of_member(user)
    return (
        offers.with_remaining()
        .select_related("provider", "shelter")
        .prefetch_related(Prefetch("claims", queryset=MealClaim.objects.select_related("shelter")))
        .order_by("-date", "-starts_at", "-pk")
    )
