"""Client mistakes answered 400 before they can become a 500 (and a mail to the admins)."""

import logging

import pytest
from django.core import mail
from django.urls import reverse

from shelter.models import Shelter, ShelterStatus
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admins(settings):
    settings.ADMINS = [("Ops", "ops@example.org")]


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


@pytest.mark.parametrize(
    "address",
    ["/households/waiting/?shelter=%00", "/?city=a%00b", "/?%00=1", "/language/ru%00/"],
)
def test_a_nul_in_the_address_is_a_400_and_mails_nobody(client, admins, volunteer, address):
    client.force_login(volunteer)
    response = client.get(address)
    assert response.status_code == 400
    assert "character no page accepts" in response.content.decode()
    assert mail.outbox == []


def test_the_api_says_it_in_json_as_its_schema_documents(client, admins):
    response = client.get("/api/v1/shelters/", {"city": "Ural\x00sk"})
    assert (response.status_code, response["Content-Type"]) == (400, "application/json")
    assert response.json() == {"detail": "This address contains a character no page accepts."}
    schema = client.get("/api/v1/openapi.json").json()
    assert "400" in schema["paths"]["/api/v1/shelters/"]["get"]["responses"]
    assert mail.outbox == []


def test_a_nul_in_an_admin_filter_or_search_is_a_400(superuser_client, admins):
    for query in ["status__exact=%00", "q=%00", "city=x%00"]:
        response = superuser_client.get(reverse("admin:shelter_shelter_changelist") + "?" + query)
        assert response.status_code == 400, query
    assert mail.outbox == []


def test_a_wrong_host_is_a_400_and_mails_nobody(client, admins, caplog):
    with caplog.at_level(logging.ERROR, logger="django.security"):
        response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "Invalid HTTP_HOST header" in caplog.text  # still in the log
    assert mail.outbox == []


@pytest.mark.parametrize("query", ["cleared_at__year=-1", "kind__range=1", "city__regex=("])
def test_an_admin_filter_the_database_refuses_is_a_400(superuser_client, admins, caplog, query):
    url = reverse("admin:coordination_alert_changelist") + "?" + query
    with caplog.at_level(logging.WARNING, logger="coordination.middleware"):
        response = superuser_client.get(url)
    assert response.status_code == 400
    assert "cannot be filtered like that" in response.content.decode()
    assert "filter refused" in caplog.text
    assert mail.outbox == []


def test_an_admin_action_on_an_id_no_row_can_have_is_a_400(superuser_client, shelter):
    url = reverse("admin:shelter_shelter_changelist")
    for selected in ["²", "x", "\x00"]:
        data = {"action": "close_shelters", "_selected_action": [shelter.pk, selected]}
        assert superuser_client.post(url, data).status_code == 400
    assert Shelter.objects.get(pk=shelter.pk).status == ShelterStatus.OPEN  # nothing closed
    ok = superuser_client.post(url, {"action": "close_shelters", "_selected_action": shelter.pk})
    assert ok.status_code == 302
    assert Shelter.objects.get(pk=shelter.pk).status == ShelterStatus.CLOSED


def test_cleaning_up_expired_login_attempts_from_the_admin_works(superuser_client):
    from axes.models import AccessAttempt

    AccessAttempt.objects.create(username="x", ip_address="127.0.0.1", failures_since_start=1)
    url = reverse("admin:axes_accessattempt_changelist")
    data = {"action": "cleanup_expired_attempts", "_selected_action": "1"}
    response = superuser_client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "expired access attempts" in response.content.decode()
