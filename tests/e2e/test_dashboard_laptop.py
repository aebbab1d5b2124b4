"""A coordinator's laptop: the dashboard follows a volunteer's count made on another device,
shows the nearly-full alert that count raised, and the coordinator acknowledges it."""

import pytest
from django.contrib.auth.models import Permission
from playwright.sync_api import expect

from shelter import services
from shelter.models import OccupancyReason
from tests.factories import MembershipFactory, ShelterFactory, SpaceFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PASSWORD = "correct-horse-battery"


@pytest.fixture
def city(live_server):
    cinema = ShelterFactory(name="Cinema Park", kind="cinema")
    auditorium = SpaceFactory(shelter=cinema, name="Auditorium 1", places=20)
    services.occupancy_change(
        space_id=auditorium.pk, delta=15, reason=OccupancyReason.COUNT, by=None
    )
    gym = ShelterFactory(name="Yunost gym", kind="gym")
    SpaceFactory(shelter=gym, name="Main hall", places=100)
    coordinator = UserFactory(username="coordinator", is_staff=True)
    # The permission itself: transactional tests that ran before flushed the groups that the
    # migrations made (post_migrate makes the permissions again, not the groups).
    coordinator.user_permissions.add(Permission.objects.get(codename="coordinate"))
    volunteer = UserFactory(username="aigerim", groups=["Volunteer"])
    MembershipFactory(shelter=cinema, user=volunteer)
    return {"url": live_server.url, "cinema": cinema, "auditorium": auditorium}


def _log_in(page, url, username, next_path):
    page.goto(f"{url}/accounts/login/?next={next_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{next_path}")


def _figure(page, name) -> str:
    return page.locator(f"#fig-{name} .figure").inner_text()


def test_the_coordinator_sees_a_volunteers_count_arrive(city, laptop, phone, screenshot):
    dashboard = laptop()
    _log_in(dashboard, city["url"], "coordinator", "/dashboard/")
    assert _figure(dashboard, "occupied") == "15"
    assert _figure(dashboard, "free") == "105"
    first_row = dashboard.locator("table.shelters-table tbody tr").first
    # never counted comes before a shelter 75% used
    assert first_row.locator("td").first.inner_text().startswith("Yunost gym")
    assert "possibly out of date" in first_row.inner_text()
    assert dashboard.locator("svg.chart").count() == 2

    # A volunteer, on her own phone (another browser context), counts four more people in.
    counting = phone()
    _log_in(counting, city["url"], "aigerim", f"/shelters/{city['cinema'].pk}/")
    occupied = f"#id_space-{city['auditorium'].pk}-occupied"
    counting.fill(occupied, "19")
    counting.click("div.save-bar button")
    assert "occupied 15 → 19" in counting.locator(".alert-success").inner_text()

    # The dashboard picks it up by itself once live refresh is on (it asks at once, then
    # every 30 s), without reloading the page.
    dashboard.check("#live-refresh")
    # (a locator assertion: the page's CSP rightly refuses Playwright's string evaluation)
    expect(dashboard.locator("#fig-occupied .figure")).to_have_text("19", timeout=10_000)
    assert _figure(dashboard, "free") == "101"
    assert _figure(dashboard, "used") == "16%"
    # 95% used: nearly full, so now the first row
    assert first_row.locator("td").first.inner_text().startswith("Cinema Park")
    cinema_row = dashboard.locator("tr", has_text="Cinema Park")
    assert "aigerim" in cinema_row.inner_text()
    assert cinema_row.locator("meter").get_attribute("value") == "95"
    assert dashboard.locator("#live-refresh").is_checked()

    # The count passed 90%: a nearly-full alert, in the panel, the figure and the table.
    alert = dashboard.locator("#alerts .alert-item", has_text="Cinema Park")
    expect(alert).to_have_count(1, timeout=10_000)
    assert "95%" in alert.inner_text() or "19" in alert.inner_text()
    assert int(_figure(dashboard, "alerts")) >= 1
    screenshot(dashboard, "dashboard-laptop")
    alert.get_by_role("button", name="Acknowledge").click()
    dashboard.wait_for_load_state()
    assert "Acknowledged" in dashboard.locator(".alert-success").inner_text()
    expect(dashboard.locator("#alerts .alert-item", has_text="Cinema Park")).to_have_count(0)
    screenshot(dashboard, "dashboard-alert-acknowledged")

    # The shelter's panel, one click away: the status actions and the charts.
    cinema_row.get_by_role("link", name="Manage").click()
    dashboard.wait_for_url(f"**/dashboard/shelters/{city['cinema'].pk}/")
    dashboard.get_by_role("button", name="Mark full").click()
    assert "Cinema Park is marked full" in dashboard.locator(".alert-success").inner_text()
    assert "Marked full" in dashboard.locator(".audit-log").inner_text()
    screenshot(dashboard, "dashboard-shelter-laptop")
