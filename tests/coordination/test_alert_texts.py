"""Alert texts: stored as kind and figures, written in each reader's language, "as of" when."""
# ruff: noqa: RUF001  (Cyrillic is the point here)

from datetime import datetime

import pytest
import time_machine
from django.conf import settings
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from coordination.accounts.models import UserProfile
from coordination.alerts import channels, delivery, services
from coordination.alerts.models import Alert, AlertDelivery, AlertKind
from coordination.alerts.tasks import deliver_alert
from shelter import services as shelter_services
from shelter.models import OccupancyOutbox, OccupancyReason, Space
from tests.coordination.alert_helpers import WebhookServer
from tests.factories import (
    AlertSubscriptionFactory,
    HouseholdFactory,
    MealOfferFactory,
    ShelterFactory,
    SpaceFactory,
    WebhookFactory,
)

pytestmark = pytest.mark.django_db


def _local(*args) -> datetime:
    return timezone.make_aware(datetime(*args))


# The same full alert, as each language writes it (the shelter app's catalogs).
FULL = {
    "en": "Cinema Park is full: all 10 places are taken.",
    "ru": "Cinema Park: мест нет, заняты все места (10).",
    "kk": "Cinema Park: орын жоқ, барлық 10 орын бос емес.",
}


@pytest.fixture
def room():
    """A space of 10 places in a city with 50 more free elsewhere (so the city is not low)."""
    SpaceFactory(places=50, shelter=ShelterFactory(name="Yunost gym"))
    return SpaceFactory(places=10, name="Hall", shelter=ShelterFactory(name="Cinema Park"))


def _set(space, occupied: int) -> None:
    current = Space.objects.get(pk=space.pk).occupied
    shelter_services.occupancy_change(
        space_id=space.pk, delta=occupied - current, reason=OccupancyReason.COUNT, by=None
    )


def _raise_full(room) -> Alert:
    _set(room, 10)
    (alert,) = services.alerts_evaluate_shelter(shelter_id=room.shelter_id)
    return alert


def _page(client, url: str, language: str) -> str:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("language", ["ru", "kk", "en"])
def test_one_alert_reads_in_each_readers_language_on_the_list_and_the_dashboard(
    language, room, as_user, coordinator
):
    _raise_full(room)
    client = as_user(coordinator)
    for url in [reverse("coordination:alerts"), reverse("coordination:dashboard")]:
        page = _page(client, url, language)
        assert FULL[language] in page
        others = {FULL[other] for other in FULL if other != language}
        assert not any(text in page for text in others), url


def test_the_text_says_when_its_figures_were_computed(room, as_user, coordinator):
    with time_machine.travel(_local(2022, 9, 27, 21, 40), tick=0):
        alert = _raise_full(room)
        assert alert.text == FULL["en"] + " (as of 21:40)"
        assert alert.params["as_of"].startswith("2022-09-27T21:40")
    with time_machine.travel(_local(2022, 9, 28, 8, 0), tick=0):
        assert alert.text == FULL["en"] + " (as of 2022-09-27 21:40)"  # another day: its date


def test_an_alert_from_before_params_shows_its_stored_message(as_user, coordinator):
    shelter = ShelterFactory()
    Alert.objects.create(
        kind="full",
        level="critical",
        key=f"full:shelter:{shelter.pk}",
        shelter=shelter,
        city=shelter.city,
        message="Old text as it was stored",
    )
    assert "Old text as it was stored" in _page(
        as_user(coordinator), reverse("coordination:alerts"), "kk"
    )


def test_figures_of_another_shape_fall_back_to_the_stored_message(room):
    alert = _raise_full(room)
    Alert.objects.filter(pk=alert.pk).update(params={"unknown": 1})
    alert.refresh_from_db()
    assert alert.text == alert.message


def test_an_email_to_a_kazakh_coordinator_is_in_kazakh(room, settings):
    settings.LANGUAGE_CODE = "ru"
    kazakh = AlertSubscriptionFactory()
    UserProfile.objects.create(user=kazakh.user, language="kk")
    russian = AlertSubscriptionFactory()  # no language of their own: the site's
    _raise_full(room)
    for row in AlertDelivery.objects.all():
        deliver_alert.apply(args=[row.pk])
    by_address = {message.to[0]: message for message in mail.outbox}
    to_kazakh = by_address[kazakh.user.email]
    assert to_kazakh.subject.startswith("[Баспана туралы ескерту] " + FULL["kk"])
    assert FULL["kk"] in to_kazakh.body
    assert FULL["ru"] not in to_kazakh.body
    assert FULL["ru"] in by_address[russian.user.email].body
    assert AlertDelivery.objects.get(recipient=kazakh.user.email).language == "kk"


def test_a_webhook_gets_the_site_language_and_what_the_alert_means(room, settings):
    settings.LANGUAGE_CODE = "ru"
    with WebhookServer() as server:
        WebhookFactory(url=server.url)
        with translation.override("kk"):  # whoever's request raised it
            alert = _raise_full(room)
            deliver_alert.apply(args=[AlertDelivery.objects.get().pk])
        (received,) = server.wait_for(1)
    payload = received.payload
    assert payload["message"].startswith(FULL["ru"])
    assert payload["kind"] == "full"
    assert payload["params"] == alert.params
    assert {k: payload["params"][k] for k in ["taken", "places", "free"]} == {
        "taken": 10,
        "places": 10,
        "free": 0,
    }


def test_the_morning_summary_is_in_each_coordinators_language(room):
    kazakh = AlertSubscriptionFactory()
    UserProfile.objects.create(user=kazakh.user, language="kk")
    english = AlertSubscriptionFactory()
    _raise_full(room)
    mail.outbox.clear()
    assert delivery.summary_send() == 2
    by_address = {message.to[0]: message for message in mail.outbox}
    assert by_address[kazakh.user.email].subject.startswith("Баспаналар бүгін таңертең")
    assert FULL["kk"] in by_address[kazakh.user.email].body
    assert FULL["en"] in by_address[english.user.email].body


def test_an_active_city_alert_keeps_its_figures_current(settings):
    space = SpaceFactory(places=15)
    HouseholdFactory(size=3)
    with time_machine.travel(_local(2022, 9, 27, 21, 40), tick=0):
        services.alerts_evaluate_city(city=space.shelter.city)
    alert = Alert.objects.get(kind=AlertKind.CITY_LOW)
    assert alert.text.startswith("Uralsk: only 15 free places left in open shelters; 3 people")
    _set(space, 4)
    with time_machine.travel(_local(2022, 9, 27, 22, 10), tick=0):
        assert services.alerts_evaluate_city(city=space.shelter.city) == []  # still low
        alert.refresh_from_db()
        assert alert.text == (
            "Uralsk: only 11 free places left in open shelters; 3 people waiting. (as of 22:10)"
        )
        assert alert.message == alert.text  # the site's language is English here
    assert Alert.objects.count() == 1


def test_the_meals_alert_says_what_the_dashboard_says(as_user, coordinator):
    space = SpaceFactory(places=400)
    Space.objects.filter(pk=space.pk).update(occupied=400)
    offer = MealOfferFactory(portions=230)
    services.alerts_evaluate_meals(city="Uralsk")
    offer.portions = 330
    offer.save()
    services.alerts_evaluate_meals(city="Uralsk")  # the periodic check, later
    alert = Alert.objects.get(kind=AlertKind.MEALS_SHORT)
    assert "330 meal portions offered for today, 400 people" in alert.text
    page = _page(as_user(coordinator), reverse("coordination:dashboard"), "en")
    assert "330 meal portions offered" in page
    assert "230 meal portions" not in page


def test_capacity_alerts_keep_the_figures_that_raised_them(room):
    alert = _raise_full(room)
    _set(room, 9)  # 90%: full stays active (it clears below 80%), with its own figures
    services.alerts_evaluate_shelter(shelter_id=room.shelter_id)
    alert.refresh_from_db()
    assert alert.cleared_at is None
    assert alert.text.startswith(FULL["en"] + " (as of ")


def test_a_replayed_change_is_as_of_the_change(room):
    # A change recorded at 21:40 while the broker was down, replayed later.
    OccupancyOutbox.objects.create(shelter=room.shelter, places=10, taken=10, takes_people=True)
    OccupancyOutbox.objects.update(created_at=_local(2022, 9, 27, 21, 40))
    (alert,) = services.alerts_evaluate_changes(shelter_id=room.shelter_id)
    assert alert.kind == AlertKind.FULL
    assert alert.params["as_of"].startswith("2022-09-27T21:40")


def test_acknowledging_says_the_text_in_the_readers_language(room, as_user, coordinator):
    alert = _raise_full(room)
    client = as_user(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "ru"
    response = client.post(reverse("coordination:alert_acknowledge", args=[alert.pk]), follow=True)
    assert FULL["ru"] in response.content.decode()


def test_the_subject_is_written_in_the_language_asked(room):
    alert = _raise_full(room)
    with translation.override("kk"):
        assert channels.alert_subject(alert).startswith("[Баспана туралы ескерту] " + FULL["kk"])
