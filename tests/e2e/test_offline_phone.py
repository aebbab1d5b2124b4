"""The offline app on a 360x640 phone: pages kept per user, counts queued and sent once."""

# ruff: noqa: RUF001  (Cyrillic is the point here)

import pytest
from django.contrib.auth.models import User
from django.contrib.sessions.models import Session
from django.utils import timezone
from playwright.sync_api import Error as PlaywrightError

from coordination import public
from coordination.models import Stay
from coordination.offline.keys import offline_user_key
from shelter import services
from shelter.models import OccupancyEvent, OccupancyReason, Space
from tests.e2e.accounts import log_in
from tests.e2e.conftest import BROWSER_ARGS, CHROMIUM, PHONE, SCREENSHOTS
from tests.e2e.offline import (
    cache_names,
    go_offline,
    go_online,
    queue,
    wait_until_kept,
    wait_until_sent,
)
from tests.factories import (
    PASSWORD,
    HouseholdFactory,
    MembershipFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
)

# A function, not an expression: the page's CSP forbids evaluating strings.
NOTHING_LISTED = "() => !document.querySelector('#offline-list li')"

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def gym(live_server):
    shelter = ShelterFactory(name="School gym")
    space = SpaceFactory(shelter=shelter, name="Hall", places=40)
    services.occupancy_change(space_id=space.pk, delta=10, reason=OccupancyReason.COUNT, by=None)
    for name in ("aigerim", "bolat"):
        MembershipFactory(shelter=shelter, user=UserFactory(username=name, groups=["Volunteer"]))
    return {"url": live_server.url, "shelter": shelter, "space": space}


def _count_offline(page, space, occupied: int) -> None:
    page.fill(f"#id_space-{space.pk}-occupied", str(occupied))
    page.click("#bed-count .save-bar button")
    page.wait_for_selector("#offline-list li.offline-waiting")


def _volunteer_events(space):
    return OccupancyEvent.objects.filter(space=space, by__username="aigerim")


def test_a_count_made_offline_waits_survives_a_reload_and_is_sent_once(gym, phone):
    page = phone("ru-RU")
    path = f"/shelters/{gym['shelter'].pk}/"
    log_in(page, gym["url"], "aigerim", path)
    wait_until_kept(page, path)

    go_offline(page.context)
    page.reload()
    assert page.locator("body").get_attribute("data-from") == "cache"
    banner = page.locator("#offline-banner")
    assert banner.is_visible() and "Нет связи" in banner.inner_text()
    _count_offline(page, gym["space"], 12)
    assert page.locator("#offline-count").inner_text() == "Ждут отправки: 1"
    assert "Ждёт отправки" in page.locator("#offline-list").inner_text()
    (entry,) = queue(page)
    assert entry["state"] == "waiting" and len(entry["id"]) == 36  # the form's submission id
    page.screenshot(path=str(SCREENSHOTS / "offline-count-waiting-ru.png"))

    page.reload()  # still offline: the kept page, the change still waiting
    page.wait_for_selector("#offline-list li.offline-waiting")
    assert not _volunteer_events(gym["space"]).exists()

    with page.expect_navigation():  # sent, then the kept page makes way for today's
        go_online(page.context)
    page.wait_for_function(NOTHING_LISTED, timeout=10000)
    assert page.locator("#offline-count").is_hidden()
    assert page.locator("body").get_attribute("data-from") == "network"
    assert page.locator("#offline-banner").is_hidden()
    assert queue(page) == []
    (event,) = _volunteer_events(gym["space"])  # exactly one history event
    assert (event.before, event.after) == (10, 12)
    assert Space.objects.get(pk=gym["space"].pk).occupied == 12

    # Sent again (a lost answer, a second tab): the server applies it once.
    response = page.request.post(
        gym["url"] + path,
        form=dict(pair.split("=", 1) for pair in entry["body"].split("&")),
        headers={
            "Accept": "application/json",
            "X-CSRFToken": next(
                c["value"] for c in page.context.cookies() if c["name"] == "csrftoken"
            ),
            "Referer": gym["url"] + path,
        },
    )
    assert response.json()["ok"] is True
    assert _volunteer_events(gym["space"]).count() == 1


def test_a_queued_count_survives_a_browser_restart_while_offline(gym, playwright, tmp_path):
    def launch():
        context = playwright.chromium.launch_persistent_context(
            str(tmp_path / "profile"),
            executable_path=CHROMIUM,
            args=BROWSER_ARGS,
            viewport=PHONE,
            locale="ru-RU",
        )
        return context, (context.pages[0] if context.pages else context.new_page())

    path = f"/shelters/{gym['shelter'].pk}/"
    context, page = launch()
    log_in(page, gym["url"], "aigerim", path)
    wait_until_kept(page, path)
    go_offline(context)
    page.reload()
    _count_offline(page, gym["space"], 15)
    context.close()

    context, page = launch()  # the phone restarted, still without signal
    try:
        go_offline(context)
        page.goto(gym["url"] + path)
        page.wait_for_selector("#offline-list li.offline-waiting")
        assert not _volunteer_events(gym["space"]).exists()
        with page.expect_navigation():
            go_online(context)
        page.wait_for_function(NOTHING_LISTED, timeout=10000)
        (event,) = _volunteer_events(gym["space"])
        assert event.after == 15
    finally:
        context.close()


def test_the_public_page_opens_offline_with_its_age(gym, phone):
    page = phone("ru-RU")
    page.goto(gym["url"] + "/")
    wait_until_kept(page, "/")
    go_offline(page.context)
    page.reload()
    banner = page.wait_for_selector("#offline-banner", state="visible")
    built = public.snapshot().built_at
    assert banner.inner_text() == f"Нет связи: данные на {timezone.localtime(built):%H:%M}"
    assert "School gym" in page.locator("main").inner_text()
    page.screenshot(path=str(SCREENSHOTS / "offline-public-ru.png"))
    # Nothing personal: the public page is kept for nobody in particular.
    assert all(":anon:" in f"{n}:" or not n.startswith("page:") for n in cache_names(page))


def test_a_refused_count_is_shown_with_why_and_kept_until_dismissed(gym, phone):
    page = phone("ru-RU")
    path = f"/shelters/{gym['shelter'].pk}/"
    log_in(page, gym["url"], "aigerim", path)
    wait_until_kept(page, path)
    go_offline(page.context)
    page.reload()
    _count_offline(page, gym["space"], 45)  # 40 places: the server refuses it on arrival

    with page.expect_navigation():
        go_online(page.context)
    refused = page.wait_for_selector("#offline-list li.offline-refused", timeout=10000)
    text = refused.inner_text()
    assert "Подсчёт мест: School gym" in text and "Не принято" in text
    assert "Hall" in text  # which row, and the server's reason
    assert "внесите его заново" in text  # what to do
    assert page.locator("#offline-count").is_hidden()  # nothing waits any more
    page.screenshot(path=str(SCREENSHOTS / "offline-refused-ru.png"))
    assert not _volunteer_events(gym["space"]).exists()

    page.reload()
    page.wait_for_selector("#offline-list li.offline-refused")  # kept until dismissed
    page.click("#offline-list button[data-dismiss]")
    page.wait_for_function(NOTHING_LISTED)
    assert queue(page) == [] and page.locator("#offline-queue").is_hidden()


def test_logging_out_empties_the_queue_and_the_kept_pages(gym, phone):
    page = phone("ru-RU")
    path = f"/shelters/{gym['shelter'].pk}/"
    log_in(page, gym["url"], "aigerim", path)
    wait_until_kept(page, path)
    go_offline(page.context)
    page.reload()
    _count_offline(page, gym["space"], 12)
    # Back online, but this change cannot get through yet: it is still waiting at logout.
    page.route(f"**{path}", lambda r: r.abort() if r.request.method == "POST" else r.continue_())
    go_online(page.context)
    page.click("summary")  # the phone's Menu
    page.click("form[data-logout] button:visible")
    page.wait_for_url("**/accounts/login/**")
    assert queue(page) == []
    assert not [name for name in cache_names(page) if name.startswith("page:")]
    assert not _volunteer_events(gym["space"]).exists()


def test_another_user_never_sees_the_kept_pages_nor_sends_the_queue(gym, phone):
    page = phone("ru-RU")
    path = f"/shelters/{gym['shelter'].pk}/"
    log_in(page, gym["url"], "aigerim", path)
    wait_until_kept(page, path)
    go_offline(page.context)
    page.reload()
    _count_offline(page, gym["space"], 12)
    aigerim = offline_user_key(User.objects.get(username="aigerim"))

    # Her session ends without a logout (the phone passed on); Bolat logs in on it.
    page.context.clear_cookies()
    go_online(page.context)
    page.wait_for_selector("#offline-login", state="visible")  # her change waits for her
    log_in(page, gym["url"], "bolat", "/shelters/mine/")
    wait_until_sent(page)
    wait_until_kept(page, "/shelters/mine/")
    assert queue(page) == []  # deleted, never sent
    assert not [name for name in cache_names(page) if aigerim in name]
    go_offline(page.context)
    with pytest.raises(PlaywrightError):  # her bed-count page is not his to see, even offline
        page.goto(gym["url"] + path)
    assert not OccupancyEvent.objects.filter(space=gym["space"]).exclude(by=None).exists()


def test_an_expired_session_asks_to_log_in_again_then_sends_the_queue(gym, phone):
    page = phone("ru-RU")
    path = f"/shelters/{gym['shelter'].pk}/"
    log_in(page, gym["url"], "aigerim", path)
    wait_until_kept(page, path)
    go_offline(page.context)
    page.reload()
    _count_offline(page, gym["space"], 12)
    Session.objects.all().delete()  # the login expired while the phone had no signal

    go_online(page.context)
    ask = page.wait_for_selector("#offline-login", state="visible", timeout=10000)
    assert "Войдите снова" in ask.inner_text()
    assert page.locator("#offline-count").inner_text() == "Ждут отправки: 1"
    page.click("#offline-login a")
    page.fill("#id_username", "aigerim")
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(f"**{path}")
    # A new session and CSRF token: the change goes with the new ones.
    wait_until_sent(page)
    (event,) = _volunteer_events(gym["space"])
    assert event.after == 12


def test_a_queued_check_in_into_a_space_that_filled_meanwhile_is_reported_not_applied(gym, phone):
    UserFactory(username="dana", groups=["Coordinator"], is_staff=True)
    household = HouseholdFactory(size=3)
    page = phone("ru-RU")
    path = f"/households/{household.pk}/place/"
    log_in(page, gym["url"], "dana", path)
    wait_until_kept(page, path)
    go_offline(page.context)
    page.reload()
    page.click("form[action$='/check-in/'] button")
    page.wait_for_selector("#offline-list li.offline-waiting")
    assert household.code in page.locator("#offline-list").inner_text()
    # Meanwhile, at the door: the other 30 places are taken.
    services.occupancy_change(
        space_id=gym["space"].pk, delta=30, reason=OccupancyReason.COUNT, by=None
    )

    with page.expect_navigation():
        go_online(page.context)
    refused = page.wait_for_selector("#offline-list li.offline-refused", timeout=10000)
    assert "Не принято" in refused.inner_text() and household.code in refused.inner_text()
    page.screenshot(path=str(SCREENSHOTS / "offline-check-in-refused-ru.png"))
    assert not Stay.objects.filter(household=household).exists()
    assert Space.objects.get(pk=gym["space"].pk).occupied == 40
