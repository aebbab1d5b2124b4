"""Where a login lands: each role's page of the day, unless the login was sent from a page."""

import pytest
from django.urls import reverse

from tests.factories import MembershipFactory

pytestmark = pytest.mark.django_db

PASSWORD = "a long demo password"


def _log_in(client, user, next_path=""):
    user.set_password(PASSWORD)
    user.save()
    url = reverse("login") + (f"?next={next_path}" if next_path else "")
    response = client.post(url, {"username": user.username, "password": PASSWORD}, follow=True)
    return response.redirect_chain[-1][0]


@pytest.mark.parametrize(
    ("role", "page"),
    [
        ("coordinator", "coordination:dashboard"),
        ("meal_provider", "coordination:meals_mine"),
        ("volunteer", "shelter:mine"),
        ("manager", "shelter:mine"),
    ],
)
def test_a_login_lands_on_the_page_of_the_role(client, request, role, page):
    user = request.getfixturevalue(role)
    assert _log_in(client, user) == reverse(page)


def test_a_meal_provider_who_also_volunteers_at_a_shelter_lands_on_its_shelters(
    client, meal_provider, shelter
):
    MembershipFactory(shelter=shelter, user=meal_provider)
    assert _log_in(client, meal_provider) == reverse("shelter:mine")


def test_a_login_sent_from_a_page_goes_back_to_it(client, coordinator):
    assert _log_in(client, coordinator, "/households/waiting/") == "/households/waiting/"


@pytest.mark.parametrize("next_path", ["0", "//evil.example", "javascript:alert(1)"])
def test_a_login_with_a_next_that_is_no_local_page_lands_on_the_page_of_the_role(
    client, coordinator, next_path
):
    assert _log_in(client, coordinator, next_path) == reverse("coordination:dashboard")


def test_the_login_page_sent_back_to_itself_does_not_loop(client, coordinator):
    """Django refuses a logged-in user's redirect to the login page with an error (a 500)."""
    client.force_login(coordinator)
    login = reverse("login")
    response = client.get(login, {"next": login})
    assert (response.status_code, response["Location"]) == (302, reverse("start"))


def test_logout_goes_to_a_local_next_only(client, coordinator):
    client.force_login(coordinator)
    response = client.post(reverse("logout"), {"next": "//evil.example"})
    assert (response.status_code, response["Location"]) == (302, reverse("login"))
    client.force_login(coordinator)
    response = client.post(reverse("logout"), {"next": "/about/"})
    assert response["Location"] == "/about/"
