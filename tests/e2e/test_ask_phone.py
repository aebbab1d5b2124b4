"""A person asks for a place on a 360x640 phone in Russian and follows it; a volunteer finds
the request by its code, holds places and checks them in. The printed kit renders on A4."""

import shutil
from pathlib import Path

import pytest
from django.utils import translation

from shelter import services as shelter_services
from shelter.models import OccupancyReason
from tests.e2e.accounts import log_in
from tests.factories import (
    HouseholdFactory,
    MembershipFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
A4_WIDTH = 794  # CSS px of an A4 page at 96 dpi


def _t(text: str) -> str:
    with translation.override("ru"):
        return translation.gettext(text)


def _fits(page, width: int = 360) -> None:
    scroll = page.evaluate("document.documentElement.scrollWidth")
    assert scroll <= width, f"{page.url} scrolls sideways: {scroll} px"


def _keep(screenshot, page, name: str) -> None:
    shutil.copy(screenshot(page, name), SCREENSHOTS / f"{name}.png")


@pytest.fixture
def arrival_point(live_server, settings):
    settings.SITE_URL = live_server.url
    settings.COORDINATION_PHONE = "+7 711 250 00 00"
    cinema = ShelterFactory(
        name="Кинотеатр «Парк»", address="ул. Абая 12", city="Уральск", phone="+7 711 250 11 11"
    )
    hall = SpaceFactory(shelter=cinema, name="Зал 1", places=30)
    shelter_services.occupancy_change(
        space_id=hall.pk, delta=10, reason=OccupancyReason.COUNT, by=None
    )
    volunteer = UserFactory(username="aliya", groups=["Volunteer"])
    MembershipFactory(shelter=cinema, user=volunteer)
    HouseholdFactory(size=2)  # a group waiting longer, registered at the station
    return cinema, volunteer


def test_a_person_asks_a_volunteer_holds_and_checks_them_in(
    live_server, phone, screenshot, arrival_point
):
    cinema, _volunteer = arrival_point
    person = phone("ru-RU")
    person.goto(f"{live_server.url}/ask/")
    assert person.locator("html").get_attribute("lang") == "ru"
    _fits(person)
    person.fill("#id_size", "3")
    person.fill("#id_children", "1")
    person.check("#id_has_infant")
    person.fill("#id_contact_name", "Аружан")
    person.check("input[name=where_now][value=border]")
    person.check("#id_consent")
    _keep(screenshot, person, "ask-form-ru")
    person.get_by_role("button", name=_t("Send my request")).click()
    person.wait_for_url("**/ask/s/**")
    code = person.locator("h1 .code").inner_text().strip()
    assert len(code) == 6
    assert _t("You are on the waiting list.") in person.content()
    _fits(person)
    _keep(screenshot, person, "ask-status-waiting-ru")
    status_url = person.url.split("?")[0]

    volunteer_page = phone("ru-RU")
    log_in(volunteer_page, live_server.url, "aliya", "/households/waiting/")
    volunteer_page.fill("#waiting-search", code.lower())
    volunteer_page.get_by_role("button", name=_t("Search")).click()
    item = volunteer_page.locator("li", has_text=code)
    assert item.count() == 1
    assert _t("asked online") in item.inner_text()
    _fits(volunteer_page)
    _keep(screenshot, volunteer_page, "ask-volunteer-finds-code-ru")
    item.locator("button[type=submit]").click()
    volunteer_page.wait_for_url("**/households/*/")
    assert code in volunteer_page.content()

    person.goto(status_url)
    page = person.content()
    assert "ул. Абая 12" in page and cinema.name in page.replace("&laquo;", "«").replace(
        "&raquo;", "»"
    )
    _fits(person)
    _keep(screenshot, person, "ask-status-held-ru")

    volunteer_page.get_by_role("button", name=_t("They arrived: check in")).click()
    volunteer_page.wait_for_load_state()

    person.get_by_role("link", name=_t("Refresh")).click()
    person.wait_for_load_state()
    assert _t("You are checked in at %(name)s. Welcome.").split("%")[0] in person.content()
    assert "ул. Абая 12" not in person.content()
    _keep(screenshot, person, "ask-status-checked-in-ru")


def test_the_kit_and_the_public_pages_print_on_a4_without_buttons(
    live_server, browser, screenshot, arrival_point
):
    from coordination.households import services
    from coordination.kit.slips import slip_token

    cinema, volunteer = arrival_point
    household = HouseholdFactory(registered_at=cinema, size=2)
    hold = services.hold_create(
        household_id=household.pk, space_id=cinema.spaces.get().pk, by=volunteer
    )
    context = browser.new_context(viewport={"width": A4_WIDTH, "height": 1123}, locale="ru-RU")
    page = context.new_page()
    try:
        for name, path in (
            ("kit-poster-ru", "/kit/poster/"),
            ("kit-list-ru", "/kit/list/"),
            ("kit-slip-ru", f"/slip/{slip_token(hold.pk)}/"),
            ("print-public-list-ru", "/"),
            ("print-public-shelter-ru", f"/s/{cinema.pk}/"),
        ):
            page.goto(live_server.url + path)
            page.emulate_media(media="print")
            _fits(page, A4_WIDTH)
            hidden = page.evaluate(
                """() => [...document.querySelectorAll(
                        'header, .langs, .btn:not(.call), button, .filter-box, footer')]
                    .filter(e => e.offsetParent !== null).length"""
            )
            assert hidden == 0, f"{path}: buttons or the language switcher on paper"
            if path == "/":  # the phone stays on paper, as text
                assert page.locator("a.call").first.is_visible()
            pdf = page.pdf(format="A4", print_background=True)
            assert pdf.startswith(b"%PDF") and len(pdf) > 1000
            _keep(screenshot, page, name)
            page.emulate_media(media="screen")
    finally:
        context.close()
