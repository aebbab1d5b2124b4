"""Personal data stays with those who need it: never on public pages, logs or other shelters."""

import logging

import pytest
from django.urls import reverse

from coordination.asks import services as ask_services
from coordination.households import services
from coordination.kit.slips import slip_token
from coordination.log_filters import HideSecretPaths
from coordination.models import Household
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

SECRET_NAME = "Zhenya Uniquename-Qwerty"
SECRET_PHONE = "+7 777 123 98 76"
SECRET_NOTE = "needs insulin 4x daily"


@pytest.fixture
def staying_in_other_shelter(other_shelter, coordinator, caplog):
    caplog.set_level(logging.DEBUG)
    household = HouseholdFactory(
        contact_name=SECRET_NAME, phone=SECRET_PHONE, notes=SECRET_NOTE, size=2
    )
    services.stay_check_in(
        household_id=household.pk, space_id=other_shelter.spaces.first().pk, by=coordinator
    )
    return household


@pytest.fixture
def asked_online(db):
    """A request made at /ask/ with the same secrets: its status page (opened by its own
    link) shows the size and code only; no other public page shows anything of it."""
    return ask_services.ask_create(
        household=Household(
            contact_name=SECRET_NAME, phone=SECRET_PHONE, languages=SECRET_NOTE, size=2
        ),
        where_now="border",
    )


def _assert_clean(text: str) -> None:
    for secret in (SECRET_NAME, "Uniquename", SECRET_PHONE, "123 98 76", SECRET_NOTE):
        assert secret not in text


def test_public_pages_never_show_household_data(
    client, staying_in_other_shelter, shelter, asked_online
):
    for url in ["/", reverse("login"), reverse("ask"), reverse("api:shelters")]:
        response = client.get(url)
        assert response.status_code == 200
        _assert_clean(response.content.decode())


def test_a_volunteer_of_shelter_a_cannot_see_a_household_staying_in_b(
    as_user, volunteer, staying_in_other_shelter
):
    client = as_user(volunteer)
    detail = client.get(reverse("coordination:household", args=[staying_in_other_shelter.pk]))
    assert detail.status_code == 403
    _assert_clean(detail.content.decode())
    _assert_clean(client.get(reverse("coordination:waiting")).content.decode())
    _assert_clean(client.get(reverse("shelter:mine")).content.decode())


def test_the_volunteer_of_shelter_b_and_the_coordinator_can(
    as_user, other_volunteer, coordinator, staying_in_other_shelter
):
    for user in (other_volunteer, coordinator):
        detail = as_user(user).get(
            reverse("coordination:household", args=[staying_in_other_shelter.pk])
        )
        assert detail.status_code == 200
        assert SECRET_NAME in detail.content.decode()


def test_logs_never_carry_household_data(staying_in_other_shelter, caplog, coordinator):
    stay = staying_in_other_shelter.stays.get()
    services.stay_check_out(stay_id=stay.pk, by=coordinator)
    assert caplog.records  # the services did log
    _assert_clean(caplog.text)


def test_admin_list_masks_phones(admin_client, staying_in_other_shelter):
    page = admin_client.get(reverse("admin:coordination_household_changelist")).content.decode()
    assert SECRET_PHONE not in page
    assert "76" in page  # the last two digits, to tell people apart


def test_every_public_url_and_export_is_free_of_household_data(
    client, staying_in_other_shelter, asked_online, coordinator
):
    from tests.test_permissions_matrix import EXPECTED

    public_names = [
        name
        for name, (method, arguments, expected) in EXPECTED.items()
        if expected["anonymous"] == "ok"
        and method == "get"
        and name != "choose_language"
        # pages of one shelter, or of none (a request's or a slip's token opens its own)
        and set(arguments.values()) <= {"shelter_a"}
    ]
    assert len(public_names) >= 10
    # A hold slip for another household: where to go, nothing of who they are.
    held = HouseholdFactory(contact_name=SECRET_NAME, phone=SECRET_PHONE, size=1)
    space = staying_in_other_shelter.stays.get().space
    slip = slip_token(
        services.hold_create(household_id=held.pk, space_id=space.pk, by=coordinator).pk
    )
    for name in public_names:
        kwargs = {
            key: (slip if name == "hold_slip" else asked_online.token)
            if key == "token"
            else staying_in_other_shelter.stays.get().space.shelter_id
            for key in EXPECTED[name][1]
        }
        response = client.get(reverse(name, kwargs=kwargs), HTTP_ACCEPT_ENCODING="identity")
        assert response.status_code == 200, name
        _assert_clean(response.content.decode())


def test_viewing_a_household_is_logged_with_ids_only(
    as_user, coordinator, staying_in_other_shelter, caplog
):
    as_user(coordinator).get(reverse("coordination:household", args=[staying_in_other_shelter.pk]))
    lines = [r.getMessage() for r in caplog.records if r.name == "coordination.audit"]
    assert lines == [f"user {coordinator.pk} viewed household {staying_in_other_shelter.pk}"]
    _assert_clean(caplog.text)


# --- Homes offered by residents: district and the coordinators' phone only --------------------

FLAT_ADDRESS = "Ikhsanova Street 40, apt 2"
FLAT_PHONE = "+7 705 300 06 42"
FLAT_SECRETS = (
    FLAT_ADDRESS,
    "Ikhsanova Street 40",
    "apt 2",
    "51.2412",  # latitude, however it is written
    "51.3799",  # longitude
    FLAT_PHONE,
    "300 06 42",
    "3000642",
)
COORDINATION_PHONE = "+7 711 250 00 00"


@pytest.fixture
def flat(settings):
    from shelter.models import Shelter
    from tests.factories import MealOfferFactory, ShelterFactory, SpaceFactory

    settings.COORDINATION_PHONE = COORDINATION_PHONE
    flat = ShelterFactory(
        name="Flat on Ikhsanova St",
        kind=Shelter.Kind.APARTMENT,
        address=FLAT_ADDRESS,
        district="Zachagansk",
        latitude="51.241200",
        longitude="51.379900",
        phone=FLAT_PHONE,
    )
    SpaceFactory(shelter=flat, name="Flat", places=4)
    MealOfferFactory(shelter=flat, address="")  # a meal brought to the flat
    return flat


def _assert_flat_hidden(text: str, where: str) -> None:
    for secret in FLAT_SECRETS:
        assert secret not in text, (where, secret)


def test_no_public_url_api_or_export_shows_a_flats_address_coordinates_or_phone(
    client, as_user, coordinator, flat
):
    from tests.test_permissions_matrix import EXPECTED

    public_names = [
        name
        for name, (method, arguments, expected) in EXPECTED.items()
        if expected["anonymous"] == "ok"
        and method == "get"
        and name != "choose_language"
        # pages of one shelter, or of none (a request's or a slip's token opens its own)
        and set(arguments.values()) <= {"shelter_a"}
    ]
    assert {"home", "public_shelter", "api:shelters", "api:shelter", "api:meals"} <= set(
        public_names
    )
    assert "shelters_csv" in public_names
    # A waiting request's status page (nothing held for it) shows no shelter's address.
    token = ask_services.ask_create(
        household=Household(contact_name="Asking", size=1), where_now="city"
    ).token
    for name in public_names:
        kwargs = {key: token if key == "token" else flat.pk for key in EXPECTED[name][1]}
        if name == "hold_slip":  # a slip shows the address it is for: a flat's, only to them
            continue
        response = client.get(reverse(name, kwargs=kwargs), HTTP_ACCEPT_ENCODING="identity")
        assert response.status_code == 200, name
        _assert_flat_hidden(response.content.decode(), name)
    hxl = as_user(coordinator).get(reverse("coordination:export_shelters_hxl"))
    _assert_flat_hidden(hxl.content.decode(), "dashboard HXL export")


def test_a_flat_is_shown_with_its_district_and_the_coordinators_phone(client, flat):
    page = client.get(reverse("public_shelter", args=[flat.pk])).content.decode()
    assert "Flat on Ikhsanova St" in page and "Zachagansk" in page
    assert f'href="tel:{COORDINATION_PHONE.replace(" ", "")}"' in page
    assert "the coordinators give the address when places are held for you" in page
    assert "geo:" not in page  # no directions to a private door
    api = client.get(reverse("api:shelter", args=[flat.pk])).json()
    assert (api["address"], api["latitude"], api["longitude"]) == ("", None, None)
    assert (api["district"], api["phone"], api["is_private_home"]) == (
        "Zachagansk",
        COORDINATION_PHONE,
        True,
    )
    meal = next(m for m in client.get(reverse("api:meals")).json() if m["shelter_id"] == flat.pk)
    assert meal["address"] == "Zachagansk, Uralsk"


def test_the_household_sent_there_gets_the_address(as_user, coordinator, flat):
    household = HouseholdFactory(size=2)
    response = as_user(coordinator).post(
        reverse("coordination:hold", args=[household.pk]),
        {"space": flat.spaces.get().pk},
        follow=True,
    )
    page = response.content.decode()
    assert FLAT_ADDRESS in page  # the volunteer gives it to the household
    assert response.status_code == 200


def test_without_a_coordination_phone_a_flat_shows_no_phone_at_all(client, flat, settings):
    settings.COORDINATION_PHONE = ""
    page = client.get(reverse("public_shelter", args=[flat.pk])).content.decode()
    assert "tel:" not in page
    _assert_flat_hidden(page, "public page")


# --- Hosts: a resident's name, phone and address, from their offer to their place -----------

HOST_NAME = "Gulnar Hostuniquename"
HOST_PHONE = "+7 705 411 22 99"
HOST_ADDRESS = "Dostyk Avenue 17, flat 44"
HOST_SECRETS = (
    HOST_NAME,
    "Hostuniquename",
    HOST_PHONE,
    "411 22 99",
    "4112299",
    HOST_ADDRESS,
    "Dostyk Avenue 17",
    "flat 44",
)


@pytest.fixture
def host_place(settings, coordinator):
    from coordination.offers import services as offer_services
    from tests.factories import HostOfferFactory

    settings.COORDINATION_PHONE = COORDINATION_PHONE
    offer = HostOfferFactory(
        name=HOST_NAME, contact=HOST_PHONE, address=HOST_ADDRESS, district="Kurylys", places=3
    )
    for step in ("called", "address"):
        offer_services.offer_step(offer_id=offer.pk, step=step, by=coordinator)
    offer = offer_services.offer_approve(offer_id=offer.pk, by=coordinator)
    HostOfferFactory(name="Pending " + HOST_NAME, contact="+7 705 411 22 98", address=HOST_ADDRESS)
    return offer


def _assert_host_hidden(text: str, where: str) -> None:
    for secret in HOST_SECRETS:
        assert secret not in text, (where, secret)


def test_no_public_url_api_or_export_shows_a_hosts_name_phone_or_address(
    client, as_user, coordinator, host_place
):
    from tests.test_permissions_matrix import EXPECTED

    public_names = [
        name
        for name, (method, arguments, expected) in EXPECTED.items()
        if expected["anonymous"] == "ok"
        and method == "get"
        and name != "choose_language"
        # pages of one shelter, or of none (a request's or a slip's token opens its own)
        and set(arguments.values()) <= {"shelter_a"}
    ]
    assert {"home", "public_shelter", "api:shelters", "shelters_csv", "offer"} <= set(public_names)
    for name in public_names:
        kwargs = dict.fromkeys(EXPECTED[name][1], host_place.shelter_id)
        response = client.get(reverse(name, kwargs=kwargs), HTTP_ACCEPT_ENCODING="identity")
        assert response.status_code == 200, name
        _assert_host_hidden(response.content.decode(), name)
    page = client.get(reverse("public_shelter", args=[host_place.shelter_id])).content.decode()
    assert "Kurylys" in page and COORDINATION_PHONE in page  # the district, our phone
    home = client.get(reverse("home")).content.decode()
    assert "6 places offered by residents, 3 checked and ready" in home
    hxl = as_user(coordinator).get(reverse("coordination:export_shelters_hxl"))
    _assert_host_hidden(hxl.content.decode(), "dashboard HXL export")


def test_the_household_held_at_a_host_gets_the_address_on_its_hold_page(
    as_user, coordinator, host_place
):
    household = HouseholdFactory(size=2)
    response = as_user(coordinator).post(
        reverse("coordination:hold", args=[household.pk]),
        {"space": host_place.shelter.spaces.get().pk},
        follow=True,
    )
    assert response.status_code == 200
    assert HOST_ADDRESS in response.content.decode()


def test_logs_of_offers_never_carry_a_hosts_data(client, coordinator, host_place, caplog):
    from coordination.offers import services as offer_services

    caplog.set_level(logging.DEBUG)
    token = offer_services.host_link_issue(offer_id=host_place.pk, by=coordinator)
    client.get(reverse("host", args=[token]))
    client.post(reverse("host", args=[token]), {"action": "minus"})
    client.post(
        reverse("offer"),
        {
            "name": HOST_NAME,
            "contact": HOST_PHONE,
            "kind": "room",
            "places": "1",
            "district": "Kurylys",
            "city": "Uralsk",
            "address": HOST_ADDRESS,
            "available_from": "2099-01-01",
        },
    )
    assert caplog.records
    _assert_host_hidden(caplog.text, "logs")
    assert token not in caplog.text


def test_an_online_request_is_seen_in_full_by_coordinators_only(
    as_user, volunteer, coordinator, asked_online, shelter
):
    """Registered nowhere: a volunteer sees its code and size on the city's waiting list, not
    its name or phone, until places are held for it in their shelter."""
    household = asked_online.ask.household
    client = as_user(volunteer)
    waiting = client.get(reverse("coordination:waiting")).content.decode()
    assert asked_online.ask.code in waiting
    _assert_clean(waiting)
    assert client.get(reverse("coordination:household", args=[household.pk])).status_code == 403
    detail = as_user(coordinator).get(reverse("coordination:household", args=[household.pk]))
    assert SECRET_NAME in detail.content.decode()


def test_log_lines_keep_secret_links_without_their_token(client, caplog):
    """A wrong or revoked host link, request status link or hold slip is logged as a 404 by
    Django ("Not Found: <path>"): the lines the configured handlers write name the page,
    never the token."""
    handlers = [
        h
        for h in logging.getLogger("django.request").handlers + logging.getLogger().handlers
        if any(isinstance(f, HideSecretPaths) for f in h.filters)
    ]
    assert len(handlers) == 3  # the request logger's console and mail, the root's console
    tokens = {name: f"Secret{name.title()}Token0123456789abcdefghij" for name in SECRET_PAGES}
    with caplog.at_level(logging.WARNING, logger="django.request"):
        for name, token in tokens.items():
            assert client.get(reverse(name, args=[token])).status_code in (404, 410)
    assert len(caplog.records) == len(tokens)
    for handler in handlers:
        lines = "\n".join(
            handler.format(record) for record in caplog.records if handler.filter(record)
        )
        for token in tokens.values():
            assert token not in lines
        assert "/host/…/" in lines and "/ask/s/…/" in lines and "/slip/…/" in lines


SECRET_PAGES = ("host", "ask_status", "hold_slip")
