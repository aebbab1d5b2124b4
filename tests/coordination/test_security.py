"""Deployment settings, headers, lockouts and probes (rate limits: test_ratelimit.py)."""

import re
import subprocess
import sys
from pathlib import Path

import pytest
from axes.models import AccessAttempt
from django.urls import reverse

from tests.environment import clean_environment

ROOT = Path(__file__).resolve().parents[2]


PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMN",
    "ALLOWED_HOSTS": "shelter.example.org",
    "CSRF_TRUSTED_ORIGINS": "https://shelter.example.org",
    "BEHIND_HTTPS_PROXY": "true",
}


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env={**clean_environment(), **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.django_db
@pytest.mark.parametrize(
    "url", ["/", "/about/", "/accounts/login/", "/api/v1/shelters/", "/healthz", "/admin/login/"]
)
def test_every_page_has_a_strict_content_security_policy(client, url):
    response = client.get(url)
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_logged_in_pages_have_the_policy_too(as_user, coordinator, shelter):
    for url in [reverse("shelter:mine"), reverse("shelter:detail", args=[shelter.pk]), "/admin/"]:
        assert "script-src 'self'" in as_user(coordinator).get(url)["Content-Security-Policy"]


def test_no_template_has_inline_scripts_styles_or_handlers():
    for template in (ROOT / "templates").rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"<script(?![^>]*\bsrc=)[^>]*>", text), template
        assert not re.search(r"\sstyle=", text), template
        assert not re.search(r"<style", text), template
        assert not re.search(r"\son[a-z]+=", text), template


@pytest.mark.django_db
def test_login_is_locked_after_five_failures_per_user_and_address(client, volunteer):
    # Bystanders at the same address and other addresses: tests/coordination/test_lockouts.py
    url = reverse("login")
    for _ in range(5):
        client.post(url, {"username": volunteer.username, "password": "wrong"})
    locked = client.post(url, {"username": volunteer.username, "password": "correct-horse-battery"})
    assert locked.status_code == 429
    assert "Too many failed logins" in locked.content.decode()


@pytest.mark.django_db
def test_probes(client):
    assert client.get("/healthz").json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 200
    assert ready.json() == {
        "status": "ok",
        "missing": [],
        "database": "ok",
        "migrations": "ok",
        "redis": "ok",
        "alert_evaluation": "ok",
    }


@pytest.mark.django_db
def test_responses_carry_a_request_id(client):
    assert client.get("/healthz", HTTP_X_REQUEST_ID="abc123")["X-Request-ID"] == "abc123"
    assert client.get("/healthz")["X-Request-ID"]


@pytest.mark.django_db
def test_a_login_with_a_nul_character_is_a_plain_failure(client):
    response = client.post(reverse("login"), {"username": "ad\x00min", "password": "x\x00"})
    assert response.status_code == 200
    assert "Null characters are not allowed" in response.content.decode()


@pytest.mark.django_db
def test_behind_a_proxy_the_address_comes_from_its_entry_of_x_forwarded_for(client, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    url = reverse("login")
    for index in range(5):  # the client wrote the left entry; the proxy the right one
        client.post(
            url,
            {"username": "x", "password": f"wrong{index}"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{index}, 203.0.113.7",
        )
    data = {"username": "x", "password": "y"}
    locked = client.post(url, data, HTTP_X_FORWARDED_FOR="203.0.113.7")
    assert locked.status_code == 429
    assert AccessAttempt.objects.filter(ip_address="203.0.113.7").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("forwarded", ["notanip", "999.1.1.1", "1.2.3.4\x00", "a" * 300])
def test_a_forwarded_entry_that_is_no_address_is_not_used(client, settings, forwarded):
    """The lockout stores the address in an inet column: "notanip" was a server error."""
    settings.TRUSTED_PROXY_COUNT = 1
    response = client.post(
        reverse("login"), {"username": "x", "password": "y"}, HTTP_X_FORWARDED_FOR=forwarded
    )
    assert response.status_code == 200  # a plain failed login
    assert list(AccessAttempt.objects.values_list("ip_address", flat=True)) == ["127.0.0.1"]
