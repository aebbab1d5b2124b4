"""A volunteer's arrivals night on a 360x640 phone, in Russian and Kazakh: who is coming, check
them in, check one out and undo it, the waiting list with its search, find a place."""

from datetime import timedelta

import pytest
from django.utils import timezone, translation

from coordination.households import services
from shelter import services as shelter_services
from shelter.models import OccupancyReason, Space
from tests.factories import (
    PASSWORD,
    HouseholdFactory,
    MembershipFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _small_targets(page, scope: str) -> list[str]:
    """Visible interactive elements under `scope` smaller than 44x44 px."""
    return page.evaluate(
        """(scope) => [...document.querySelectorAll(
              `${scope} a, ${scope} button, ${scope} input:not([type=hidden]), ${scope} select`)]
            .filter(e => e.offsetParent !== null && !e.classList.contains('visually-hidden'))
            .map(e => [e, e.getBoundingClientRect()])
            .filter(([e, r]) => r.height < 44 || r.width < 44)
            .map(([e, r]) => `${e.tagName} "${e.textContent.trim().slice(0, 30)}" `
                             + `${r.width}x${r.height}`)""",
        scope,
    )


def _fits_the_phone(page, scope: str = "main") -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"{page.url} scrolls sideways: {width} px"
    assert _small_targets(page, scope) == [], page.url


def _t(language: str, text: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


@pytest.fixture
def night(live_server):
    cinema = ShelterFactory(name="Кинотеатр «Парк»", phone="+7 711 250 11 11")
    hall = SpaceFactory(shelter=cinema, name="Зал 1", places=30)
    shelter_services.occupancy_change(
        space_id=hall.pk, delta=10, reason=OccupancyReason.COUNT, by=None
    )
    SpaceFactory(shelter=cinema, name="Зал 2", places=12)
    flat = ShelterFactory(
        name="Квартира на Достык", kind="apartment", host="Айгуль", phone="+7 701 555 12 34"
    )
    SpaceFactory(shelter=flat, name="Комната", places=4)  # never counted
    volunteer = UserFactory(groups=["Volunteer"], username="aigerim")
    MembershipFactory(shelter=cinema, user=volunteer)
    coordinator = UserFactory(groups=["Coordinator"], username="coordinator")
    coming = HouseholdFactory(
        size=4, children=2, has_pets=True, contact_name="Ольга Смирнова", registered_by=coordinator
    )
    services.hold_create(household_id=coming.pk, space_id=hall.pk, by=coordinator)
    waiting = HouseholdFactory(
        size=3, contact_name="Асель Нурланова", phone="+7 702 000 11 22", registered_at=cinema
    )
    HouseholdFactory(size=2, contact_name="Секрет", registered_at=flat)  # elsewhere in the city
    return {
        "url": live_server.url,
        "cinema": cinema,
        "hall": hall,
        "coming": coming,
        "waiting": waiting,
        "volunteer": volunteer,
    }


def _log_in(page, night, next_path: str) -> None:
    page.goto(f"{night['url']}/accounts/login/?next={next_path}")
    page.fill("#id_username", night["volunteer"].username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_load_state()


@pytest.mark.parametrize("locale", ["ru-RU", "kk-KZ"])
def test_arrivals_night_on_a_phone(night, phone, screenshot, locale):
    language = locale[:2]
    page = phone(locale)
    shelter_url = f"/shelters/{night['cinema'].pk}/"
    _log_in(page, night, shelter_url)
    assert page.locator("html").get_attribute("lang") == language

    # The receiving shelter sees who is coming, and checks them in right there.
    arrivals = page.locator("#arrivals")
    assert "Ольга Смирнова" in arrivals.inner_text()
    _fits_the_phone(page, "#arrivals")
    screenshot(page, f"arrivals-shelter-{language}")
    arrivals.get_by_role("button", name=_t(language, "They arrived: check in")).click()
    page.wait_for_load_state()
    assert page.url.endswith(shelter_url)
    assert page.locator(".alert-success").count() == 1
    assert "Ольга Смирнова" not in page.locator("#arrivals").inner_text()

    # Check-out asks first (a page, no JavaScript), and can be undone from the shelter page.
    page.goto(f"{night['url']}/households/{night['coming'].pk}/")
    page.get_by_role("link", name=_t(language, "Check out (they left)")).click()
    page.wait_for_load_state()
    _fits_the_phone(page)
    screenshot(page, f"arrivals-check-out-confirm-{language}")
    page.get_by_role("button", name=_t(language, "Yes, they left: check out")).click()
    page.wait_for_load_state()
    assert page.url.endswith(shelter_url)
    _fits_the_phone(page, "#arrivals")
    screenshot(page, f"arrivals-check-out-undo-{language}")
    page.locator("#arrivals").get_by_role(
        "button", name=_t(language, "Undo: they did not leave")
    ).click()
    page.wait_for_load_state()
    assert page.url.endswith(f"/households/{night['coming'].pk}/")
    assert Space.objects.get(pk=night["hall"].pk).occupied == 14

    # The waiting list: search by name, the city's others without names.
    page.goto(f"{night['url']}/households/waiting/")
    _fits_the_phone(page)
    assert "Секрет" not in page.locator("main").inner_text()
    screenshot(page, f"arrivals-waiting-{language}")
    page.fill("#waiting-search", "асель")
    page.locator("main form[role=search] button[type=submit]").click()
    page.wait_for_load_state()
    assert "Асель Нурланова" in page.locator("main").inner_text()
    _fits_the_phone(page)

    # Find a place: the counted hall first, the never-counted flat after it with a Call link.
    page.goto(f"{night['url']}/households/{night['waiting'].pk}/place/")
    _fits_the_phone(page)
    items = page.locator("main li.list-group-item").all_inner_texts()
    shelters = [i.split("/")[0].strip() for i in items]
    assert shelters == ["Кинотеатр «Парк»", "Кинотеатр «Парк»", "Квартира на Достык"]
    call = page.locator("main a[href^='tel:']")
    assert call.get_attribute("href") == "tel:+77015551234"
    screenshot(page, f"arrivals-find-place-{language}")


def test_a_stale_count_is_marked_on_the_phone(night, phone):
    Space.objects.filter(pk=night["hall"].pk).update(counted_at=timezone.now() - timedelta(hours=8))
    page = phone("ru-RU")
    _log_in(page, night, f"/households/{night['waiting'].pk}/place/")
    # the cinema's two halls (its last count: 8 hours ago) and the flat (never counted)
    assert page.locator("main .stale").count() == 3
    _fits_the_phone(page)
