"""An arriving person's phone and a volunteer's phone, in real Chromium at 360x640."""

import pytest
from django.utils import translation

from shelter import services
from shelter.models import OccupancyReason
from tests.factories import MembershipFactory, ShelterFactory, SpaceFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def city(live_server):
    from django.core.cache import cache

    cache.clear()
    cinema = ShelterFactory(
        name="Cinema Park", pets_allowed=True, latitude="51.23", longitude="51.37"
    )
    auditorium = SpaceFactory(shelter=cinema, name="Auditorium 1", places=60)
    services.occupancy_change(
        space_id=auditorium.pk, delta=50, reason=OccupancyReason.COUNT, by=None
    )
    gym = ShelterFactory(name="Yunost gym", men_only=True, accepts_families=False)
    SpaceFactory(shelter=gym, name="Main hall", places=120)
    return {"cinema": cinema, "auditorium": auditorium, "gym": gym, "url": live_server.url}


def _translated(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def _cards(page) -> list[str]:
    return page.locator("li.card .name").all_inner_texts()


@pytest.mark.parametrize("locale", ["ru-RU", "en-US"])
def test_public_page_in_the_browsers_language(city, phone, screenshot, locale):
    language = locale[:2]
    page = phone(locale)
    page.goto(city["url"] + "/")
    assert page.locator("html").get_attribute("lang") == language
    heading = _translated(language, "Where to sleep tonight")
    if language == "ru":
        assert heading != "Where to sleep tonight", "Russian catalog missing"
    assert page.locator("h1").inner_text() == heading
    assert _cards(page) == ["Yunost gym", "Cinema Park"]  # most free first
    screenshot(page, f"public-{language}")


def test_filters_narrow_and_the_language_switch_keeps_them(city, phone, screenshot):
    page = phone("en-US")
    page.goto(city["url"] + "/")
    page.click("details.filter-box summary")  # folded into one line on the first screen
    page.check("input[name=family]")
    page.click("form.filters button[type=submit]")
    assert _cards(page) == ["Cinema Park"]
    assert "family=on" in page.url
    page.click(".langs a[hreflang=ru]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "ru"
    assert "family=on" in page.url
    assert _cards(page) == ["Cinema Park"]
    assert page.locator("input[name=family]").is_checked()
    screenshot(page, "public-filtered-ru")


def test_a_volunteers_count_shows_on_the_public_page_after_reload(city, browser, phone, screenshot):
    volunteer = UserFactory(groups=["Volunteer"])
    MembershipFactory(shelter=city["cinema"], user=volunteer)
    public_page = phone("en-US")
    public_page.goto(city["url"] + "/")
    cinema_card = public_page.locator("li.card", has_text="Cinema Park")
    assert "10 free" in cinema_card.inner_text()

    volunteer_page = phone("en-US")  # a second browser context: its own cookies
    volunteer_page.goto(city["url"] + "/accounts/login/")
    volunteer_page.fill("#id_username", volunteer.username)
    volunteer_page.fill("#id_password", "correct-horse-battery")
    volunteer_page.click("main button[type=submit]")
    volunteer_page.goto(city["url"] + f"/shelters/{city['cinema'].pk}/")
    occupied = f"#id_space-{city['auditorium'].pk}-occupied"
    for _ in range(3):  # three people left: the - button, one-handed
        volunteer_page.click(f"button[data-target='{occupied[1:]}'][data-step='-1']")
    assert volunteer_page.input_value(occupied) == "47"
    volunteer_page.click("div.save-bar button")
    assert "occupied 50 → 47" in volunteer_page.locator(".alert-success").inner_text()
    screenshot(volunteer_page, "volunteer-count-saved")
    # On a phone the links wait behind one Menu button, which opens without JavaScript.
    log_out = volunteer_page.locator(".site-menu").get_by_role("button", name="Log out")
    assert not log_out.is_visible()
    volunteer_page.click(".site-menu summary")
    assert log_out.is_visible()
    screenshot(volunteer_page, "volunteer-menu-open")

    public_page.reload()
    assert "13 free" in public_page.locator("li.card", has_text="Cinema Park").inner_text()
    screenshot(public_page, "public-after-count")
