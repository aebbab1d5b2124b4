"""Meal providers are organisations: each member sees and edits only their provider's offers,
may cancel one (the shelters that claimed are told), and public notes reach the public."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination import public
from coordination.errors import ClaimReleased, OfferCancelled
from coordination.meals import services as meal_services
from coordination.meals.models import MealProvider
from coordination.models import MealOffer
from tests.factories import MealOfferFactory, MealProviderFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def kitchen(db):
    return MealProviderFactory(name="Volunteer kitchen of St. Michael's")


@pytest.fixture
def colleague(cafe):
    """A second member of the café: they share its offers."""
    user = UserFactory(groups=["Meal provider"])
    cafe.memberships.create(user=user)
    return user


@pytest.fixture
def cook(kitchen):
    user = UserFactory(groups=["Meal provider"])
    kitchen.memberships.create(user=user)
    return user


def test_my_offers_lists_my_providers_offers_only_with_their_names(
    as_user, meal_provider, colleague, cafe, kitchen
):
    MealOfferFactory(provider=cafe, created_by=colleague, address="Dostyk 10")
    MealOfferFactory(provider=kitchen, address="Lenin Street 40, yard")
    page = as_user(meal_provider).get(reverse("coordination:meals_mine")).content.decode()
    assert "Dostyk 10" in page  # posted by a colleague: the café's all the same
    assert "Café Dastarkhan" in page
    assert "Lenin Street 40" not in page and "St. Michael" not in page


def test_a_new_offer_never_starts_with_another_providers_details(
    as_user, meal_provider, cafe, kitchen
):
    # The kitchen posted last, even by a user who once posted for the café too.
    MealOfferFactory(provider=cafe, created_by=meal_provider, address="Dostyk 10")
    MealOfferFactory(provider=kitchen, created_by=meal_provider, address="Lenin Street 40")
    form = as_user(meal_provider).get(reverse("coordination:meal_new")).context["form"]
    assert form.initial["provider"] == cafe.pk
    assert form.initial["address"] == "Dostyk 10"
    assert list(form.fields["provider"].queryset) == [cafe]


def test_a_provider_can_post_only_for_its_own_organisation(as_user, meal_provider, cafe, kitchen):
    today = timezone.localdate().isoformat()
    response = as_user(meal_provider).post(
        reverse("coordination:meal_new"),
        {
            "provider": kitchen.pk,
            "address": "Dostyk 10",
            "city": "Uralsk",
            "date": today,
            "starts_at": "00:00",
            "ends_at": "23:59",
            "portions": "5",
            "delivery": "pickup",
        },
    )
    assert response.status_code == 200
    assert "provider" in response.context["form"].errors
    assert not MealOffer.objects.exists()


def test_a_colleague_edits_an_offer_another_member_cannot(as_user, colleague, cook, cafe):
    offer = MealOfferFactory(provider=cafe)
    url = reverse("coordination:meal_edit", args=[offer.pk])
    assert as_user(colleague).get(url).status_code == 200
    assert as_user(cook).get(url).status_code == 403
    cancel = as_user(cook).post(reverse("coordination:meal_cancel", args=[offer.pk]))
    assert cancel.status_code == 403
    offer.refresh_from_db()
    assert not offer.is_cancelled


def test_a_user_posting_for_no_provider_is_told_to_ask_a_coordinator(as_user):
    user = UserFactory(groups=["Meal provider"])
    response = as_user(user).get(reverse("coordination:meal_new"))
    assert response.status_code == 200
    assert "Ask a coordinator to add you" in response.content.decode()
    assert "form" not in response.context


def test_a_member_added_in_the_admin_posts_without_the_group(as_user, cafe):
    user = UserFactory()  # no group: membership of a provider is enough
    cafe.memberships.create(user=user)
    assert as_user(user).get(reverse("coordination:meal_new")).status_code == 200


def test_cancelling_releases_the_claims_and_tells_the_shelter(
    as_user, meal_provider, volunteer, shelter, cafe, client
):
    offer = MealOfferFactory(provider=cafe, portions=20, public_notes="plov and tea")
    claim = meal_services.meal_claim(
        offer_id=offer.pk, shelter_id=shelter.pk, portions=4, by=volunteer
    )
    response = as_user(meal_provider).post(
        reverse("coordination:meal_cancel", args=[offer.pk]), follow=True
    )
    assert "Offer cancelled. 1 claim of a shelter was released" in response.content.decode()
    offer.refresh_from_db()
    claim.refresh_from_db()
    assert offer.is_cancelled and offer.cancelled_by == meal_provider and offer.claimed == 0
    assert claim.released_at and claim.offer_cancelled
    meals = as_user(volunteer).get(reverse("coordination:meals")).content.decode()
    assert (
        "Café Dastarkhan cancelled its meal at 00:00 (Lenin Street 40): the 4 portions claimed "
        "for Cinema Park will not come."
    ) in meals
    assert "plov and tea" not in meals  # the offer itself is gone from the list
    client.logout()
    assert "plov and tea" not in client.get("/").content.decode()
    assert client.get(reverse("api:meals")).json() == []


def test_the_cancellation_notice_goes_once_the_window_has_passed(volunteer, shelter, cafe):
    from coordination.meals.selectors import meal_cancellations_for

    offer = MealOfferFactory(provider=cafe, portions=5)
    meal_services.meal_claim(offer_id=offer.pk, shelter_id=shelter.pk, portions=1, by=volunteer)
    meal_services.meal_offer_cancel(offer_id=offer.pk, by=volunteer)
    now = timezone.now()
    assert len(meal_cancellations_for([shelter], now)) == 1
    assert meal_cancellations_for([shelter], now + timedelta(days=1)) == []


def test_a_cancelled_offer_is_claimed_edited_or_cancelled_no_more(volunteer, shelter, cafe):
    offer = MealOfferFactory(provider=cafe, portions=5)
    claim = meal_services.meal_claim(
        offer_id=offer.pk, shelter_id=shelter.pk, portions=1, by=volunteer
    )
    assert meal_services.meal_offer_cancel(offer_id=offer.pk, by=volunteer) == 1
    with pytest.raises(OfferCancelled):
        meal_services.meal_claim(offer_id=offer.pk, shelter_id=shelter.pk, portions=1, by=volunteer)
    with pytest.raises(ClaimReleased):
        meal_services.meal_claim_release(claim_id=claim.pk, by=volunteer)
    with pytest.raises(OfferCancelled):
        meal_services.meal_offer_cancel(offer_id=offer.pk, by=volunteer)
    stale = MealOffer.objects.get(pk=offer.pk)
    stale.portions = 9
    with pytest.raises(OfferCancelled):
        meal_services.meal_offer_save(offer=stale, fields=["portions"], by=volunteer)
    offer.refresh_from_db()
    assert (offer.portions, offer.claimed) == (5, 0)


def test_the_edit_page_of_a_cancelled_offer_sends_back_to_my_offers(as_user, meal_provider, cafe):
    offer = MealOfferFactory(provider=cafe)
    meal_services.meal_offer_cancel(offer_id=offer.pk, by=meal_provider)
    response = as_user(meal_provider).get(reverse("coordination:meal_edit", args=[offer.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("coordination:meals_mine")


def test_cancelled_portions_count_for_no_meal_figure(cafe, volunteer):
    from coordination.alerts import selectors as alert_selectors

    offer = MealOfferFactory(provider=cafe, portions=50, city="Uralsk")
    meal_services.meal_offer_cancel(offer_id=offer.pk, by=volunteer)
    assert alert_selectors.city_meals("Uralsk", timezone.localdate()).portions == 0


def test_public_notes_are_shown_to_the_public(client, cafe):
    MealOfferFactory(provider=cafe, public_notes="plov and tea, bring a bowl", notes="gate code 12")
    page = client.get("/").content.decode()
    assert "plov and tea, bring a bowl" in page
    assert "Café Dastarkhan" in page
    assert "gate code 12" not in page  # notes for shelters stay with the shelters
    [meal] = client.get(reverse("api:meals")).json()
    assert (meal["provider"], meal["public_notes"]) == (
        "Café Dastarkhan",
        "plov and tea, bring a bowl",
    )
    assert "gate code" not in str(meal)
    assert public.snapshot().meals[0].public_notes == "plov and tea, bring a bowl"


def test_volunteers_see_public_notes_and_the_notes_for_shelters(as_user, volunteer, cafe):
    MealOfferFactory(provider=cafe, public_notes="plov and tea", notes="gate code 12")
    page = as_user(volunteer).get(reverse("coordination:meals")).content.decode()
    assert "plov and tea" in page and "gate code 12" in page


def test_the_admin_lists_providers_with_members_and_offers(admin_client, cafe, meal_provider):
    MealOfferFactory(provider=cafe)
    MealOfferFactory(provider=cafe)
    page = admin_client.get(reverse("admin:coordination_mealprovider_changelist"))
    assert page.status_code == 200
    row = page.context["cl"].result_list.get(pk=cafe.pk)
    assert (row.members_count, row.offers_count) == (1, 2)
    change = admin_client.get(reverse("admin:coordination_mealprovider_change", args=[cafe.pk]))
    assert meal_provider.username in change.content.decode()


def test_the_admin_cancels_offers_through_the_service(admin_client, cafe, volunteer, shelter):
    offer = MealOfferFactory(provider=cafe, portions=5)
    claim = meal_services.meal_claim(
        offer_id=offer.pk, shelter_id=shelter.pk, portions=2, by=volunteer
    )
    admin_client.post(
        reverse("admin:coordination_mealoffer_changelist"),
        {"action": "cancel_offers", "_selected_action": [offer.pk]},
    )
    claim.refresh_from_db()
    assert claim.offer_cancelled
    assert MealOffer.objects.get(pk=offer.pk).claimed == 0


def test_provider_names_are_unique_whatever_the_case(cafe):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        MealProvider.objects.create(name="café dastarkhan")


def test_a_meal_providers_menu_leaves_out_shelters_and_households(
    as_user, meal_provider, volunteer
):
    """Their work is meals: no "My shelters" or "Waiting list" that would say nobody waits."""
    provider_page = as_user(meal_provider).get(reverse("coordination:meals_mine")).content
    volunteer_page = as_user(volunteer).get(reverse("coordination:meals")).content
    for link in (reverse("shelter:mine"), reverse("coordination:waiting")):
        assert f'href="{link}"'.encode() not in provider_page
        assert f'href="{link}"'.encode() in volunteer_page
