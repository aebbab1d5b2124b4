"""Every URL of the project, requested in every role, answers as expected.

URLs are gathered from the resolver, so a new view without a line in EXPECTED fails here.
"ok" means served (200, or 302/409 after an action), "login" a redirect to the login page.
The admin is left to Django's own staff check (tests/*/test_admin.py).
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from coordination.alerts.models import Alert
from coordination.alerts.services import alert_raise
from coordination.asks import services as ask_services
from coordination.households import services
from coordination.kit.slips import slip_token
from coordination.meals import services as meal_services
from coordination.models import Household
from shelter.models import MembershipRole
from tests.factories import (
    HostOfferFactory,
    HouseholdFactory,
    MealOfferFactory,
    MembershipFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
)

ROLES = ["anonymous", "volunteer_a", "volunteer_b", "manager_a", "meal_provider", "coordinator"]

OPEN = dict.fromkeys(ROLES, "ok")
MEMBERS = {"anonymous": "login", **dict.fromkeys(ROLES[1:], "ok")}
STAFF_OF_A = {
    "anonymous": "login",
    "volunteer_a": "ok",
    "volunteer_b": 403,
    "manager_a": "ok",
    "meal_provider": 403,
    "coordinator": "ok",
}
MANAGERS_OF_A = {**STAFF_OF_A, "volunteer_a": 403}
COORDINATORS = {**dict.fromkeys(ROLES[1:], 403), "anonymous": "login", "coordinator": "ok"}
REGISTRARS = {**MEMBERS, "meal_provider": 403}
PROVIDERS = {**MEMBERS, "volunteer_a": 403, "volunteer_b": 403, "manager_a": 403}

# name: (method, arguments from the seeded objects, expected status per role)
EXPECTED = {
    "home": ("get", {}, OPEN),
    "public_shelter": ("get", {"pk": "shelter_a"}, OPEN),
    "about": ("get", {}, OPEN),
    "ask": ("get", {}, OPEN),
    "ask_status": ("get", {"token": "ask_token"}, OPEN),
    "ask_cancel": ("get", {"token": "ask_token"}, OPEN),
    "kit_poster": ("get", {}, OPEN),
    "kit_list": ("get", {}, OPEN),
    "hold_slip": ("get", {"token": "slip_token"}, OPEN),
    "choose_language": ("get", {"code": "ru"}, OPEN),
    "shelters_csv": ("get", {}, OPEN),
    "api:openapi-json": ("get", {}, OPEN),
    "api:api-root": ("get", {}, OPEN),  # /api/v1/: answered by api_index, listed first
    "api_index": ("get", {}, OPEN),
    "api:shelters": ("get", {}, OPEN),
    "api_shelters_list": ("get", {}, OPEN),
    "api:shelter": ("get", {"shelter_id": "shelter_a"}, OPEN),
    "api:meals": ("get", {}, OPEN),
    "api:version": ("get", {}, OPEN),
    "healthz": ("get", {}, OPEN),
    "service_worker": ("get", {}, OPEN),
    "manifest": ("get", {}, OPEN),
    "offline_state": ("get", {}, OPEN),  # whose session this is and its CSRF token: no data
    "readyz": ("get", {}, OPEN),
    "login": ("get", {}, {"anonymous": "ok", **dict.fromkeys(ROLES[1:], 302)}),
    "logout": ("post", {}, dict.fromkeys(ROLES, 302)),
    "set_language": ("post", {}, dict.fromkeys(ROLES, 302)),
    "shelter:mine": ("get", {}, MEMBERS),
    "start": ("get", {}, MEMBERS),
    "shelter:create": ("get", {}, {**MANAGERS_OF_A, "volunteer_b": 403}),
    "shelter:detail": ("get", {"pk": "shelter_a"}, STAFF_OF_A),
    "shelter:edit": ("get", {"pk": "shelter_a"}, MANAGERS_OF_A),
    "shelter:set_status": ("post", {"pk": "shelter_a"}, MANAGERS_OF_A),
    "coordination:register": ("get", {}, REGISTRARS),
    "coordination:waiting": ("get", {}, MEMBERS),
    "coordination:household": ("get", {"pk": "household_a"}, STAFF_OF_A),
    "coordination:find_place": ("get", {"pk": "household_a"}, STAFF_OF_A),
    "coordination:hold": ("post", {"pk": "waiting_a"}, STAFF_OF_A),
    "coordination:check_in": ("post", {"pk": "waiting_a"}, STAFF_OF_A),
    "coordination:check_out": ("post", {"pk": "stay_a"}, STAFF_OF_A),
    "coordination:move": ("post", {"pk": "stay_a"}, STAFF_OF_A),
    "coordination:check_out_undo": ("post", {"pk": "stay_a"}, STAFF_OF_A),
    "coordination:hold_release": ("post", {"pk": "hold_a"}, STAFF_OF_A),
    "coordination:meals": ("get", {}, MEMBERS),
    "coordination:meals_mine": ("get", {}, PROVIDERS),
    "coordination:meal_new": ("get", {}, PROVIDERS),
    "coordination:meal_edit": ("get", {"pk": "offer"}, PROVIDERS),
    "coordination:meal_cancel": ("post", {"pk": "offer"}, PROVIDERS),
    "coordination:meal_claim": ("post", {"pk": "offer"}, MEMBERS),
    "coordination:claim_release": ("post", {"pk": "claim_a"}, STAFF_OF_A),
    "coordination:dashboard": ("get", {}, COORDINATORS),
    "coordination:dashboard_shelter": ("get", {"pk": "shelter_a"}, COORDINATORS),
    "coordination:dashboard_status": ("post", {"pk": "shelter_a"}, COORDINATORS),
    "coordination:dashboard_member_assign": ("post", {"pk": "shelter_a"}, COORDINATORS),
    "coordination:dashboard_member_remove": ("post", {"pk": "membership_a"}, COORDINATORS),
    "coordination:logins_locked": ("get", {}, COORDINATORS),
    "coordination:login_unlock": ("post", {}, COORDINATORS),
    "coordination:export_shelters": ("get", {}, COORDINATORS),
    "coordination:export_shelters_hxl": ("get", {}, COORDINATORS),
    "coordination:export_history": ("get", {}, COORDINATORS),
    "coordination:export_households": ("get", {}, COORDINATORS),
    "coordination:alerts": ("get", {}, COORDINATORS),
    "coordination:alert_acknowledge": ("post", {"pk": "alert"}, COORDINATORS),
    "offer": ("get", {}, OPEN),
    "offer_sent": ("get", {}, OPEN),  # without its signed receipt: "nothing to confirm"
    # A host's page answers its own token only: any other is "this link does not work".
    "host": ("get", {"token": "no-such-link"}, dict.fromkeys(ROLES, 404)),
    "coordination:offers": ("get", {}, COORDINATORS),
    "coordination:offer": ("get", {"pk": "host_offer"}, COORDINATORS),
    "coordination:offer_action": ("post", {"pk": "host_offer"}, COORDINATORS),
    "coordination:follow_up": ("post", {"pk": "stay_a"}, COORDINATORS),
}


def _names(patterns, namespace=""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = namespace + (f"{pattern.namespace}:" if pattern.namespace else "")
            if inner != "admin:":
                yield from _names(pattern.url_patterns, inner)
        elif isinstance(pattern, URLPattern):
            yield namespace + (pattern.name or f"<unnamed {pattern.pattern}>")


def test_every_url_has_expectations():
    assert set(_names(get_resolver().url_patterns)) == set(EXPECTED)


@pytest.fixture
def world(db):
    shelter_a, shelter_b = ShelterFactory(), ShelterFactory()
    space_a = SpaceFactory(shelter=shelter_a, places=20)
    SpaceFactory(shelter=shelter_b, places=20)
    people = {
        "volunteer_a": UserFactory(groups=["Volunteer"]),
        "volunteer_b": UserFactory(groups=["Volunteer"]),
        "manager_a": UserFactory(groups=["Shelter manager"]),
        "meal_provider": UserFactory(groups=["Meal provider"]),
        "coordinator": UserFactory(groups=["Coordinator"], is_staff=True),
        "anonymous": None,
    }
    membership_a = MembershipFactory(shelter=shelter_a, user=people["volunteer_a"])
    MembershipFactory(shelter=shelter_b, user=people["volunteer_b"])
    MembershipFactory(shelter=shelter_a, user=people["manager_a"], role=MembershipRole.MANAGER)
    boss = people["coordinator"]
    staying = HouseholdFactory(registered_at=shelter_a)
    stay = services.stay_check_in(household_id=staying.pk, space_id=space_a.pk, by=boss)
    held = HouseholdFactory(registered_at=shelter_a)
    hold = services.hold_create(household_id=held.pk, space_id=space_a.pk, by=boss)
    offer = MealOfferFactory(created_by=people["meal_provider"])
    offer.provider.memberships.create(user=people["meal_provider"])  # it posts for the café
    claim = meal_services.meal_claim(
        offer_id=offer.pk, shelter_id=shelter_a.pk, portions=1, by=boss
    )
    alert = alert_raise(
        kind=Alert.Kind.NEARLY_FULL,
        level=Alert.Level.WARNING,
        params={"shelter": shelter_a.name, "taken": 9, "places": 10, "free": 1, "percent": 90},
        city=shelter_a.city,
        shelter_id=shelter_a.pk,
        key=f"nearly_full:shelter:{shelter_a.pk}",
    )
    asked = ask_services.ask_create(
        household=Household(contact_name="Asked online", size=2), where_now="border"
    )
    objects = {
        "ask_token": asked.token,
        "slip_token": slip_token(hold.pk),
        "alert": alert.pk,
        "shelter_a": shelter_a.pk,
        "household_a": staying.pk,
        "waiting_a": HouseholdFactory(registered_at=shelter_a).pk,
        "stay_a": stay.pk,
        "hold_a": hold.pk,
        "offer": offer.pk,
        "claim_a": claim.pk,
        "membership_a": membership_a.pk,
        "host_offer": HostOfferFactory().pk,
    }
    return people, objects


@pytest.mark.parametrize("name", sorted(EXPECTED))
@pytest.mark.parametrize("role", ROLES)
def test_url_answers_each_role_as_expected(client, world, name, role):
    people, objects = world
    method, arguments, expected = EXPECTED[name]
    url = reverse(name, kwargs={key: objects.get(value, value) for key, value in arguments.items()})
    if people[role] is not None:
        client.force_login(people[role])
    response = getattr(client, method)(url)
    want = expected[role]
    if want == "login":
        assert response.status_code == 302, (url, response.status_code)
        assert response["Location"].startswith(reverse("login")), url
    elif want == "ok":
        assert response.status_code in (200, 302, 409), (url, response.status_code)
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("login")), url
    else:
        assert response.status_code == want, (url, response.status_code)
