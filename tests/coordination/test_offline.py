"""The offline app's server side: the worker and manifest, the headers, the JSON answer."""

import gzip
import uuid

import pytest
from django.conf import settings
from django.urls import reverse

from coordination.offline.keys import offline_user_key
from shelter.models import OccupancyEvent

pytestmark = pytest.mark.django_db

JSON = {"HTTP_ACCEPT": "application/json"}


def test_the_service_worker_is_served_at_the_root_fresh_and_as_javascript(client):
    response = client.get("/sw.js")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/javascript")
    assert response["Service-Worker-Allowed"] == "/"
    assert "no-cache" in response["Cache-Control"]  # updates reach phones at the next visit
    assert b'addEventListener("fetch"' in response.content


def test_the_service_worker_and_the_offline_code_fit_in_10_kb_compressed():
    code = b"".join(
        (settings.BASE_DIR / "static" / "js" / name).read_bytes()
        for name in ("sw.js", "queue.js", "offline.js")
    )
    assert len(gzip.compress(code, compresslevel=9)) <= 10 * 1024


def test_the_manifest_names_the_app_in_the_language_of_the_page(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.get("/manifest.webmanifest")
    assert response["Content-Type"] == "application/manifest+json"
    manifest = response.json()
    assert manifest["lang"] == "ru" and manifest["display"] == "standalone"
    assert manifest["start_url"] == reverse("start") and manifest["scope"] == "/"
    for icon in manifest["icons"]:
        name = icon["src"].removeprefix(
            settings.STATIC_URL
            if settings.STATIC_URL.startswith("/")
            else "/" + settings.STATIC_URL
        )
        assert (settings.BASE_DIR / "static" / name).read_bytes()[:4] == b"\x89PNG"


def test_a_volunteer_page_is_kept_for_its_user_and_never_labelled_for_another(
    as_user, volunteer, other_volunteer, shelter
):
    page = reverse("shelter:detail", args=[shelter.pk])
    response = as_user(volunteer).get(page)
    assert response["X-Offline-Keep"] == "1"
    assert response["X-Offline-User"] == offline_user_key(volunteer)
    assert offline_user_key(volunteer) != offline_user_key(other_volunteer)
    assert f'data-user="{offline_user_key(volunteer)}"'.encode() in response.content


@pytest.mark.parametrize("name", ["coordination:dashboard", "coordination:register"])
def test_forms_and_the_dashboard_are_not_kept(as_user, coordinator, name):
    response = as_user(coordinator).get(reverse(name))
    assert response.status_code == 200
    assert "X-Offline-Keep" not in response
    assert response["X-Offline-User"] == offline_user_key(coordinator)


def test_the_login_page_is_not_kept(client):
    response = client.get(reverse("login"))
    assert "X-Offline-Keep" not in response and response["X-Offline-User"] == "anon"


def test_the_public_page_is_kept_for_nobody_in_particular(client, shelter):
    response = client.get("/")
    assert response["X-Offline-Keep"] == "1" and response["X-Offline-User"] == "anon"


def test_logging_out_clears_the_phone(as_user, volunteer):
    response = as_user(volunteer).post(reverse("logout"))
    assert response["Clear-Site-Data"] == '"cache", "storage"'


def _count(shelter, submission, occupied: int) -> dict:
    data = {"submission": str(submission)}
    for space in shelter.spaces.order_by("pk"):
        data |= {
            f"space-{space.pk}-seen_places": space.places,
            f"space-{space.pk}-seen_occupied": space.occupied,
            f"space-{space.pk}-places": space.places,
            f"space-{space.pk}-occupied": occupied,
        }
    return data


def test_a_count_sent_again_from_the_phone_is_answered_in_json_and_applied_once(
    as_user, volunteer, shelter
):
    client, url = as_user(volunteer), reverse("shelter:detail", args=[shelter.pk])
    data = _count(shelter, uuid.uuid4(), 3)
    first = client.post(url, data, **JSON)
    assert first.status_code == 200 and first.json()["ok"] is True
    assert "Saved." in first.json()["message"]
    again = client.post(url, data, **JSON)  # the answer was lost: the phone sends it again
    assert again.status_code == 200 and again.json()["ok"] is True
    assert OccupancyEvent.objects.filter(submission=data["submission"]).count() == 2  # 2 rows
    assert (
        OccupancyEvent.objects.filter(space__shelter=shelter).exclude(submission=None).count() == 2
    )


def test_a_refused_count_from_the_phone_says_which_row_and_why(as_user, volunteer, shelter):
    client, url = as_user(volunteer), reverse("shelter:detail", args=[shelter.pk])
    response = client.post(url, _count(shelter, uuid.uuid4(), 99), **JSON)  # 10 and 20 places
    assert response.status_code == 409
    answer = response.json()
    assert answer["ok"] is False and "Auditorium 1" in answer["message"]
    assert (
        not OccupancyEvent.objects.filter(space__shelter=shelter).exclude(submission=None).exists()
    )


def test_the_service_worker_carries_the_shared_sending_rule_and_background_sync(client):
    source = client.get("/sw.js").content
    assert source.index(b'addEventListener("sync"') < source.index(b"var offlineQueue")
    assert source.startswith(b"// The offline app's service worker")  # its "use strict" first
    assert reverse("offline_state") == "/offline/state"  # the address queue.js asks


def test_the_sending_state_names_the_session_user_and_a_token_that_passes_csrf(volunteer, shelter):
    from django.test import Client

    phone = Client(enforce_csrf_checks=True)
    phone.force_login(volunteer)
    state = phone.get(reverse("offline_state"))
    assert state.status_code == 200
    assert "no-store" in state["Cache-Control"]  # never an old token from a cache
    assert "Access-Control-Allow-Origin" not in state  # for this site's pages only
    assert state.json()["user"] == offline_user_key(volunteer)
    # A change sent the way the worker sends it: the token only in the header.
    url = reverse("shelter:detail", args=[shelter.pk])
    data = _count(shelter, uuid.uuid4(), 3)
    refused = phone.post(url, data, **JSON)
    assert refused.status_code == 403  # without the token: Django's CSRF check
    sent = phone.post(url, data, HTTP_X_CSRFTOKEN=state.json()["csrf"], **JSON)
    assert sent.status_code == 200 and sent.json()["ok"] is True


def test_after_a_new_login_the_sending_state_gives_the_new_token(volunteer, shelter):
    from django.test import Client

    phone = Client(enforce_csrf_checks=True)
    phone.force_login(volunteer)
    old = phone.get(reverse("offline_state")).json()["csrf"]
    phone.logout()
    phone.force_login(volunteer)  # a new CSRF cookie, as after the login form (rotated)
    new = phone.get(reverse("offline_state")).json()["csrf"]
    url = reverse("shelter:detail", args=[shelter.pk])
    stale = phone.post(url, _count(shelter, uuid.uuid4(), 3), HTTP_X_CSRFTOKEN=old, **JSON)
    assert stale.status_code == 403
    fresh = phone.post(url, _count(shelter, uuid.uuid4(), 3), HTTP_X_CSRFTOKEN=new, **JSON)
    assert fresh.status_code == 200


def test_the_sending_state_of_a_visitor_is_anonymous(client):
    state = client.get(reverse("offline_state"))
    assert state.json()["user"] == "anon" and state.json()["csrf"]
    assert client.post(reverse("offline_state")).status_code == 405
