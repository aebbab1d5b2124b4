"""Every page of the URL resolver, as each role that may open it, checked as a person would use it.

At 360x640 in Russian and in Kazakh, and at 1366x768 in English, each page fails the test if
it scrolls sideways, if an interactive element is smaller than 44x44 px or covered by another
(the element at its centre and near its corners is not itself), if a refused form's first
error is outside the first screen, or (ru, kk) if interface text is left in English. Pages
come from the permissions matrix (itself checked against the resolver), so a new page is
covered without editing this test. A screenshot of every page is saved under
test-output/e2e/pages/. The admin keeps Django's own layout and is not walked here.
"""

from pathlib import Path

import pytest
from django.test import Client
from django.urls import reverse

from coordination.alerts.models import Alert
from coordination.alerts.services import alert_raise
from coordination.asks import services as ask_services
from coordination.households import services
from coordination.kit.slips import slip_token
from coordination.meals import services as meal_services
from coordination.models import Household
from shelter.models import MembershipRole
from tests.e2e.conftest import LAPTOP, OUTPUT, PHONE
from tests.factories import (
    HostOfferFactory,
    HouseholdFactory,
    MealOfferFactory,
    MembershipFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
)
from tests.test_permissions_matrix import EXPECTED

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

AUDIT = (Path(__file__).parent / "audit.js").read_text()
MINIMUM_TARGET = 44
ROLES = ["anonymous", "volunteer_a", "manager_a", "meal_provider", "coordinator"]
# Answers that are not pages (files, JSON, redirects): opened, but not audited.
NOT_PAGES = {"shelters_csv", "healthz", "readyz", "choose_language", "start", "logout"}
# Latin-script words that are the same in every language of the site.
ALLOWED = ["Wi", "Fi", "SMS", "CSV", "HXL", "API", "WhatsApp", "Telegram", "OpenStreetMap"]
# The seeded data in Latin script (user names, e-mails): data, not interface text.
USER_NAMES = {
    "volunteer_a": "aigerim",
    "manager_a": "manager",
    "meal_provider": "dastarkhan",
    "coordinator": "coordinator",
}


@pytest.fixture
def city(live_server):
    from django.core.cache import cache

    cache.clear()
    cinema = ShelterFactory(name="Кинотеатр Парк", address="ул. Ихсанова, 44", district="Центр")
    hall = SpaceFactory(shelter=cinema, name="Зал 1", places=60)
    SpaceFactory(shelter=cinema, name="Зал 2", places=40)
    gym = ShelterFactory(name="Спортзал Юность", address="пр. Достык, 2", district="Зачаганск")
    SpaceFactory(shelter=gym, name="Зал", places=120)
    people = {
        role: UserFactory(username=name, email=f"{name}@example.org", groups=[group])
        for (role, name), group in zip(
            USER_NAMES.items(),
            ["Volunteer", "Shelter manager", "Meal provider", "Coordinator"],
            strict=True,
        )
    }
    people["coordinator"].is_staff = True
    people["coordinator"].save()
    membership = MembershipFactory(shelter=cinema, user=people["volunteer_a"])
    MembershipFactory(shelter=cinema, user=people["manager_a"], role=MembershipRole.MANAGER)
    boss = people["coordinator"]
    staying = HouseholdFactory(registered_at=cinema, contact_name="Анна Петрова", size=3)
    stay = services.stay_check_in(household_id=staying.pk, space_id=hall.pk, by=boss)
    held = HouseholdFactory(registered_at=cinema, contact_name="Иван Смирнов", size=2)
    hold = services.hold_create(household_id=held.pk, space_id=hall.pk, by=boss)
    waiting = HouseholdFactory(registered_at=cinema, contact_name="Олег Ким", size=4)
    offer = MealOfferFactory(created_by=people["meal_provider"], provider="Кафе Дастархан")
    offer.provider.memberships.create(user=people["meal_provider"])  # it posts for the café
    claim = meal_services.meal_claim(offer_id=offer.pk, shelter_id=cinema.pk, portions=1, by=boss)
    alert = alert_raise(
        kind=Alert.Kind.NEARLY_FULL,
        level=Alert.Level.WARNING,
        params={"shelter": cinema.name, "taken": 54, "places": 60, "free": 6, "percent": 90},
        city=cinema.city,
        shelter_id=cinema.pk,
        key=f"nearly_full:shelter:{cinema.pk}",
    )
    asked = ask_services.ask_create(
        household=Household(contact_name="Аружан", size=3, children=1), where_now="border"
    )
    objects = {
        "ask_token": asked.token,
        "slip_token": slip_token(hold.pk),
        "alert": alert.pk,
        "shelter_a": cinema.pk,
        "household_a": staying.pk,
        "waiting_a": waiting.pk,
        "stay_a": stay.pk,
        "hold_a": hold.pk,
        "offer": offer.pk,
        "claim_a": claim.pk,
        "membership_a": membership.pk,
        "host_offer": HostOfferFactory(
            name="Гульнар",
            contact="+7 705 411 22 99",
            address="ул. Достык, 17, кв. 4",
            district="Зачаганск",
        ).pk,
    }
    data = [*USER_NAMES.values(), *(f"{name}@example.org" for name in USER_NAMES.values())]
    data += [cinema.city, offer.address, offer.place if hasattr(offer, "place") else ""]
    data += [asked.ask.code]  # an online request's code: Latin letters, not interface text
    return {"url": live_server.url, "people": people, "objects": objects, "data": data}


def _pages(role: str, objects: dict) -> list[tuple[str, str]]:
    pages = []
    for name, (method, arguments, expected) in sorted(EXPECTED.items()):
        if method != "get" or expected.get(role) != "ok" or name in NOT_PAGES:
            continue
        if name.startswith("api:") or (
            name.startswith("coordination:export_") and name != ("coordination:export_households")
        ):
            continue
        kwargs = {key: objects.get(value, value) for key, value in arguments.items()}
        pages.append((name, reverse(name, kwargs=kwargs)))
    return pages


def _log_in(context, url: str, user) -> None:
    if user is None:
        return
    client = Client()
    client.force_login(user)
    cookie = client.cookies["sessionid"]
    context.add_cookies([{"name": "sessionid", "value": cookie.value, "url": url}])


# The page's main form with its text emptied and its numbers negative, validation off.
FORM_TO_REFUSE = """() => {
    const fields = "input[type=text], input[type=number], input[type=email], textarea";
    const form = [...document.querySelectorAll("form[method=post]")].find(
        (f) => f.querySelector(fields));
    if (!form) return null;
    form.noValidate = true;
    for (const input of form.querySelectorAll("input[type=text], input[type=email], textarea"))
        input.value = "";
    for (const input of form.querySelectorAll("input[type=number]")) input.value = "-5";
    return form;
}"""
FIRST_ERROR = """() => {
    const error = document.querySelector(
        ".error-summary, .invalid-feedback, .errorlist, .alert-danger, [aria-invalid=true]");
    return error ? error.getBoundingClientRect().top : null;
}"""


def _first_error_on_screen(page) -> str | None:
    """Send the page's main form with its fields emptied or negative; where is the error?"""
    form = page.evaluate_handle(FORM_TO_REFUSE)
    if not form.json_value():
        return None
    with page.expect_navigation():
        form.evaluate("(form) => form.requestSubmit()")
    top = page.evaluate(FIRST_ERROR)
    if top is None:
        return None  # accepted: nothing to refuse in this form
    height = page.viewport_size["height"]
    return None if 0 <= top < height else f"first error {int(top)} px down, screen {height}"


def _walk(browser, city, *, viewport: dict, locale: str, roles: list[str]) -> list[str]:
    language = locale[:2]
    folder = OUTPUT / "pages"
    folder.mkdir(parents=True, exist_ok=True)
    problems = []
    for role in roles:
        context = browser.new_context(viewport=viewport, locale=locale)
        _log_in(context, city["url"], city["people"].get(role))
        page = context.new_page()
        for name, path in _pages(role, city["objects"]):
            response = page.goto(city["url"] + path)
            if response is None or response.status != 200:
                problems.append(f"{role} {path}: status {response and response.status}")
                continue
            if "text/html" not in response.headers.get("content-type", ""):
                continue
            found = page.evaluate(
                AUDIT,
                {
                    "minimum": MINIMUM_TARGET,
                    "language": language,
                    "data": city["data"],
                    "allowed": ALLOWED,
                },
            )
            shot = f"{language}-{viewport['width']}-{role}-{name.replace(':', '-')}.png"
            page.screenshot(path=str(folder / shot), full_page=True)
            error = _first_error_on_screen(page)
            if error:
                found.append(error)
            problems += [f"{role} {path} [{language} {viewport['width']}px]: {p}" for p in found]
        context.close()
    return problems


@pytest.mark.parametrize("locale", ["ru-RU", "kk-KZ"])
def test_every_page_on_a_phone(browser, city, locale):
    problems = _walk(browser, city, viewport=PHONE, locale=locale, roles=ROLES)
    assert problems == [], "\n".join(problems)


def test_every_page_on_a_laptop(browser, city):
    problems = _walk(browser, city, viewport=LAPTOP, locale="en-US", roles=ROLES)
    assert problems == [], "\n".join(problems)
