"""The arrival point's printed kit: poster with QR codes, printable list, hold slip."""

import re

import pytest
import segno
import time_machine
from django.urls import reverse
from django.utils import timezone

from coordination.asks import services as ask_services
from coordination.households import services
from coordination.kit.qr import qr_svg
from coordination.kit.slips import slip_token
from coordination.models import Household
from tests.factories import HouseholdFactory, MealOfferFactory

pytestmark = pytest.mark.django_db


def _svgs(html: str) -> list[str]:
    return re.findall(r"<svg[^>]*>.*?</svg>", html, flags=re.S)


def test_the_poster_has_qr_codes_of_the_list_and_of_ask_and_the_phone(client, settings):
    settings.SITE_URL = "https://shelters.example.kz"
    settings.COORDINATION_PHONE = "+7 711 250 00 00"
    html = client.get(reverse("kit_poster")).content.decode()
    for url in ("https://shelters.example.kz/", "https://shelters.example.kz/ask/"):
        assert url in html
        # The payload: the same URL encoded again by segno gives the very same drawing.
        assert qr_svg(url) in _svgs(html)
    assert "+7 711 250 00 00" in html
    # In the three languages at once.
    for text in ("Need a place to sleep tonight?", 'lang="ru"', 'lang="kk"'):
        assert text in html


def test_the_qr_matrix_encodes_exactly_the_url():
    url = "https://shelters.example.kz/ask/"
    code = segno.make(url, error="m", micro=False)
    assert not code.is_micro and code.error in "MQH"  # segno raises the level when it fits
    # The page's drawing is this code's: the same URL encoded again draws the same modules,
    # another URL does not.
    assert qr_svg(url) == code.svg_inline(scale=6, dark="#000", light="#fff", omitsize=True)
    assert qr_svg(url) != qr_svg(url + "x")


def test_the_printable_list_shows_open_shelters_meals_and_when_it_was_printed(client, shelter):
    MealOfferFactory(address="Soup kitchen 5")
    at = timezone.now().replace(microsecond=0)
    with time_machine.travel(at, tick=False):
        html = client.get(reverse("kit_list")).content.decode()
    assert shelter.name in html and shelter.address in html
    assert "Soup kitchen 5" in html
    assert "Printed" in html


def test_the_printable_list_hides_a_private_homes_address(client, shelter):
    shelter.kind = "apartment"
    shelter.address = "Hidden street 9, apt 4"
    shelter.save()
    html = client.get(reverse("kit_list")).content.decode()
    assert shelter.name in html and "Hidden street" not in html


def test_a_hold_slip_shows_where_to_go_by_its_signed_link_only(client, shelter, volunteer):
    household = HouseholdFactory(registered_at=shelter, size=2, contact_name="Secret Name")
    hold = services.hold_create(
        household_id=household.pk, space_id=shelter.spaces.first().pk, by=volunteer
    )
    url = reverse("hold_slip", args=[slip_token(hold.pk)])
    response = client.get(url)
    html = response.content.decode()
    assert response.status_code == 200
    assert shelter.address in html and household.code in html
    assert timezone.localtime(hold.expires_at).strftime("%H:%M") in html
    assert "Secret Name" not in html
    assert "no-store" in response["Cache-Control"]
    # Forged, mangled or of another hold: nothing.
    for token in (str(hold.pk), slip_token(hold.pk)[:-2] + "xx", "x" * 500, "\x00"):
        bad = client.get(reverse("hold_slip", args=[token]))
        assert bad.status_code in (400, 404)  # a NUL is refused before the view
        assert shelter.address not in bad.content.decode()
    # Once the hold is used, the slip shows nothing.
    services.stay_check_in(household_id=household.pk, space_id=hold.space_id, by=volunteer)
    assert client.get(url).status_code == 404


def test_a_slip_link_expires(client, shelter, volunteer, settings):
    settings.HOLD_SLIP_MAX_AGE_HOURS = 1
    household = HouseholdFactory(registered_at=shelter)
    hold = services.hold_create(
        household_id=household.pk, space_id=shelter.spaces.first().pk, by=volunteer, hours=5
    )
    url = reverse("hold_slip", args=[slip_token(hold.pk)])
    with time_machine.travel(timezone.now() + timezone.timedelta(hours=2)):
        assert client.get(url).status_code == 404


def test_an_online_requests_slip_shows_its_code(client, shelter, volunteer):
    created = ask_services.ask_create(
        household=Household(contact_name="A", size=1), where_now="city"
    )
    hold = services.hold_create(
        household_id=created.ask.household_id, space_id=shelter.spaces.first().pk, by=volunteer
    )
    html = client.get(reverse("hold_slip", args=[slip_token(hold.pk)])).content.decode()
    assert created.ask.code in html


def test_the_household_page_offers_the_slip_link(as_user, shelter, volunteer):
    household = HouseholdFactory(registered_at=shelter)
    hold = services.hold_create(
        household_id=household.pk, space_id=shelter.spaces.first().pk, by=volunteer
    )
    html = as_user(volunteer).get(reverse("coordination:household", args=[household.pk]))
    assert reverse("hold_slip", args=[slip_token(hold.pk)]) in html.content.decode()
