"""The first load of every page a volunteer or coordinator uses weighs at most 50 KB.

Each page is opened in a fresh browser context (empty cache, as a phone on its first visit),
logged in, from a server that serves the app as production and the demo do (collected,
compressed static files through WhiteNoise: the `production_server` fixture). The bytes
counted are those Chromium received over the network for the page and everything it loaded
(HTML, CSS, JS, images; response headers included), as its DevTools protocol reports them
(`Network.loadingFinished.encodedDataLength`). Deterministic: sizes, not times (the slow-3G
times are in tests/bench/bench_slow3g.py).
"""

import pytest

from coordination.households import services
from shelter.models import MembershipRole
from tests.e2e.accounts import log_in
from tests.e2e.conftest import PHONE
from tests.factories import (
    HouseholdFactory,
    MealOfferFactory,
    MembershipFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BUDGET = 50_000  # bytes, compressed, for one page's first load with its CSS and JS
COMPRESSED_TYPES = ("text/html", "text/css", "javascript")


@pytest.fixture
def city(production_server):
    cinema = ShelterFactory(name="Кинотеатр Парк", address="ул. Ихсанова, 44")
    spaces = [SpaceFactory(shelter=cinema, name=f"Зал {n}", places=30) for n in range(1, 11)]
    school = ShelterFactory(name="Школа № 9, спортзал", address="ул. Жангир хана, 9")
    SpaceFactory(shelter=school, name="Спортзал", places=80)
    volunteer = UserFactory(username="aigerim", groups=["Volunteer"])
    MembershipFactory(shelter=cinema, user=volunteer)
    MembershipFactory(shelter=school, user=volunteer)
    manager = UserFactory(username="manager", groups=["Shelter manager"])
    MembershipFactory(shelter=cinema, user=manager, role=MembershipRole.MANAGER)
    coordinator = UserFactory(username="coordinator", groups=["Coordinator"], is_staff=True)
    staying = HouseholdFactory(registered_at=cinema, contact_name="Анна Петрова", size=3)
    services.stay_check_in(household_id=staying.pk, space_id=spaces[0].pk, by=coordinator)
    for n in range(8):
        HouseholdFactory(registered_at=cinema, contact_name=f"Семья {n}", size=2 + n % 3)
    waiting = HouseholdFactory(registered_at=cinema, contact_name="Олег Ким", size=4)
    for provider in ("Кафе Дастархан", "Кухня при храме", "Домашняя кухня Айгуль"):
        MealOfferFactory(created_by=coordinator, provider__name=provider)
    return {
        "url": production_server,
        "volunteer_pages": [
            "/shelters/mine/",
            f"/shelters/{cinema.pk}/",
            "/households/waiting/",
            f"/households/{waiting.pk}/place/",
            f"/households/{staying.pk}/",
            "/meals/",
        ],
        "coordinator_pages": [
            "/dashboard/",
            f"/dashboard/shelters/{cinema.pk}/",
            "/alerts/",
        ],
    }


def first_load(browser, url: str, storage_state: dict) -> list[dict]:
    """Open url in a new context (empty cache) with these cookies; one dict per response."""
    context = browser.new_context(viewport=PHONE, locale="ru-RU", storage_state=storage_state)
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    responses = {}

    def received(event):
        response = event["response"]
        headers = {name.lower(): value for name, value in response["headers"].items()}
        responses[event["requestId"]] = {
            "url": response["url"],
            "status": response["status"],
            "type": response["mimeType"],
            "encoding": headers.get("content-encoding", ""),
            "bytes": 0,
        }

    def finished(event):
        if event["requestId"] in responses:
            responses[event["requestId"]]["bytes"] = int(event["encodedDataLength"])

    cdp.on("Network.responseReceived", received)
    cdp.on("Network.loadingFinished", finished)
    cdp.send("Network.enable")
    page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    context.close()
    return list(responses.values())


def _session(browser, url: str, username: str, next_path: str) -> dict:
    """Log in through the login form, in Chromium; the cookies for the fresh contexts."""
    context = browser.new_context(viewport=PHONE, locale="ru-RU")
    page = context.new_page()
    log_in(page, url, username, next_path)
    state = context.storage_state()
    context.close()
    return state


def test_first_load_of_every_logged_in_page_is_compressed_and_under_50_kb(browser, city):
    url = city["url"]
    problems, weights = [], []
    for username, pages in (
        ("aigerim", city["volunteer_pages"]),
        ("coordinator", city["volunteer_pages"] + city["coordinator_pages"]),
    ):
        state = _session(browser, url, username, pages[0])
        for path in pages:
            responses = first_load(browser, url + path, state)
            document = responses[0]
            assert document["url"] == url + path and document["status"] == 200, document
            total = sum(response["bytes"] for response in responses)
            weights.append(f"{username} {path}: {total:,} bytes in {len(responses)} responses")
            if total > BUDGET:
                problems.append(f"{username} {path}: {total:,} bytes > {BUDGET:,}")
            for response in responses:
                textual = any(kind in response["type"] for kind in COMPRESSED_TYPES)
                if textual and response["encoding"] not in ("gzip", "br"):
                    problems.append(f"{username} {path}: {response['url']} not compressed")
            loaded = {response["type"] for response in responses}
            assert {"text/html", "text/css"} <= loaded, f"{path}: its CSS was not loaded"
    print("\n".join(weights))
    assert problems == [], "\n".join(problems)
