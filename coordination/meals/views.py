"""Pages for meals: today's offers with claim buttons; posting, editing and cancelling offers.

A provider's member sees and edits only their provider's offers; coordinators every one.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from shelter.errors import ShelterError
from shelter.selectors import shelters_to_choose

from .. import access
from ..errors import ClaimAlreadySaved, OfferCancelled
from . import selectors, services
from .forms import MealClaimForm, MealOfferForm
from .models import MealClaim, MealOffer


@login_required
def meals_today(request):
    """Current offers with remaining portions; claim and release for the user's shelters."""
    return _meals_page(request)


def _meals_page(request, refused: MealClaimForm | None = None, refused_offer=None):
    """The meals page; with a `refused` claim form of the offer `refused_offer`, that offer's
    form shows it as typed, each message by its field (and in the summary on top). An offer
    no longer listed (cancelled, ended meanwhile) has its messages on top of the page."""
    now = timezone.now()
    offers = list(selectors.meal_offers_current(now))
    shelters = list(shelters_to_choose(request.user))
    claims = selectors.meal_claims_open_for(offers, shelters)
    for offer in offers:
        offer.my_claims = claims.get(offer.pk, [])
        offer.claim_submission = uuid.uuid4()  # the claim form's one-time token
        offer.claim_form = refused if offer.pk == getattr(refused_offer, "pk", None) else None
    if refused is not None and not any(offer.claim_form for offer in offers):
        for errors in refused.errors.values():
            messages.error(request, f"{refused_offer.provider}: {' '.join(errors)}")
        refused = None  # told on top: not a form of this page
    return render(
        request,
        "coordination/meals_today.html",
        {
            "offers": offers,
            "shelters": shelters,  # one select per offer, drawn from this one list
            "cancelled": selectors.meal_cancellations_for(shelters, now),
            "can_offer": access.can_offer_meals(request.user),
            "refused_claim": refused,  # for the error summary on top
        },
    )


@login_required
@require_POST
def meal_claim(request, pk: int):
    offer = get_object_or_404(MealOffer.objects.select_related("provider"), pk=pk)
    shelters = shelters_to_choose(request.user)
    form = MealClaimForm(
        request.POST,
        shelters=shelters,
        remaining=offer.remaining_portions,
        prefix=f"offer-{pk}",
        auto_id="%s",  # the ids the page's claim forms have: the summary links to them
    )
    # The summary on top names the offer: every offer on the page has a "Portions" field.
    form.summary_name = f"{offer.provider}, {offer.starts_at:%H:%M}-{offer.ends_at:%H:%M}"
    if not form.is_valid():
        return _meals_page(request, refused=form, refused_offer=offer)
    try:
        claim = services.meal_claim(
            offer_id=offer.pk,
            shelter_id=form.cleaned_data["shelter"].pk,
            portions=form.cleaned_data["portions"],
            by=request.user,
            submission=form.cleaned_data["submission"],
        )
    except ClaimAlreadySaved as exc:
        messages.info(request, f"{offer.provider}: {exc.message}")  # a retry: nothing twice
    except ShelterError as exc:
        form.add_error(None, exc.message)  # refused under the lock (taken meanwhile, closed)
        return _meals_page(request, refused=form, refused_offer=offer)
    else:
        messages.success(
            request,
            _("%(n)d portions claimed for %(shelter)s.")
            % {"n": claim.portions, "shelter": form.cleaned_data["shelter"].name},
        )
    return redirect("coordination:meals")


@login_required
@require_POST
def meal_claim_release(request, pk: int):
    claim = get_object_or_404(MealClaim.objects.select_related("shelter"), pk=pk)
    if not access.can_release_claim(request.user, claim):
        raise PermissionDenied
    try:
        services.meal_claim_release(claim_id=claim.pk, by=request.user)
    except ShelterError as exc:
        messages.info(request, exc.message)
    else:
        messages.success(request, _("%(n)d portions released.") % {"n": claim.portions})
    return redirect("coordination:meals")


@login_required
def meal_offer_edit(request, pk: int | None = None):
    offer = (
        MealOffer()
        if pk is None
        else get_object_or_404(MealOffer.objects.select_related("provider"), pk=pk)
    )
    allowed = access.can_offer_meals if pk is None else lambda u: access.can_edit_offer(u, offer)
    if not allowed(request.user):
        raise PermissionDenied
    if offer.is_cancelled:
        messages.info(request, _("This offer was cancelled; post a new one instead."))
        return redirect("coordination:meals_mine")
    providers = selectors.meal_providers_for(request.user)
    if pk is None and not providers:
        return render(request, "coordination/meal_offer_form.html", {"no_provider": True})
    initial = selectors.new_meal_offer_initial(providers[0]) if pk is None else None
    form = MealOfferForm(request.POST or None, instance=offer, initial=initial, providers=providers)
    if request.method == "POST" and form.is_valid():
        try:
            services.meal_offer_save(
                offer=form.save(commit=False), fields=form.changed_data, by=request.user
            )
        except ShelterError as exc:
            form.add_error(None if isinstance(exc, OfferCancelled) else "portions", exc.message)
        else:
            messages.success(request, _("Meal offer saved."))
            return redirect("coordination:meals_mine")
    return render(request, "coordination/meal_offer_form.html", {"form": form, "offer": offer})


@login_required
def meal_offers_mine(request):
    """The offers of the user's providers: what was claimed, by whom, and a cancel button."""
    if not access.can_offer_meals(request.user):
        raise PermissionDenied
    now = timezone.now()
    return render(
        request,
        "coordination/meal_offers_mine.html",
        {
            "offers": selectors.meal_offers_of(request.user, now),
            "providers": selectors.meal_providers_for(request.user),
            "everyone": access.is_coordinator(request.user),
            "now": now,
        },
    )


@login_required
@require_POST
def meal_offer_cancel(request, pk: int):
    offer = get_object_or_404(MealOffer.objects.select_related("provider"), pk=pk)
    if not access.can_edit_offer(request.user, offer):
        raise PermissionDenied
    try:
        released = services.meal_offer_cancel(offer_id=offer.pk, by=request.user)
    except ShelterError as exc:
        messages.info(request, exc.message)
    else:
        messages.success(
            request,
            ngettext(
                "Offer cancelled. %(n)d claim of a shelter was released; its volunteers see "
                "it on their meals page.",
                "Offer cancelled. %(n)d claims of shelters were released; their volunteers "
                "see it on their meals page.",
                released,
            )
            % {"n": released}
            if released
            else _("Offer cancelled. No shelter had claimed portions."),
        )
    return redirect("coordination:meals_mine")
