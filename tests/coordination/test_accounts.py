"""A user's language: remembered at login and at the language switcher, set in the admin."""

import pytest
from django.conf import settings
from django.urls import reverse

from coordination.accounts import selectors, services
from coordination.accounts.models import UserProfile
from tests.factories import PASSWORD, UserFactory
from tests.races import race

pytestmark = pytest.mark.django_db


def test_the_language_of_the_login_page_is_remembered(client, coordinator):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    response = client.post(
        reverse("login"), {"username": coordinator.username, "password": PASSWORD}
    )
    assert response.status_code == 302
    assert UserProfile.objects.get(user=coordinator).language == "kk"
    assert selectors.user_language(coordinator.pk) == "kk"


def test_the_browsers_language_counts_when_no_language_was_chosen(client, coordinator):
    client.post(
        reverse("login"),
        {"username": coordinator.username, "password": PASSWORD},
        HTTP_ACCEPT_LANGUAGE="ru-RU,ru;q=0.9",
    )
    assert selectors.user_language(coordinator.pk) == "ru"


def test_switching_language_is_remembered_for_a_logged_in_user(as_user, coordinator):
    client = as_user(coordinator)
    client.get(reverse("choose_language", args=["ru"]))
    assert selectors.user_language(coordinator.pk) == "ru"
    client.get(reverse("choose_language", args=["kk"]))
    assert UserProfile.objects.filter(user=coordinator).count() == 1
    assert selectors.user_language(coordinator.pk) == "kk"


def test_switching_language_anonymously_stores_nothing(client):
    assert client.get(reverse("choose_language", args=["kk"])).status_code == 302
    assert not UserProfile.objects.exists()


def test_a_user_with_no_profile_reads_the_site_language(settings):
    settings.LANGUAGE_CODE = "ru"
    assert selectors.user_language(UserFactory().pk) == "ru"


def test_an_unknown_language_is_not_stored():
    user = UserFactory()
    assert services.user_language_remember(user=user, language="de") is False
    assert not UserProfile.objects.exists()


def test_the_language_is_set_on_the_users_admin_page(admin_client):
    user = UserFactory()
    url = reverse("admin:auth_user_change", args=[user.pk])
    page = admin_client.get(url)
    assert page.status_code == 200
    assert "profile-0-language" in page.content.decode()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_logins_at_once_make_one_profile():
    user = UserFactory()
    languages = ["ru", "kk", "en", "ru", "kk", "en"]

    outcomes = race(6, lambda i: services.user_language_remember(user=user, language=languages[i]))

    assert outcomes == ["ok"] * 6
    assert UserProfile.objects.filter(user=user).count() == 1
