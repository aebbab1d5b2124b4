"""Meal offers and claims through the test client."""

import re
import uuid
from datetime import timedelta
from html import escape

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination.models import MealClaim, MealOffer
from tests.factories import MealOfferFactory

pytestmark = pytest.mark.django_db


def _offer_post(provider, /, **changes):
    today = timezone.localdate()
    data = {
        "provider": provider.pk,
        "address": "Dostyk 10",
        "city": "Uralsk",
        "date": today.isoformat(),
        "starts_at": "00:00",
        "ends_at": "23:59",
        "portions": "50",
        "hot_meal": "on",
        "delivery": "pickup",
    }
    data.update(changes)
    return data


def _claim(offer, shelter, portions, submission=None) -> dict:
    """The claim form of one offer as the meals page sends it, with its one-time token."""
    prefix = f"offer-{offer.pk}"
    return {
        f"{prefix}-shelter": shelter.pk,
        f"{prefix}-portions": portions,
        f"{prefix}-submission": str(submission or uuid.uuid4()),
    }


@pytest.mark.parametrize(
    ("role", "expected"),
    [("anonymous", 302), ("volunteer", 403), ("meal_provider", 200), ("coordinator", 200)],
)
def test_who_may_post_offers(role, expected, request, as_user):
    user = None if role == "anonymous" else request.getfixturevalue(role)
    assert as_user(user).get(reverse("coordination:meal_new")).status_code == expected


def test_provider_posts_an_offer_and_sees_it_in_my_offers(as_user, meal_provider, cafe):
    client = as_user(meal_provider)
    response = client.post(reverse("coordination:meal_new"), _offer_post(cafe))
    assert response.status_code == 302
    offer = MealOffer.objects.get()
    assert (offer.created_by, offer.provider) == (meal_provider, cafe)
    mine = client.get(reverse("coordination:meals_mine"))
    assert "0 of 50 claimed, 50 left" in mine.content.decode()


def test_a_new_offer_starts_at_today_with_the_providers_last_details(as_user, meal_provider, cafe):
    client = as_user(meal_provider)
    first = client.get(reverse("coordination:meal_new")).context["form"]
    assert first.initial["date"] == timezone.localdate()
    assert first.initial["provider"] == cafe.pk  # one's own organisation, nothing to choose
    assert first.initial["contact"] == cafe.phone  # nothing posted before: the provider's
    assert first.initial["address"] == ""
    client.post(reverse("coordination:meal_new"), _offer_post(cafe, contact="+7 701 555 12 12"))

    form = client.get(reverse("coordination:meal_new")).context["form"]
    assert form.initial["date"] == timezone.localdate()
    assert form.initial["provider"] == cafe.pk
    assert form.initial["address"] == "Dostyk 10"
    assert form.initial["contact"] == "+7 701 555 12 12"
    assert form.initial["portions"] is None  # how much there is to give changes every day


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"starts_at": "18:00", "ends_at": "12:00"}, "ends_at"),
        ({"date": (timezone.localdate() - timedelta(days=1)).isoformat()}, "date"),
        ({"portions": "0"}, "portions"),
        ({"portions": "many"}, "portions"),
        ({"address": "", "shelter": ""}, "address"),
        ({"public_notes": "<script>x</script>"}, "public_notes"),
        ({"provider": "999999"}, "provider"),
    ],
)
def test_bad_offer_input_saves_nothing(changes, field, as_user, meal_provider, cafe):
    response = as_user(meal_provider).post(
        reverse("coordination:meal_new"), _offer_post(cafe, **changes)
    )
    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert not MealOffer.objects.exists()


def test_a_provider_cannot_edit_someone_elses_offer(as_user, meal_provider):
    offer = MealOfferFactory()
    assert (
        as_user(meal_provider).get(reverse("coordination:meal_edit", args=[offer.pk])).status_code
        == 403
    )


def test_volunteer_claims_and_releases_portions(as_user, volunteer, shelter):
    offer = MealOfferFactory(portions=10)
    client = as_user(volunteer)
    page = client.get(reverse("coordination:meals"))
    assert "10 of 10 portions left" in page.content.decode()
    client.post(
        reverse("coordination:meal_claim", args=[offer.pk]),
        _claim(offer, shelter, "4"),
    )
    offer.refresh_from_db()
    assert offer.claimed == 4
    page = client.get(reverse("coordination:meals")).content.decode()
    assert "6 of 10 portions left" in page
    claim = MealClaim.objects.get()
    client.post(reverse("coordination:claim_release", args=[claim.pk]))
    offer.refresh_from_db()
    assert offer.claimed == 0


@pytest.mark.parametrize(
    ("portions", "message"), [("0", "greater than or equal to 1"), ("11", "Only 10")]
)
def test_bad_claims_get_a_message_and_change_nothing(
    portions, message, as_user, volunteer, shelter
):
    offer = MealOfferFactory(portions=10)
    response = as_user(volunteer).post(
        reverse("coordination:meal_claim", args=[offer.pk]),
        _claim(offer, shelter, portions),
        follow=True,
    )
    assert message in response.content.decode()
    offer.refresh_from_db()
    assert offer.claimed == 0


def test_a_volunteer_cannot_claim_for_another_shelter(as_user, volunteer, other_shelter):
    offer = MealOfferFactory(portions=10)
    as_user(volunteer).post(
        reverse("coordination:meal_claim", args=[offer.pk]),
        _claim(offer, other_shelter, "2"),
    )
    offer.refresh_from_db()
    assert offer.claimed == 0


def test_passed_offers_are_not_listed(as_user, volunteer):
    MealOfferFactory(provider="Yesterday's soup", date=timezone.localdate() - timedelta(days=1))
    page = as_user(volunteer).get(reverse("coordination:meals")).content.decode()
    assert "Yesterday" not in page


def test_a_claim_sent_twice_is_saved_once(as_user, volunteer, shelter):
    offer = MealOfferFactory(portions=10)
    client = as_user(volunteer)
    page = client.get(reverse("coordination:meals")).content.decode()
    token = re.search(rf'name="offer-{offer.pk}-submission" value="([^"]+)"', page).group(1)
    data = _claim(offer, shelter, "4", submission=token)
    first = client.post(reverse("coordination:meal_claim", args=[offer.pk]), data, follow=True)
    assert "4 portions claimed for Cinema Park" in first.content.decode()
    again = client.post(reverse("coordination:meal_claim", args=[offer.pk]), data, follow=True)
    assert again.status_code == 200
    assert "This claim was already saved (the form was sent twice)" in again.content.decode()
    offer.refresh_from_db()
    assert offer.claimed == 4
    assert MealClaim.objects.get().submission == uuid.UUID(token)
    # The page after it carries a new token: the next claim is a new one.
    page = client.get(reverse("coordination:meals")).content.decode()
    assert token not in page


def test_a_claim_without_its_token_is_refused_with_a_message(as_user, volunteer, shelter):
    offer = MealOfferFactory(portions=10)
    data = _claim(offer, shelter, "2")
    del data[f"offer-{offer.pk}-submission"]
    response = as_user(volunteer).post(
        reverse("coordination:meal_claim", args=[offer.pk]), data, follow=True
    )
    assert "This form is out of date: reload the page and claim again" in response.content.decode()
    assert not MealClaim.objects.exists()


def test_a_refused_claim_comes_back_by_its_field_as_typed(as_user, volunteer, shelter):
    """Not a banner on top with the number gone: the message by the portions field, the
    shelter and the number as chosen, the summary on top linking to the field."""
    offer = MealOfferFactory(portions=10)
    response = as_user(volunteer).post(
        reverse("coordination:meal_claim", args=[offer.pk]), _claim(offer, shelter, "11")
    )
    assert response.status_code == 200
    html = response.content.decode()
    field = f"offer-{offer.pk}-portions"
    assert f'id="{field}" required value="11" aria-invalid="true"' in html
    assert f'<div class="invalid-feedback d-block" id="{field}-error">Only 10' in html
    assert f'href="#{field}"' in html  # the error summary's link to it
    # ...naming the offer: every offer on the page has a "Portions" field.
    when = f"{offer.starts_at:%H:%M}-{offer.ends_at:%H:%M}"
    summary = html[html.index('id="error-summary"') :]
    assert f"{escape(str(offer.provider))}, {when} · Portions" in summary[: summary.index("</ul>")]
    assert f'<option value="{shelter.pk}" selected>' in html
    offer.refresh_from_db()
    assert offer.claimed == 0


def test_a_claim_refused_under_the_lock_says_why_by_its_offer(as_user, volunteer, shelter):
    offer = MealOfferFactory(portions=10)
    client = as_user(volunteer)
    page = client.get(reverse("coordination:meals")).content.decode()
    token = re.search(rf'name="offer-{offer.pk}-submission" value="([^"]+)"', page).group(1)
    MealOffer.objects.filter(pk=offer.pk).update(cancelled_at=timezone.now())  # meanwhile
    response = client.post(
        reverse("coordination:meal_claim", args=[offer.pk]),
        _claim(offer, shelter, "4", submission=token),
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "This meal offer was cancelled by its provider." in html  # on top: it is not listed
    assert not MealClaim.objects.exists()
