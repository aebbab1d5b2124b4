"""On a 360x640 phone in Russian and Kazakh: a manager's status buttons, a provider's offers
with the cancel button, the cancellation notice on the meals page, and a resident's flat on
the public page. Tap targets at least 44 px, nothing scrolls sideways."""

import pytest

from coordination.meals import services as meals
from shelter import services
from shelter.models import MembershipRole, OccupancyReason, Shelter
from tests.factories import (
    MealOfferFactory,
    MealProviderFactory,
    MembershipFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def city(live_server, settings):
    from django.core.cache import cache

    cache.clear()
    settings.COORDINATION_PHONE = "+7 711 250 00 00"
    cinema = ShelterFactory(name="Cinema Park")
    hall = SpaceFactory(shelter=cinema, name="Auditorium 1", places=60)
    services.occupancy_change(space_id=hall.pk, delta=46, reason=OccupancyReason.COUNT, by=None)
    manager = UserFactory(groups=["Shelter manager"])
    MembershipFactory(shelter=cinema, user=manager, role=MembershipRole.MANAGER)
    volunteer = UserFactory(groups=["Volunteer"])
    MembershipFactory(shelter=cinema, user=volunteer)
    flat = ShelterFactory(
        name="Flat on Ikhsanova St",
        kind=Shelter.Kind.APARTMENT,
        address="Ikhsanova Street 40, apt 2",
        district="Centre",
        latitude="51.2412",
        longitude="51.3799",
        phone="+7 705 300 06 42",
    )
    SpaceFactory(shelter=flat, name="Flat", places=4)
    cafe = MealProviderFactory(name="Café Dastarkhan")
    cook = UserFactory(groups=["Meal provider"])
    cafe.memberships.create(user=cook)
    offer = MealOfferFactory(provider=cafe, portions=120, public_notes="Plov and tea")
    MealOfferFactory(provider=cafe, portions=40, address="Dostyk Avenue 10")
    meals.meal_claim(offer_id=offer.pk, shelter_id=cinema.pk, portions=20, by=volunteer)
    return {
        "url": live_server.url,
        "cinema": cinema,
        "flat": flat,
        "manager": manager,
        "volunteer": volunteer,
        "cook": cook,
        "offer": offer,
    }


def _log_in(page, url, user):
    page.goto(url + "/accounts/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


def _assert_fits_a_phone(page, buttons: str):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} scrolls sideways: {width} px"
    boxes = [b.bounding_box() for b in page.locator(buttons).all() if b.is_visible()]
    assert boxes, buttons
    for box in boxes:
        assert box["height"] >= 44 and box["width"] >= 44, (page.url, buttons, box)


@pytest.mark.parametrize("locale", ["ru-RU", "kk-KZ"])
def test_a_manager_stops_intake_on_the_phone(city, phone, screenshot, locale):
    page = phone(locale)
    _log_in(page, city["url"], city["manager"])
    page.goto(city["url"] + f"/shelters/{city['cinema'].pk}/")
    _assert_fits_a_phone(page, ".status-actions button")
    page.click(".status-actions button[value=standby]")
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 1
    city["cinema"].refresh_from_db()
    assert city["cinema"].status == Shelter.Status.STANDBY
    _assert_fits_a_phone(page, ".status-actions button")  # now: open, close
    screenshot(page, f"manager-standby-{locale[:2]}")


@pytest.mark.parametrize("locale", ["ru-RU", "kk-KZ"])
def test_a_provider_cancels_and_the_shelter_hears_it(city, phone, screenshot, locale):
    cook = phone(locale)
    _log_in(cook, city["url"], city["cook"])
    cook.goto(city["url"] + "/meals/mine/")
    _assert_fits_a_phone(cook, ".meal-action")
    screenshot(cook, f"provider-offers-{locale[:2]}")
    cook.locator(f"form[action$='/meals/{city['offer'].pk}/cancel/'] button").click()
    cook.wait_for_load_state()
    assert cook.locator(".alert-success").count() == 1

    volunteer = phone(locale)
    _log_in(volunteer, city["url"], city["volunteer"])
    volunteer.goto(city["url"] + "/meals/")
    notice = volunteer.locator(".alert-warning", has_text="Café Dastarkhan")
    assert notice.is_visible()
    assert "20" in notice.inner_text()
    assert volunteer.evaluate("document.documentElement.scrollWidth") <= 360
    screenshot(volunteer, f"meals-cancelled-{locale[:2]}")


@pytest.mark.parametrize("locale", ["ru-RU", "kk-KZ"])
def test_a_residents_flat_on_the_public_page(city, phone, screenshot, locale):
    page = phone(locale)
    page.goto(city["url"] + f"/s/{city['flat'].pk}/")
    text = page.locator("main").inner_text()
    assert "Ikhsanova Street 40" not in text and "300 06 42" not in text
    assert "Centre" in text
    call = page.locator("a[href^='tel:']")
    assert call.get_attribute("href") == "tel:+77112500000"
    _assert_fits_a_phone(page, "a[href^='tel:']")
    screenshot(page, f"public-flat-{locale[:2]}")
