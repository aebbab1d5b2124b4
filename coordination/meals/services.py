"""Meals: posting, editing and cancelling offers, claiming and releasing portions.

Portions change by conditional UPDATEs: claims never exceed the portions offered (a check
constraint too), and a claim form sent twice claims once (a unique one-time token).
Lock order: the offer row first, then its claims (a claim's UPDATE of the offer comes
before its INSERT; a release and a cancellation lock the offer before touching claims), so
a volunteer releasing while the provider cancels never deadlocks.
"""

import logging
import uuid

from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, transaction
from django.db.models import F
from django.db.models.functions import Now
from django.utils import timezone

from .. import public
from ..errors import (
    ClaimAlreadySaved,
    ClaimReleased,
    NotEnoughPortions,
    OfferCancelled,
    OfferPassed,
)
from .models import MealClaim, MealOffer

User = AbstractBaseUser

logger = logging.getLogger(__name__)


def _lock_offer(offer_id: int) -> MealOffer:
    # FOR NO KEY UPDATE: a claim inserted meanwhile (its foreign key takes KEY SHARE) waits not.
    return MealOffer.objects.select_for_update(no_key=True).get(pk=offer_id)


def meal_offer_save(*, offer: MealOffer, fields: list[str], by: User) -> MealOffer:
    """Post a new offer or edit one; never writes `claimed`, so no claim in flight is lost.

    Raises NotEnoughPortions when the offered portions drop below those claimed, and
    OfferCancelled when the offer was cancelled (it is no longer edited).
    """
    try:
        with transaction.atomic():
            if offer.pk is None:
                offer.created_by = by
                offer.save()
            elif fields:
                if _lock_offer(offer.pk).is_cancelled:
                    raise OfferCancelled()
                offer.save(update_fields=[*fields, "updated_at"])
            public.invalidate_on_commit()
    except IntegrityError as exc:
        if "coordination_mealoffer_claims_within_portions" not in str(exc):
            raise
        claimed = MealOffer.objects.values_list("claimed", flat=True).get(pk=offer.pk)
        raise NotEnoughPortions(remaining=claimed) from exc
    return offer


def _claim_saved(offer_id: int, submission: uuid.UUID | None) -> bool:
    return (
        submission is not None
        and MealClaim.objects.filter(offer_id=offer_id, submission=submission).exists()
    )


def meal_claim(
    *,
    offer_id: int,
    shelter_id: int,
    portions: int,
    by: User,
    submission: uuid.UUID | None = None,
) -> MealClaim:
    """Claim portions of a current offer for a shelter; never more than remain.

    One conditional UPDATE: two shelters claiming the last portions at once cannot both get
    them. A form sent twice (same `submission`) claims once: the second raises
    ClaimAlreadySaved and changes nothing (the unique constraint decides between two sent at
    once). Raises NotEnoughPortions (with what remains), OfferPassed or OfferCancelled.
    """
    if _claim_saved(offer_id, submission):
        raise ClaimAlreadySaved()
    with transaction.atomic():
        changed = (
            MealOffer.objects.current(timezone.now())
            .filter(pk=offer_id, claimed__lte=F("portions") - portions)
            .update(claimed=F("claimed") + portions, updated_at=Now())
        )
        if changed != 1:
            if _claim_saved(offer_id, submission):  # the first post took the last portions
                raise ClaimAlreadySaved()
            offer = MealOffer.objects.get(pk=offer_id)
            if offer.is_cancelled:
                raise OfferCancelled()
            if not MealOffer.objects.current(timezone.now()).filter(pk=offer_id).exists():
                raise OfferPassed()
            raise NotEnoughPortions(remaining=offer.remaining_portions)
        try:
            with transaction.atomic():
                claim = MealClaim.objects.create(
                    offer_id=offer_id,
                    shelter_id=shelter_id,
                    portions=portions,
                    claimed_by=by,
                    submission=submission,
                )
        except IntegrityError as exc:
            if "coordination_mealclaim_submitted_once" not in str(exc):
                raise
            # The same form sent at once: the whole transaction, portions included, rolls back.
            raise ClaimAlreadySaved() from exc
        public.invalidate_on_commit()
    return claim


def meal_claim_release(*, claim_id: int, by: User) -> MealClaim:
    """Give claimed portions back to the offer. Raises ClaimReleased the second time (or
    when the offer's cancellation released them first)."""
    with transaction.atomic():
        _lock_offer(MealClaim.objects.values_list("offer_id", flat=True).get(pk=claim_id))
        changed = MealClaim.objects.filter(pk=claim_id, released_at__isnull=True).update(
            released_at=Now(), released_by=by
        )
        if changed != 1:
            raise ClaimReleased()
        claim = MealClaim.objects.get(pk=claim_id)
        MealOffer.objects.filter(pk=claim.offer_id).update(
            claimed=F("claimed") - claim.portions, updated_at=Now()
        )
        public.invalidate_on_commit()
    return claim


def meal_offer_cancel(*, offer_id: int, by: User) -> int:
    """Cancel an offer: it leaves every list, and every claim on it is released and marked,
    so the shelters that claimed are told on their meals page. Returns how many claims were
    released; raises OfferCancelled the second time.

    Under the offer's lock: a claim in flight either committed before (and is released here)
    or finds the offer cancelled; a release in flight either came first or finds its claim
    released. So no portion is left claimed on a cancelled offer.
    """
    with transaction.atomic():
        changed = MealOffer.objects.filter(pk=offer_id, cancelled_at__isnull=True).update(
            cancelled_at=Now(), cancelled_by=by, claimed=0, updated_at=Now()
        )
        if changed != 1:
            MealOffer.objects.get(pk=offer_id)  # DoesNotExist for an offer that never was
            raise OfferCancelled()
        released = MealClaim.objects.filter(offer_id=offer_id, released_at__isnull=True).update(
            released_at=Now(), released_by=by, offer_cancelled=True
        )
        public.invalidate_on_commit()
    logger.info("meal offer %s cancelled by user %s: %s claims released", offer_id, by.pk, released)
    return released
