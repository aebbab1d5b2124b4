"""`manage.py demo`: loads Uralsk once, prints logins, and the logins work."""

from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from coordination.demo import LOGINS
from coordination.management.commands.demo import Command
from shelter.models import OccupancyEvent, Shelter, Space

pytestmark = pytest.mark.django_db(transaction=True)


def _demo() -> str:
    out = StringIO()
    call_command("demo", no_serve=True, stdout=out)
    return out.getvalue()


def test_demo_loads_uralsk_once_and_prints_logins(rf):
    first = _demo()
    shelters, spaces, events = (
        Shelter.objects.count(),
        Space.objects.count(),
        OccupancyEvent.objects.count(),
    )
    second = _demo()

    assert "Loaded the Uralsk demo data" in first
    assert "left as it is" in second
    assert (Shelter.objects.count(), Space.objects.count(), OccupancyEvent.objects.count()) == (
        shelters,
        spaces,
        events,
    )
    cinema = Shelter.objects.with_counts().get(name="Cinema Park")
    assert cinema.spaces.count() == 4
    assert 180 <= cinema.total_places <= 220
    assert Shelter.objects.filter(kind=Shelter.Kind.APARTMENT).count() == 12
    assert Shelter.objects.filter(status=Shelter.Status.FULL).exists()  # status refresh ran
    for login in LOGINS:
        assert login.username in second and login.password in second
        request = rf.post("/accounts/login/")  # django-axes checks every login against a request
        assert authenticate(request, username=login.username, password=login.password)


def test_the_demo_speaks_russian_unless_told_otherwise(monkeypatch, settings, client):
    monkeypatch.delenv("LANGUAGE_CODE", raising=False)
    assert "Site language: ru" in _demo()
    assert settings.LANGUAGE_CODE == "ru"
    page = client.get("/")  # a browser asking for no language
    assert '<html lang="ru">' in page.content.decode()

    monkeypatch.setenv("LANGUAGE_CODE", "kk")
    assert "Site language: kk" in _demo()
    assert settings.LANGUAGE_CODE == "kk"


def test_demo_reads_like_a_city_flats_by_street_and_providers_with_their_own_logins(client):
    from django.urls import reverse

    from coordination.meals.models import MealProvider

    _demo()
    flats = Shelter.objects.filter(kind=Shelter.Kind.APARTMENT)
    assert "Flat on Ikhsanova St" in set(flats.values_list("name", flat=True))
    assert not flats.filter(name__icontains="resident").exists()
    assert all(flat.district for flat in flats)  # what the public sees of where they are
    providers = MealProvider.objects.prefetch_related("members", "offers")
    assert {p.name for p in providers} == {
        "Café Dastarkhan",
        "Volunteer kitchen of St. Michael's",
        "Aigul's home kitchen",
    }
    logins = {login.username for login in LOGINS}  # their passwords: the test above
    for provider in providers:
        [member] = provider.members.all()
        [offer] = provider.offers.all()
        assert offer.public_notes
        assert member.username in logins
        client.force_login(member)
        mine = client.get(reverse("coordination:meals_mine")).context["offers"]
        assert [o.provider for o in mine] == [provider]  # its own offer, nobody else's
        form = client.get(reverse("coordination:meal_new")).context["form"]
        assert form.initial["provider"] == provider.pk
        client.logout()


def _served_at(addrport: str, settings, monkeypatch, **environ) -> str:
    """What `demo <addrport>` sets before serving; the settings as the fixture restores them."""
    for name in ("DEBUG", "SITE_URL", "ALLOWED_HOSTS"):
        monkeypatch.delenv(name, raising=False)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    settings.DEBUG, settings.SITE_URL = True, "http://127.0.0.1:8000"
    settings.ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]
    out = StringIO()
    Command(stdout=out)._serve_as_the_product(addrport)
    return out.getvalue()


def test_the_demo_serves_without_debug_pages_and_links_to_where_it_serves(settings, monkeypatch):
    _served_at("127.0.0.1:8123", settings, monkeypatch)
    assert settings.DEBUG is False  # the app's own 404 and 500 pages, no list of every URL
    assert settings.SITE_URL == "http://127.0.0.1:8123"  # the poster's QR codes, hold slips
    assert settings.ALLOWED_HOSTS == ["127.0.0.1", "localhost", "[::1]"]
    _served_at("8124", settings, monkeypatch)
    assert settings.SITE_URL == "http://127.0.0.1:8124"


def test_the_demo_on_every_address_takes_any_host_and_says_what_links_use(settings, monkeypatch):
    said = _served_at("0.0.0.0:8000", settings, monkeypatch)
    assert settings.ALLOWED_HOSTS == ["*"]
    assert settings.SITE_URL == "http://127.0.0.1:8000"
    assert "set SITE_URL" in said


def test_the_environment_wins_over_the_demos_choices(settings, monkeypatch):
    _served_at(
        "0.0.0.0:8000",
        settings,
        monkeypatch,
        DEBUG="true",
        SITE_URL="https://shelters.example",
        ALLOWED_HOSTS="shelters.example",
    )
    assert settings.DEBUG is True
    assert settings.SITE_URL == "http://127.0.0.1:8000"  # as configured (the env was read at start)
    assert settings.ALLOWED_HOSTS == ["127.0.0.1", "localhost", "[::1]"]
