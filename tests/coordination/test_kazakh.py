"""Kazakh where Django and the libraries have none: relative times, the login, the admin.

The project's own catalog of their msgids is coordination/locale_vendor (LOCALE_PATHS).
"""
# ruff: noqa: RUF001  (Cyrillic is the point here)

import html
import json
import re
from datetime import timedelta
from pathlib import Path

import pytest
import time_machine
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import naturaltime
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.timesince import timeuntil

from coordination.alerts import services
from shelter.models import Space
from tests.factories import PASSWORD, HouseholdFactory, ShelterFactory, SpaceFactory

pytestmark = pytest.mark.django_db

VENDOR = Path(settings.BASE_DIR) / "coordination" / "locale_vendor"

# Latin words that are not English text: technical names kept in every language.
NOT_ENGLISH = {"Cron", "cron", "JSON", "UTC", "URL", "CSV", "HXL", "IP"}


def _words(text: str) -> set[str]:
    return set(re.findall(r"\b[A-Za-z][A-Za-z’']{2,}\b", text))


def _data_words() -> set[str]:
    """Words of data, not of the interface: periodic tasks' names and task paths, the role
    groups' names, the time zone, users' names and addresses."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django_celery_beat.models import CrontabSchedule, PeriodicTask

    values = [settings.TIME_ZONE]
    values += PeriodicTask.objects.values_list("name", flat=True)
    values += PeriodicTask.objects.values_list("task", flat=True)
    values += [str(c.timezone) for c in CrontabSchedule.objects.all()]
    values += Group.objects.values_list("name", flat=True)
    for user in get_user_model().objects.all():
        values += [user.username, user.email]
    return set().union(*(_words(value) for value in values))


def _visible_words(page: str) -> set[str]:
    """Latin words a reader sees (tags, scripts, styles and attributes left out), less data."""
    body = re.sub(r"(?s)<script.*?</script>|<style.*?</style>|<!--.*?-->", " ", page)
    text = html.unescape(re.sub(r"(?s)<[^>]+>", " ", body))
    return _words(text) - NOT_ENGLISH - _data_words()


def _kk(client, url: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    response = client.get(url)
    assert response.status_code == 200, url
    return response.content.decode()


@pytest.mark.parametrize(
    ("ago", "kazakh"),
    [
        (timedelta(minutes=7), "7 минут бұрын"),
        (timedelta(minutes=1), "бір минут бұрын"),
        (timedelta(hours=1), "бір сағат бұрын"),
        (timedelta(seconds=20), "20 секунд бұрын"),
        (timedelta(days=2, hours=3), "2\xa0күн, 3\xa0сағат бұрын"),
    ],
)
def test_relative_times_in_kazakh(ago, kazakh):
    with translation.override("kk"):
        assert naturaltime(timezone.now() - ago) == kazakh


def test_time_until_in_kazakh():
    with translation.override("kk"):
        assert timeuntil(timezone.now() + timedelta(minutes=14, seconds=30)) == "14\xa0минут"


def test_pages_with_relative_times_read_kazakh(as_user, coordinator):
    HouseholdFactory(size=3)
    space = SpaceFactory(places=10, shelter=ShelterFactory(name="Cinema Park"))
    Space.objects.filter(pk=space.pk).update(occupied=10)
    services.alerts_evaluate_shelter(shelter_id=space.shelter_id)
    client = as_user(coordinator)
    with time_machine.travel(timezone.now() + timedelta(minutes=7)):
        alerts = _kk(client, reverse("coordination:alerts"))
        waiting = _kk(client, reverse("coordination:waiting"))
    assert "7 минут бұрын" in alerts.replace("\xa0", " ")
    assert "7 минут бұрын" in waiting.replace("\xa0", " ")
    assert " ago" not in alerts + waiting


def test_the_login_error_is_kazakh(client, coordinator):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    page = client.post(
        reverse("login"), {"username": coordinator.username, "password": "wrong"}
    ).content.decode()
    assert "Дұрыс пайдаланушы аты мен құпиясөзді енгізіңіз." in html.unescape(page)
    assert "Please enter" not in page
    assert "Қолданушы атауы and" not in page


def test_the_admin_login_error_is_kazakh(client, coordinator):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    page = client.post(
        reverse("admin:login"), {"username": coordinator.username, "password": "wrong"}
    ).content.decode()
    assert "Қызметкер тіркелгісінің дұрыс пайдаланушы аты мен құпиясөзін" in html.unescape(page)


def test_password_validation_is_kazakh():
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with translation.override("kk"), pytest.raises(ValidationError) as error:
        validate_password("12345678")
    assert "Бұл құпиясөз тым жиі қолданылады." in error.value.messages
    assert "Құпиясөз тек цифрлардан тұрады." in error.value.messages


def test_form_validation_is_kazakh():
    from django import forms

    class Form(forms.Form):
        email = forms.EmailField()

    with translation.override("kk"):
        form = Form({"email": "not an address"})
        assert form.errors["email"] == ["Дұрыс электрондық пошта мекенжайын енгізіңіз."]


@pytest.mark.parametrize(
    "url",
    [
        "admin:index",
        "admin:django_celery_beat_periodictask_changelist",
        "admin:axes_accessattempt_changelist",
        "admin:coordination_alert_changelist",
        "admin:auth_user_changelist",
    ],
)
def test_no_english_left_on_kazakh_admin_pages(url, client, admin_user):
    client.force_login(admin_user)
    words = _visible_words(_kk(client, reverse(url)))
    assert not words, f"English on {url} in Kazakh: {sorted(words)}"


def test_the_admin_index_says_recent_actions_and_view_site_in_kazakh(client, admin_user):
    client.force_login(admin_user)
    page = _kk(client, reverse("admin:index"))
    assert "Соңғы әрекеттер" in page
    assert "Сайтқа өту" in page
    assert "Мерзімді тапсырмалар" in page


def test_the_vendor_catalogs_are_compiled_and_complete():
    for language in ["kk", "ru"]:
        po = VENDOR / language / "LC_MESSAGES" / "django.po"
        assert po.with_suffix(".mo").exists()
        assert po.with_suffix(".mo").stat().st_mtime >= po.stat().st_mtime - 1
        text = po.read_text()
        # Every entry translated: no empty msgstr after the header.
        assert not re.search(r'\nmsgstr(\[\d\])? ""\n(?!")', text.split("\n\n", 1)[1])


def test_russian_fills_django_celery_beats_gaps():
    with translation.override("ru"):
        assert translation.gettext("Execution Options") == "Параметры выполнения"


def test_a_logged_in_login_in_kazakh_lands_on_a_kazakh_page(client, coordinator):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "kk"
    response = client.post(
        reverse("login"), {"username": coordinator.username, "password": PASSWORD}, follow=True
    )
    assert response.status_code == 200
    assert 'lang="kk"' in response.content.decode()


def test_the_admins_calendar_speaks_kazakh(client, admin_user):
    client.force_login(admin_user)
    script = _kk(client, reverse("admin:jsi18n"))
    assert json.dumps("Қаңтар") in script  # January, in the date widget (JSON-escaped)
