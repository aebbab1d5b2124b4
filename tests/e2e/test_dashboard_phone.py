"""The coordinators' dashboard on a 360x640 phone at night: nothing scrolls sideways."""

import pytest
from django.contrib.auth.models import Permission

from coordination.models import Household
from shelter import services
from shelter.models import OccupancyReason
from tests.e2e.accounts import log_in
from tests.e2e.conftest import OUTPUT, PHONE
from tests.factories import HouseholdFactory, ShelterFactory, SpaceFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Elements reaching past the right edge of the screen (what makes a page scroll sideways).
TOO_WIDE_JS = """
() => {
  const width = document.documentElement.clientWidth;
  const insideAScrollingBox = (el) => {
    for (let box = el.parentElement; box; box = box.parentElement) {
      if (getComputedStyle(box).overflowX !== 'visible') return true;
    }
    return false;
  };
  return [...document.querySelectorAll('body *')]
    .filter((el) => el.checkVisibility() && !insideAScrollingBox(el))
    .filter((el) => el.getBoundingClientRect().right > width + 0.5)
    .slice(0, 8).map((el) => el.outerHTML.slice(0, 100));
}
"""


@pytest.fixture
def city(live_server):
    cinema = ShelterFactory(name="Cinema Park", kind="cinema", district="Zhana Orda")
    auditorium = SpaceFactory(shelter=cinema, name="Auditorium 1", places=20)
    services.occupancy_change(
        space_id=auditorium.pk, delta=19, reason=OccupancyReason.COUNT, by=None
    )
    for number in range(2, 5):
        gym = ShelterFactory(name=f"School No. {number} gymnasium hall", kind="gym")
        SpaceFactory(shelter=gym, name="Main hall", places=100)
    HouseholdFactory(size=5, women_children_only=True, has_pets=True)
    HouseholdFactory(size=2, status=Household.Status.WAITING)
    coordinator = UserFactory(username="coordinator", is_staff=True)
    coordinator.user_permissions.add(Permission.objects.get(codename="coordinate"))
    return {"url": live_server.url, "cinema": cinema}


def _assert_no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"], page.evaluate(
        TOO_WIDE_JS
    )


@pytest.mark.parametrize("locale", ["ru-RU", "kk-KZ"])
def test_dashboard_and_a_shelters_panel_fit_a_phone(city, phone, locale):
    page = phone(locale)
    log_in(page, city["url"], "coordinator", "/dashboard/")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(OUTPUT / f"dashboard-phone-{locale[:2]}.png"), full_page=True)
    _assert_no_sideways_scroll(page)

    page.goto(f"{city['url']}/dashboard/shelters/{city['cinema'].pk}/")
    page.screenshot(path=str(OUTPUT / f"dashboard-shelter-phone-{locale[:2]}.png"), full_page=True)
    _assert_no_sideways_scroll(page)
