"""A refused form on a 360x640 phone: what is wrong is on the first screen, focused, and
each message leads to its field."""

import pytest

from shelter import services
from shelter.models import OccupancyReason, Space
from tests.e2e.accounts import log_in
from tests.e2e.conftest import OUTPUT, PHONE
from tests.factories import MembershipFactory, ShelterFactory, SpaceFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def cinema(live_server):
    shelter = ShelterFactory(name="Cinema Park", kind="cinema")
    spaces = [SpaceFactory(shelter=shelter, name=f"Auditorium {n}", places=40) for n in (1, 2, 3)]
    services.occupancy_change(
        space_id=spaces[2].pk, delta=31, reason=OccupancyReason.COUNT, by=None
    )
    manager = UserFactory(username="cinema-manager", groups=["Shelter manager"])
    MembershipFactory(shelter=shelter, user=manager, role="manager")
    return {"url": live_server.url, "shelter": shelter, "spaces": spaces}


def _in_first_screen(page, selector: str) -> bool:
    box = page.locator(selector).first.bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= PHONE["height"]


@pytest.mark.parametrize("locale", ["ru-RU", "kk-KZ", "en-US"])
def test_refused_shelter_edit_shows_the_first_error_on_the_first_screen(cinema, phone, locale):
    page = phone(locale)
    path = f"/shelters/{cinema['shelter'].pk}/edit/"
    log_in(page, cinema["url"], "cinema-manager", path)
    third = cinema["spaces"][2]
    field = page.locator("input[name$='-places']").nth(2)  # Auditorium 3, 31 people inside
    field.scroll_into_view_if_needed()
    field.fill("20")
    page.click(".save-bar button")
    page.wait_for_load_state()

    assert page.evaluate("document.activeElement.id") == "error-summary"
    assert page.evaluate("window.scrollY") == 0
    assert _in_first_screen(page, "#error-summary")
    first_error = page.locator("#error-summary li").first
    assert _in_first_screen(page, "#error-summary li >> nth=0")
    assert "31" in first_error.inner_text()
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"refused-shelter-edit-{locale[:2]}.png"))

    # Its link puts the focus in the field, on the screen and clear of the sticky Save bar.
    first_error.locator("a").click()
    focused = page.evaluate("document.activeElement.name")
    assert focused.endswith("-places")
    # (Bootstrap scrolls smoothly: wait for the scroll to end there.)
    page.wait_for_function(
        """(name) => {
          const field = document.querySelector(`[name="${name}"]`).getBoundingClientRect();
          const bar = document.querySelector('.save-bar').getBoundingClientRect();
          return field.top >= 0 && field.bottom <= bar.top;
        }""",
        arg=focused,
        timeout=3000,
    )
    assert Space.objects.get(pk=third.pk).places == 40  # nothing saved


def test_without_javascript_the_summary_still_takes_the_focus(cinema, browser):
    context = browser.new_context(viewport=PHONE, locale="ru-RU", java_script_enabled=False)
    try:
        page = context.new_page()
        path = f"/shelters/{cinema['shelter'].pk}/edit/"
        log_in(page, cinema["url"], "cinema-manager", path)
        page.locator("input[name$='-places']").nth(2).fill("20")
        page.click(".save-bar button")
        page.wait_for_load_state()
        assert page.evaluate("document.activeElement.id") == "error-summary"
        assert _in_first_screen(page, "#error-summary li >> nth=0")
    finally:
        context.close()
