"""A form refused by the CSRF check: the app's own page, in the user's language; nothing saved."""

import pytest
from django.test import Client
from django.urls import reverse

from shelter.models import OccupancyEvent
from tests.coordination.alert_helpers import count_post

pytestmark = pytest.mark.django_db

NOTHING_SAVED = {
    "en": "Nothing was saved",
    "ru": "Ничего не сохранено",
    "kk": "Ештеңе сақталмады",
}


def _count(shelter) -> dict:
    space = shelter.spaces.first()
    return count_post(space, space.occupied + 1)


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_a_count_without_its_csrf_token_gets_the_apps_page_in_the_users_language(
    language, volunteer, shelter
):
    phone = Client(enforce_csrf_checks=True, headers={"accept-language": language})
    phone.force_login(volunteer)
    response = phone.post(reverse("shelter:detail", args=[shelter.pk]), _count(shelter))
    assert response.status_code == 403
    text = response.content.decode()
    assert f'<h1 class="h3">{NOTHING_SAVED[language]}</h1>' in text
    assert 'href="/static/' in text or "bootstrap" in text  # the app's page, with its styles
    assert "CSRF verification failed" not in text  # not Django's own English page
    assert not OccupancyEvent.objects.exists()


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_other_methods_get_the_same_page_and_change_nothing(method, volunteer, shelter):
    phone = Client(enforce_csrf_checks=True)
    phone.force_login(volunteer)
    response = getattr(phone, method)(reverse("shelter:detail", args=[shelter.pk]))
    assert response.status_code == 403
    assert NOTHING_SAVED["en"] in response.content.decode()
    assert not OccupancyEvent.objects.exists()


def test_the_offline_app_and_the_api_get_json(volunteer, shelter):
    phone = Client(enforce_csrf_checks=True)
    phone.force_login(volunteer)
    offline = phone.post(
        reverse("shelter:detail", args=[shelter.pk]),
        _count(shelter),
        headers={"accept": "application/json"},
    )
    assert offline.status_code == 403
    assert offline.json()["ok"] is False and "Nothing was saved" in offline.json()["message"]
    api = phone.post("/api/v1/shelters/")
    assert api.status_code == 403
    assert "Nothing was saved" in api.json()["detail"]
    assert not OccupancyEvent.objects.exists()
