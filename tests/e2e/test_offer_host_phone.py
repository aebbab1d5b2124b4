"""A resident offers a flat on a 360x640 phone in Russian; a coordinator checks and approves
it on a laptop; the host opens their link on the phone and lowers the free places with "-";
the public page shows the district and the count; a volunteer holds the flat for a family,
and the family's hold page shows the exact address."""

import re
from pathlib import Path

import pytest

from coordination.offers.models import HostLinkUse, HostOffer
from shelter.models import OccupancyEvent
from tests.e2e.accounts import log_in
from tests.factories import HouseholdFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
ADDRESS = "ул. Ихсанова 40, кв. 2"


def _shot(page, name: str, *, full: bool = False) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full)


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 360, f"the page is {width}px wide: it scrolls sideways on a phone"


def test_from_a_residents_offer_to_a_family_at_the_door(live_server, phone, laptop):
    url = live_server.url
    UserFactory(username="dana", groups=["Coordinator"], is_staff=True)

    # The resident, on a phone in Russian.
    resident = phone("ru-RU")
    resident.goto(f"{url}/offer/")
    assert resident.evaluate("document.documentElement.lang") == "ru"
    _fits_the_phone(resident)
    _shot(resident, "offer-form-phone-ru")
    resident.fill("#id_name", "Айгерим")
    resident.fill("#id_contact", "+7 701 234 56 78")
    resident.check("input[name=kind][value=flat]")
    resident.fill("#id_places", "3")
    resident.fill("#id_district", "Зачаганск")
    resident.fill("#id_address", ADDRESS)
    resident.fill("#id_languages", "казахский, русский")
    resident.click("button[type=submit]")
    resident.wait_for_url("**/offer/sent/**")
    code = resident.locator("#offer-code").inner_text()
    offer = HostOffer.objects.get()
    assert code == offer.code and offer.address == ADDRESS
    _fits_the_phone(resident)
    _shot(resident, "offer-sent-phone-ru")

    # The coordinator, on a laptop: the queue, the checks, approval, the host's link.
    desk = laptop("ru-RU")
    log_in(desk, url, "dana", "/dashboard/offers/")
    desk.click(f"text={code}")
    for step in ("called", "address", "visited"):
        desk.click(f"#step-{step} button")
        desk.wait_for_selector(f"#step-{step}:has-text('✓')")
    desk.click("button[value=approve]")
    desk.wait_for_selector("button[value=link_issue]")
    desk.click("button[value=link_issue]")
    desk.wait_for_selector("#host-url")
    host_url = desk.input_value("#host-url")
    assert desk.locator("#send-sms").get_attribute("href").startswith("sms:+77012345678?body=")
    assert "t.me/share/url?url=" in desk.locator("#send-telegram").get_attribute("href")
    _shot(desk, "offer-approved-link-laptop-ru", full=True)

    # The host, on the phone: free places tonight, one fewer.
    host = phone("ru-RU")
    host.goto(host_url)
    assert host.locator("#free-now").inner_text() == "3"
    _fits_the_phone(host)
    host.click("button[value=minus]")
    host.wait_for_selector("#free-now:text-is('2')")
    _shot(host, "host-page-phone-ru", full=True)
    space = HostOffer.objects.get().shelter.spaces.get()
    assert space.places == 2
    assert OccupancyEvent.objects.filter(space=space, reason="count").count() == 1
    assert HostLinkUse.objects.filter(action="free").count() == 1
    assert not [c for c in host.context.cookies() if c["name"] == "sessionid"]

    # The public page: the district and residents' places, never the address.
    public = phone("ru-RU")
    public.goto(f"{url}/")
    page = public.content()
    assert "Зачаганск" in page and ADDRESS not in page and "+7 701 234 56 78" not in page
    # 3 offered by residents, 2 of them free and ready now that the host lowered one.
    assert re.findall(r"\d+", public.locator("#resident-offers").inner_text()) == ["3", "2"]
    _shot(public, "public-with-offers-phone-ru", full=True)

    # A family is held there; its hold page gives the exact address.
    family = HouseholdFactory(contact_name="Мадина", size=2, children=1)
    desk.goto(f"{url}/households/{family.pk}/place/")
    desk.click(f"form[action$='/hold/']:has(input[value='{space.pk}']) button")
    desk.wait_for_url(f"**/households/{family.pk}/")
    assert ADDRESS in desk.content()
    _shot(desk, "hold-page-host-address-laptop-ru", full=True)
