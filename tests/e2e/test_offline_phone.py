"""The offline app on a 360x640 phone: pages kept per user, counts queued and sent once."""

# ruff: noqa: RUF001  (Cyrillic is the point here)

from urllib.parse import urlsplit

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
from tests.e2e.conftest import BROWSER_ARGS, CHROMIUM, OUTPUT, PHONE, SCREENSHOTS
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

# The page sees no Background Sync (static/js/offline.js then leaves the sending to itself).
NO_BACKGROUND_SYNC = """Object.defineProperty(ServiceWorkerRegistration.prototype, "sync", {
  get: () => undefined,
});"""

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


def _volunteer_on_the_bed_count(gym, phone):
    """A volunteer logged in on a Russian phone at the gym's bed count, kept for offline use:
    (page, path)."""
    page = phone("ru-RU")
    path = f"/shelters/{gym['shelter'].pk}/"
    log_in(page, gym["url"], "aigerim", path)
    wait_until_kept(page, path)
    return page, path


def _count_offline(page, space, occupied: int) -> None:
    page.fill(f"#id_space-{space.pk}-occupied", str(occupied))
    page.click("#bed-count .save-bar button")
    page.wait_for_selector("#offline-list li.offline-waiting")


def _volunteer_events(space):
    return OccupancyEvent.objects.filter(space=space, by__username="aigerim")


def _wait_for_events(page, space, n: int) -> None:
    # page.wait_for_timeout, not time.sleep: Playwright's routes and events run meanwhile.
    for _ in range(150):
        if _volunteer_events(space).count() >= n:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"{_volunteer_events(space).count()} events, expected {n}")


def test_a_count_made_offline_waits_survives_a_reload_and_is_sent_once(gym, phone):
    page, path = _volunteer_on_the_bed_count(gym, phone)

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
        # As in a browser without Background Sync (Firefox, Safari): the page sends. With it,
        # Chromium wakes the worker with the browser, before this test can cut its network
        # (a phone really without signal could not send then); sync has its own tests.
        context.add_init_script(NO_BACKGROUND_SYNC)
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
    page, _path = _volunteer_on_the_bed_count(gym, phone)
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


def _at(path: str):
    """Matches the address `path` exactly (a glob would match the login's ?next= too)."""
    return lambda url: urlsplit(url).path == path


def _abort_posts(context, path: str):
    """A connection that says it is online and carries no form: every POST to `path` fails,
    the page's and the service worker's alike. Returns what puts the connection right."""

    aborted = []

    def cut(route):
        if route.request.method == "POST":
            aborted.append(route.request.url)
            route.abort("connectionfailed")
        else:
            route.continue_()

    matcher = _at(path)
    context.route(matcher, cut)

    def undo():
        context.unroute(matcher, cut)

    undo.aborted = aborted  # the POSTs failed so far
    return undo


def _log_out(page) -> None:
    if page.locator("details.site-menu").get_attribute("open") is None:
        page.click("summary")  # the phone's Menu
    page.click("form[data-logout] button:visible")


def test_logging_out_with_a_change_not_sent_asks_first_and_then_empties_the_phone(gym, phone):
    page = phone("en-US")
    path = f"/shelters/{gym['shelter'].pk}/"
    log_in(page, gym["url"], "aigerim", path)
    wait_until_kept(page, path)
    go_offline(page.context)
    page.reload()
    _count_offline(page, gym["space"], 12)
    # Back online, but this change cannot get through yet: it is still waiting at logout.
    _abort_posts(page.context, path)
    go_online(page.context)
    asked = []

    def say(dialog, accept: bool):
        asked.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda d: say(d, False))
    _log_out(page)
    for _ in range(100):
        if asked:
            break
        page.wait_for_timeout(100)
    assert asked == ["Changes not sent yet: 1. If you log out now, they are lost. Log out anyway?"]
    page.wait_for_timeout(300)
    assert page.url.endswith(path)  # "Cancel": still logged in, the change still waiting
    (entry,) = queue(page)
    assert entry["state"] == "waiting"

    page.once("dialog", lambda d: say(d, True))
    _log_out(page)
    page.wait_for_url("**/accounts/login/**")
    assert len(asked) == 2
    assert queue(page) == []
    assert not [name for name in cache_names(page) if name.startswith("page:")]
    assert not _volunteer_events(gym["space"]).exists()


def test_logging_out_online_sends_the_waiting_changes_first_without_asking(gym, phone):
    page = phone("en-US")
    path = f"/shelters/{gym['shelter'].pk}/"
    log_in(page, gym["url"], "aigerim", path)
    wait_until_kept(page, path)
    go_offline(page.context)
    page.reload()
    _count_offline(page, gym["space"], 12)
    cut = _abort_posts(page.context, path)
    go_online(page.context)  # the page tries at once, and fails
    for _ in range(100):
        if cut.aborted:
            break
        page.wait_for_timeout(100)
    assert cut.aborted and queue(page)[0]["state"] == "waiting"
    cut()  # now it would get through
    asked = []
    page.on("dialog", lambda d: (asked.append(d.message), d.dismiss()))
    _log_out(page)
    page.wait_for_url("**/accounts/login/**")
    assert asked == []
    (event,) = _volunteer_events(gym["space"])
    assert event.after == 12
    assert queue(page) == []


def test_another_user_never_sees_the_kept_pages_nor_sends_the_queue(gym, phone):
    page, path = _volunteer_on_the_bed_count(gym, phone)
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
    page, path = _volunteer_on_the_bed_count(gym, phone)
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


def _coordinator_finding_a_place(gym, phone):
    """A coordinator on a waiting household's "find a place" page, kept for offline use:
    (page, household, path)."""
    UserFactory(username="dana", groups=["Coordinator"], is_staff=True)
    household = HouseholdFactory(size=3)
    page = phone("ru-RU")
    path = f"/households/{household.pk}/place/"
    log_in(page, gym["url"], "dana", path)
    wait_until_kept(page, path)
    return page, household, path


def test_a_queued_check_in_into_a_space_that_filled_meanwhile_is_reported_not_applied(gym, phone):
    page, household, _path = _coordinator_finding_a_place(gym, phone)
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


def _sync(cdp, page) -> None:
    """Fire the worker's "send-queue" Background Sync now, as Chromium does when the phone
    gets its signal back (by itself it waits minutes between tries, too long for a test)."""
    registrations = []
    cdp.on(
        "ServiceWorker.workerRegistrationUpdated",
        lambda e: registrations.extend(e["registrations"]),
    )
    cdp.send("ServiceWorker.disable")  # enabled anew, it lists the registrations again
    cdp.send("ServiceWorker.enable")
    for _ in range(50):
        if registrations:
            break
        page.wait_for_timeout(100)
    # Each enabling lists them again (and earlier listeners hear it too): one per id.
    live = {r["registrationId"]: r for r in registrations if not r.get("isDeleted")}
    assert len(live) == 1, registrations
    (registration,) = live.values()
    cdp.send(
        "ServiceWorker.dispatchSyncEvent",
        {
            "origin": registration["scopeURL"].rstrip("/"),
            "registrationId": registration["registrationId"],
            "tag": "send-queue",
            "lastChance": False,
        },
    )


def _posts_seen(context, path: str) -> list[str]:
    """Who sent each POST to `path`: "worker" (the service worker) or "page"."""
    seen = []

    def note(route):
        if route.request.method == "POST":
            seen.append("worker" if route.request.service_worker else "page")
        route.fallback()

    context.route(_at(path), note)
    return seen


def test_a_count_queued_offline_is_sent_by_background_sync_with_no_page_open(gym, phone):
    page, path = _volunteer_on_the_bed_count(gym, phone)
    context = page.context
    go_offline(context)
    page.reload()
    _count_offline(page, gym["space"], 12)
    assert [e["state"] for e in queue(page)] == ["waiting"]

    blank = context.new_page()  # keeps the phone's browser open: no page of the site
    cdp = context.new_cdp_session(blank)
    page.close()
    # Noted from now on (Chromium may also try by itself, while the network is still cut).
    seen = _posts_seen(context, path)
    go_online(context)
    _sync(cdp, blank)
    _wait_for_events(blank, gym["space"], 1)
    assert [p.url for p in context.pages] == ["about:blank"]
    assert seen and set(seen) == {"worker"}
    (event,) = _volunteer_events(gym["space"])  # exactly one history event
    assert (event.before, event.after) == (10, 12)

    page = context.new_page()
    page.goto(gym["url"] + path)
    page.wait_for_function(NOTHING_LISTED)
    assert queue(page) == []
    assert page.locator("#offline-count").is_hidden()
    assert _volunteer_events(gym["space"]).count() == 1


def test_the_page_and_background_sync_sending_together_apply_the_count_once(gym, phone):
    page, path = _volunteer_on_the_bed_count(gym, phone)
    context = page.context
    go_offline(context)
    page.reload()
    _count_offline(page, gym["space"], 12)
    cdp = context.new_cdp_session(page)

    seen = _posts_seen(context, path)
    with page.expect_navigation():  # the page sends it (then shows today's figures)...
        go_online(context)
        _sync(cdp, page)  # ...and, at the same moment, the worker tries too
    page.wait_for_function(NOTHING_LISTED, timeout=10000)
    page.wait_for_timeout(1000)
    assert queue(page) == []
    assert len(seen) == 1  # one sender at a time: the second found nothing left to send
    (event,) = _volunteer_events(gym["space"])
    assert event.after == 12


def test_a_sync_after_a_new_login_sends_with_the_new_session_and_token(gym, phone):
    page, path = _volunteer_on_the_bed_count(gym, phone)
    context = page.context
    go_offline(context)
    page.reload()
    _count_offline(page, gym["space"], 12)
    Session.objects.all().delete()  # the login expired while the phone had no signal
    blank = context.new_page()
    cdp = context.new_cdp_session(blank)

    # Without a session the worker sends nothing and the change keeps waiting.
    page.close()
    go_online(context)
    _sync(cdp, blank)
    blank.wait_for_timeout(1500)
    assert not _volunteer_events(gym["space"]).exists()

    page = context.new_page()
    # Logging in rotates the CSRF token; the page's own sending is held back (its POST
    # fails) so that the worker is the one to send, with the new token it asks for.
    seen = _posts_seen(context, path)  # below the cut: only what gets through is noted
    cut = _abort_posts(context, path)
    log_in(page, gym["url"], "aigerim", path)
    page.wait_for_selector("#offline-list li.offline-waiting")
    for _ in range(100):  # the page tried and failed
        if cut.aborted:
            break
        page.wait_for_timeout(100)
    assert cut.aborted and not _volunteer_events(gym["space"]).exists()
    page.close()
    cut()
    _sync(cdp, blank)  # (Chromium may have tried again by itself: the worker too)
    _wait_for_events(blank, gym["space"], 1)
    assert seen == ["worker"]
    assert _volunteer_events(gym["space"]).get().after == 12


def test_a_count_saved_online_that_the_network_fails_waits_and_is_sent_once(gym, phone):
    page, path = _volunteer_on_the_bed_count(gym, phone)
    cut = _abort_posts(page.context, path)  # "connected", but no form gets through

    page.fill(f"#id_space-{gym['space'].pk}-occupied", "12")
    page.click("#bed-count .save-bar button")
    page.wait_for_selector("#offline-list li.offline-waiting")
    assert page.evaluate("navigator.onLine") is True
    assert page.url.endswith(path)  # the page it was on, not the browser's error page
    assert page.locator("#offline-count").inner_text() == "Ждут отправки: 1"
    (entry,) = queue(page)
    assert entry["state"] == "waiting" and len(entry["id"]) == 36
    page.screenshot(path=str(OUTPUT / "offline-online-post-failed-ru.png"))
    assert not _volunteer_events(gym["space"]).exists()

    cut()
    page.goto(gym["url"] + path)  # any page of the site, once something gets through
    wait_until_sent(page)
    page.wait_for_function(NOTHING_LISTED, timeout=10000)
    (event,) = _volunteer_events(gym["space"])  # exactly once
    assert (event.before, event.after) == (10, 12)


def test_a_count_saved_online_still_goes_as_a_plain_form_and_leaves_nothing_queued(gym, phone):
    page, _path = _volunteer_on_the_bed_count(gym, phone)
    page.fill(f"#id_space-{gym['space'].pk}-occupied", "12")
    with page.expect_navigation():
        page.click("#bed-count .save-bar button")
    page.wait_for_load_state()
    assert page.locator(".alert-success").count() == 1  # the server's own answer
    assert queue(page) == []
    assert page.locator("#offline-queue").is_hidden()
    (event,) = _volunteer_events(gym["space"])
    assert event.after == 12


def test_a_check_in_the_network_fails_while_online_waits_on_the_page_it_came_from(gym, phone):
    page, household, path = _coordinator_finding_a_place(gym, phone)
    cut = _abort_posts(page.context, f"/households/{household.pk}/check-in/")
    page.click("form[action$='/check-in/'] button")
    page.wait_for_selector("#offline-list li.offline-waiting")
    assert page.url.endswith(path)  # back on the page it was sent from, not an error page
    assert household.code in page.locator("#offline-list").inner_text()
    assert not Stay.objects.filter(household=household).exists()

    cut()
    page.goto(gym["url"] + path)
    wait_until_sent(page)
    assert Stay.objects.filter(household=household).count() == 1
    assert Space.objects.get(pk=gym["space"].pk).occupied == 13


def test_pages_with_nothing_waiting_ask_the_server_nothing_more(gym, phone):
    """The queue asks /offline/state only when a change waits: a volunteer's page views are
    not doubled (and a bad network not burdened) by an empty queue."""
    page, _path = _volunteer_on_the_bed_count(gym, phone)
    asked = []
    page.context.on("request", lambda r: asked.append(r.url) if "/offline/state" in r.url else None)
    for _ in range(3):
        page.reload()
        page.wait_for_load_state("networkidle")
    assert asked == []
    # With a change waiting, the page asks before sending it, and sends it once.
    go_offline(page.context)
    page.reload()
    _count_offline(page, gym["space"], 12)
    with page.expect_navigation():  # sent, then the kept page makes way for today's
        go_online(page.context)
    wait_until_sent(page)
    assert any("/offline/state" in url for url in asked)
    assert _volunteer_events(gym["space"]).count() == 1
