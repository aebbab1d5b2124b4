"""Every page leaves compressed: HTML through GZipMiddleware, static files precompressed.

The browser's view of it (bytes of a first load, what the demo sends) is in
tests/e2e/test_first_load_weight.py; here the pieces, with Django's test client.
"""

import csv
import gzip
import io
import json

import pytest
from django.conf import settings
from django.test import RequestFactory
from django.urls import reverse

from coordination.management.commands import demo, trim_bootstrap
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

BROWSER = {"HTTP_ACCEPT_ENCODING": "gzip, deflate, br"}


def _gunzip(response) -> bytes:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    return gzip.decompress(body)


def test_gzip_sits_below_whitenoise_and_above_everything_that_writes_a_body():
    middleware = settings.MIDDLEWARE
    gzip_at = middleware.index("django.middleware.gzip.GZipMiddleware")
    assert gzip_at == middleware.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1
    for later in ("sessions", "csrf", "messages", "axes"):
        assert any(later in name for name in middleware[gzip_at + 1 :]), later


def test_a_logged_in_page_is_gzipped_with_random_padding(as_user, volunteer):
    client = as_user(volunteer)
    plain = client.get(reverse("shelter:mine"))
    assert "Content-Encoding" not in plain
    assert "Accept-Encoding" in plain["Vary"]
    packed = client.get(reverse("shelter:mine"), **BROWSER)
    assert packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    html = _gunzip(packed)
    assert b"Cinema Park" in html and b"csrfmiddlewaretoken" in html
    assert len(packed.content) < len(html) / 3
    # Heal the Breach: the gzip header names a "file" of 0 to 99 random bytes, so the length
    # of a response says little about what it holds (RFC 1952: FLG bit 3 is FNAME).
    assert packed.content[3] & 0x08
    # The CSRF token, the one secret a page holds, is masked anew in every response: no
    # fixed string for a BREACH attacker to guess byte by byte.
    pages = [_gunzip(client.get(reverse("shelter:mine"), **BROWSER)) for _ in range(3)]
    tokens = {page.split(b"csrfmiddlewaretoken")[1][:80] for page in pages}
    assert len(tokens) == 3


def test_the_streamed_households_export_is_gzipped_and_reads_the_same(as_user, coordinator):
    HouseholdFactory(contact_name="Anna Petrova", size=3)
    client = as_user(coordinator)
    form = {"status": "all", "personal_data": "on"}
    plain = client.post(reverse("coordination:export_households"), form)
    packed = client.post(reverse("coordination:export_households"), form, **BROWSER)
    assert packed.streaming and packed["Content-Encoding"] == "gzip"
    assert packed["Content-Disposition"].startswith('attachment; filename="households-all-')
    assert "Content-Length" not in packed
    rows = list(csv.reader(io.StringIO(_gunzip(packed).decode())))
    assert rows == list(csv.reader(io.StringIO(b"".join(plain.streaming_content).decode())))
    assert any("Anna Petrova" in row for row in rows)


def test_public_page_and_api_are_gzipped_once(client):
    page = client.get("/", **BROWSER)
    assert page["Content-Encoding"] == "gzip"
    assert _gunzip(page).lstrip().lower().startswith(b"<!doctype html")
    api = client.get("/api/v1/shelters/", **BROWSER)
    assert api["Content-Encoding"] == "gzip"
    assert isinstance(json.loads(_gunzip(api)), list)


def test_the_demo_serves_the_collected_brotli_and_gzip_files(settings, tmp_path):
    from whitenoise.middleware import WhiteNoiseMiddleware

    settings.STATIC_ROOT = tmp_path
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
    settings.WHITENOISE_USE_FINDERS = True  # DEBUG's default, which the demo turns off
    demo.Command()._serve_collected_static()
    assert settings.WHITENOISE_USE_FINDERS is False

    def unreachable(request):
        raise AssertionError(f"{request.path} reached Django")

    whitenoise = WhiteNoiseMiddleware(unreachable)
    path = "/static/vendor/bootstrap/bootstrap.min.css"
    for accepted, expected in (("gzip, deflate, br", "br"), ("gzip", "gzip"), ("", None)):
        request = RequestFactory().get(path, HTTP_ACCEPT_ENCODING=accepted)
        response = whitenoise(request)
        assert response.status_code == 200
        assert response.get("Content-Encoding") == expected, accepted


def test_the_trimmed_bootstrap_keeps_what_pages_build_at_render_time():
    css = (settings.BASE_DIR / trim_bootstrap.OUTPUT).read_text()
    assert len(css.encode()) < 100_000, "the full Bootstrap is back: run manage.py trim_bootstrap"
    assert "sourceMappingURL" not in css  # WhiteNoise's manifest would refuse the missing map
    assert "Bootstrap  v5.3.9" in css and "manage.py trim_bootstrap" in css
    for kept in (
        *(f".alert-{level}" for level in ("success", "info", "warning", "danger")),
        ".is-invalid",
        ".was-validated",
        ".text-bg-danger",
        ".visually-hidden",
        ".form-control",
        ".invalid-feedback",
    ):
        assert kept in css, kept


def test_the_trim_reads_the_templates_python_and_crispy_forms_but_not_the_admin():
    files = trim_bootstrap.content_files()
    assert any(name.endswith("templates/base.html") for name in files)
    assert any(name.endswith("shelter/forms.py") for name in files)
    assert any("crispy_bootstrap5" in name and name.endswith("field.html") for name in files)
    assert any(name.endswith("crispy_forms/layout.py") for name in files)
    assert not any("/templates/admin/" in name or "/migrations/" in name for name in files)
