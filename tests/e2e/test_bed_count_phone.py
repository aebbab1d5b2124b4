"""The volunteer's bed-count page on a 360x640 phone: the sticky Save bar takes every tap."""

import pytest

from shelter import services
from shelter.models import OccupancyEvent, OccupancyReason, Space
from tests.e2e.accounts import log_in
from tests.e2e.conftest import OUTPUT
from tests.factories import MembershipFactory, ShelterFactory, SpaceFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

# Points of the bar that must be the bar itself: its centre, (1 px inside) its corners and
# the point about to be tapped.
BAR_POINTS_JS = """
(tapX) => {
  const bar = document.querySelector('.save-bar').getBoundingClientRect();
  const points = [
    [bar.left + bar.width / 2, bar.top + bar.height / 2], [tapX, bar.top + bar.height / 2],
    [bar.left + 1, bar.top + 1], [bar.right - 1, bar.top + 1],
    [bar.left + 1, bar.bottom - 1], [bar.right - 1, bar.bottom - 1],
  ];
  return points.map(([x, y]) => {
    const hit = document.elementFromPoint(x, y);
    const inBar = !!(hit && hit.closest('.save-bar'));
    return {x, y, inBar, hit: hit && hit.outerHTML.slice(0, 80)};
  });
}
"""


@pytest.fixture
def cinema(live_server):
    shelter = ShelterFactory(name="Cinema Park")
    spaces = []
    for number in range(1, 7):
        space = SpaceFactory(shelter=shelter, name=f"Auditorium {number}", places=40)
        services.occupancy_change(
            space_id=space.pk, delta=31, reason=OccupancyReason.COUNT, by=None
        )
        spaces.append(space)
    volunteer = UserFactory(username="aigerim", groups=["Volunteer"])
    MembershipFactory(shelter=shelter, user=volunteer)
    return {"url": live_server.url, "shelter": shelter, "spaces": spaces}


def _scroll_row_behind_the_bar(page, space) -> None:
    """Scroll so that the space's "-" button sits right behind the bar's middle."""
    page.evaluate(
        """(target) => {
          const minus = document.querySelector(`button[data-target="${target}"][data-step="-1"]`);
          const bar = document.querySelector('.save-bar').getBoundingClientRect();
          const button = minus.getBoundingClientRect();
          // "instant": Bootstrap scrolls smoothly, and the test measures right after.
          const by = (button.top + button.height / 2) - (bar.top + bar.height / 2);
          window.scrollBy({ top: by, behavior: "instant" });
        }""",
        f"id_space-{space.pk}-occupied",
    )


@pytest.mark.parametrize("x", [5, 40, 180, 320, 355])
def test_a_tap_anywhere_on_the_save_bar_saves_and_changes_no_count(cinema, phone, x):
    page = phone("ru-RU")
    path = f"/shelters/{cinema['shelter'].pk}/"
    log_in(page, cinema["url"], "aigerim", path)
    behind = cinema["spaces"][2]  # Auditorium 3, as on the volunteer's phone
    _scroll_row_behind_the_bar(page, behind)

    bar = page.locator(".save-bar").bounding_box()
    assert bar["x"] <= 0 and bar["x"] + bar["width"] >= 360, "the bar spans the screen"
    assert bar["y"] + bar["height"] <= 640 + 0.5, "the bar is on the screen, at its bottom"
    # The row really is behind the bar: its "-" button and the bar overlap.
    minus = page.locator(f"button[data-target='id_space-{behind.pk}-occupied'][data-step='-1']")
    box = minus.bounding_box()
    assert box["y"] < bar["y"] + bar["height"] and box["y"] + box["height"] > bar["y"]
    for point in page.evaluate(BAR_POINTS_JS, x):
        assert point["inBar"], point
    if x == 40:  # what the volunteer sees: the first screen, not the whole page
        OUTPUT.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(OUTPUT / "bed-count-save-bar-over-rows-ru.png"))

    with page.expect_navigation(timeout=5000):
        page.mouse.click(x, bar["y"] + bar["height"] / 2)
    assert page.url.endswith(path)  # redirected after the save
    assert page.locator(".alert-success").count() == 1, "the form was submitted and saved"
    assert list(Space.objects.order_by("name").values_list("occupied", flat=True)) == [31] * 6
    # The save recorded a confirmation of each row (a count event with no change).
    confirmations = OccupancyEvent.objects.filter(by__username="aigerim")
    assert confirmations.count() == 6
    assert all(event.before == event.after == 31 for event in confirmations)
