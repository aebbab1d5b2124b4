"""Reads for the meal pages, with related rows loaded up front (no N+1)."""

from datetime import datetime

from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from .models import MealClaim, MealOffer


def meal_offers_current(now: datetime) -> QuerySet[MealOffer]:
    """Offers whose window has not passed, with remaining portions and the shelter loaded."""
    return MealOffer.objects.current(now).with_remaining().select_related("shelter")


def meal_claims_open_for(offers, shelters) -> dict[int, list[MealClaim]]:
    """Unreleased claims by the given shelters on the given offers, grouped by offer id."""
    claims = MealClaim.objects.filter(
        offer__in=offers, shelter__in=shelters, released_at__isnull=True
    ).select_related("shelter")
    grouped: dict[int, list[MealClaim]] = {}
    for claim in claims:
        grouped.setdefault(claim.offer_id, []).append(claim)
    return grouped


def new_meal_offer_initial(user) -> dict:
    """A new offer's form starts at today, with who and where of the provider's last offer:
    most providers post the same meal every day."""
    initial = {"date": timezone.localdate()}
    last = MealOffer.objects.filter(created_by=user).order_by("-created_at").first()
    if last is not None:
        for field in ("provider", "shelter", "address", "city", "delivery", "contact"):
            initial[field] = getattr(last, f"{field}_id" if field == "shelter" else field)
    return initial


def meal_offers_by(user) -> QuerySet[MealOffer]:
    """A provider's own offers, newest first, with their claims."""
    return (
        MealOffer.objects.filter(created_by=user)
        .with_remaining()
        .select_related("shelter")
        .prefetch_related(Prefetch("claims", queryset=MealClaim.objects.select_related("shelter")))
        .order_by("-date", "-starts_at")
    )
