"""Arriving people ask for a place themselves (/ask/) and follow it by a private link."""

import re

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from coordination.asks import selectors, services
from coordination.asks.models import CODE_ALPHABET, CODE_LENGTH, Ask
from coordination.errors import AlreadyCheckedIn
from coordination.households import services as household_services
from coordination.models import HoldStatus, Household, HouseholdStatus
from tests.factories import HouseholdFactory

pytestmark = pytest.mark.django_db

GOOD = {
    "size": "3",
    "children": "1",
    "has_infant": "on",
    "languages": "Russian",
    "contact_name": "Aigerim",
    "phone": "+7 701 000 11 22",
    "where_now": "border",
    "consent": "on",
}
TOKEN_PATH = re.compile(r"/ask/s/([A-Za-z0-9_-]+)/")


def _ask(client, **changes):
    return client.post(reverse("ask"), {**GOOD, **changes})


def _token(response) -> str:
    return TOKEN_PATH.search(response["Location"]).group(1)


def _asked(client, **changes) -> tuple[Ask, str]:
    response = _ask(client, **changes)
    assert response.status_code == 302, response.content.decode()[:2000]
    return Ask.objects.get(), _token(response)


def test_the_form_is_served_light_in_each_language(client):
    for language in ("ru", "kk", "en"):
        client.cookies["django_language"] = language
        response = client.get(reverse("ask"))
        assert response.status_code == 200
        html = response.content.decode()
        assert f'lang="{language}"' in html
        assert "bootstrap" not in html.lower()
        assert "public.css" in html


def test_sending_puts_the_group_on_the_waiting_list_with_a_code_and_a_private_link(client):
    response = _ask(client)
    assert response.status_code == 302
    ask = Ask.objects.select_related("household").get()
    household = ask.household
    assert (household.size, household.children, household.has_infant) == (3, 1, True)
    assert household.status == HouseholdStatus.WAITING
    assert household.registered_by is None and household.registered_at is None
    assert ask.where_now == "border" and ask.consented_at is not None
    token = _token(response)
    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.status_code == 200
    assert ask.code in html
    assert "You are on the waiting list." in html
    assert f"/ask/s/{token}/" in html  # the link to save
    assert "no-store" in page["Cache-Control"] and page["Referrer-Policy"] == "same-origin"
    # Nothing personal on the status page beyond the size and the code.
    for secret in ("Aigerim", "000 11 22", "Russian"):
        assert secret not in html


@pytest.mark.parametrize(
    "changes, field",
    [
        ({"size": "0"}, "size"),
        ({"size": "99"}, "size"),
        ({"size": ""}, "size"),
        ({"size": "9" * 5000}, "size"),
        ({"size": "²"}, "size"),
        ({"children": "4"}, "children"),
        ({"children": "-1"}, "children"),
        ({"contact_name": "<script>alert(1)</script>"}, "contact_name"),
        ({"contact_name": "x" * 5000}, "contact_name"),
        ({"contact_name": ""}, "contact_name"),
        ({"languages": "<b>ru</b>"}, "languages"),
        ({"phone": "<img src=x>"}, "phone"),
        ({"phone": "9" * 500}, "phone"),
        ({"where_now": "moon"}, "where_now"),
        ({"where_now": ""}, "where_now"),
        ({"consent": ""}, "consent"),
        ({"website": "http://spam.example"}, "website"),
    ],
)
def test_bad_input_gets_a_message_by_its_field_and_saves_nothing(client, changes, field):
    response = _ask(client, **changes)
    assert response.status_code == 200
    assert response.context["form"].errors[field]
    html = response.content.decode()
    assert "error-summary" in html
    assert "<script>alert" not in html
    assert not Household.objects.exists() and not Ask.objects.exists()


def test_a_nul_character_is_refused_not_a_500(client):
    response = _ask(client, contact_name="Ai\x00gerim")
    assert response.status_code == 200
    assert not Ask.objects.exists()


def test_codes_are_short_readable_and_unique_among_open_requests(client):
    for _ in range(30):
        services.ask_create(household=Household(contact_name="A", size=1), where_now="city")
    codes = list(Ask.objects.values_list("code", flat=True))
    assert len(set(codes)) == 30
    for code in codes:
        assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
        assert not set(code) & set("0O1IL")


def test_the_database_refuses_a_second_open_request_with_the_same_code():
    first = services.ask_create(household=Household(contact_name="A", size=1), where_now="city")
    with pytest.raises(IntegrityError), transaction.atomic():
        Ask.objects.create(
            household=HouseholdFactory(),
            code=first.ask.code,
            token_hash="x" * 64,
            where_now="city",
            consented_at=timezone.now(),
        )
    # Once the first is closed, its code may be given again.
    Ask.objects.filter(pk=first.ask.pk).update(closed_at=timezone.now())
    Ask.objects.create(
        household=HouseholdFactory(),
        code=first.ask.code,
        token_hash="y" * 64,
        where_now="city",
        consented_at=timezone.now(),
    )


def test_the_database_refuses_an_ambiguous_code():
    with pytest.raises(IntegrityError), transaction.atomic():
        Ask.objects.create(
            household=HouseholdFactory(),
            code="ABC10O",
            token_hash="z" * 64,
            where_now="city",
            consented_at=timezone.now(),
        )


def test_a_code_collision_is_retried(monkeypatch):
    taken = services.ask_create(household=Household(contact_name="A", size=1), where_now="city")
    codes = iter([taken.ask.code, taken.ask.code, "XYZ234"])
    monkeypatch.setattr(services, "code_new", lambda: next(codes))
    second = services.ask_create(household=Household(contact_name="B", size=2), where_now="city")
    assert second.ask.code == "XYZ234"
    assert Household.objects.count() == 2


def test_the_token_is_not_stored_not_the_code_and_not_guessable(client):
    ask, token = _asked(client)
    assert len(token) >= 43  # 32 random bytes
    assert token not in str(Ask.objects.values().get())  # only its hash is kept
    assert ask.code not in token
    assert ask.token_hash == services.token_hash(token)
    # The code, the household's id, or the hash do not open the page.
    for guess in (ask.code, str(ask.household_id), ask.token_hash, token[:-1] + "A", "x"):
        if guess == token:
            continue
        response = client.get(reverse("ask_status", args=[guess]))
        assert response.status_code == 404
        assert "ask-state" not in response.content.decode()  # no status of any request


def test_the_status_page_follows_hold_and_check_in(client, shelter, volunteer):
    first, _ = _asked(client)  # one group before ours
    client.cookies.clear()
    response = _ask(client, contact_name="Second")
    token = _token(response)
    ask = Ask.objects.get(household__contact_name="Second")
    url = reverse("ask_status", args=[token])
    html = client.get(url).content.decode()
    assert "About 1 group is before you." in html

    space = shelter.spaces.order_by("pk").first()
    hold = household_services.hold_create(
        household_id=ask.household_id, space_id=space.pk, by=volunteer
    )
    html = client.get(url).content.decode()
    assert f"Places are held for you at {shelter.name}." in html
    assert shelter.address in html
    assert timezone.localtime(hold.expires_at).strftime("%H:%M") in html
    assert ask.code in html
    # The first group is now the only one waiting for a place.
    assert selectors.ask_status(first).before == 0

    fragment = client.get(url, {"fragment": "1"})
    assert fragment.status_code == 200
    assert b'id="ask-state"' in fragment.content and b"<html" not in fragment.content

    household_services.stay_check_in(household_id=ask.household_id, space_id=space.pk, by=volunteer)
    html = client.get(url).content.decode()
    assert f"You are checked in at {shelter.name}." in html
    assert shelter.address not in html


def test_a_private_homes_address_shows_only_once_places_are_held(client, shelter, volunteer):
    shelter.kind = "apartment"
    shelter.address = "Secret lane 7, apt 3"
    shelter.save()
    ask, token = _asked(client)
    url = reverse("ask_status", args=[token])
    assert "Secret lane" not in client.get(url).content.decode()
    household_services.hold_create(
        household_id=ask.household_id, space_id=shelter.spaces.first().pk, by=volunteer
    )
    assert "Secret lane 7, apt 3" in client.get(url).content.decode()


def test_cancel_by_the_owner_releases_the_hold(client, shelter, volunteer):
    ask, token = _asked(client)
    space = shelter.spaces.first()
    hold = household_services.hold_create(
        household_id=ask.household_id, space_id=space.pk, by=volunteer
    )
    space.refresh_from_db()
    assert space.held == 3
    assert client.get(reverse("ask_cancel", args=[token])).status_code == 200
    response = client.post(reverse("ask_cancel", args=[token]))
    assert response.status_code == 302
    hold.refresh_from_db()
    space.refresh_from_db()
    ask.refresh_from_db()
    assert hold.status == HoldStatus.RELEASED and space.held == 0
    assert ask.cancelled_at and ask.closed_at
    assert ask.household.__class__.objects.get(pk=ask.household_id).status == HouseholdStatus.LEFT
    html = client.get(reverse("ask_status", args=[token])).content.decode()
    assert "You cancelled this request." in html
    # Twice: nothing more happens, a message, never a 500.
    again = client.post(reverse("ask_cancel", args=[token]))
    assert again.status_code == 409


def test_a_checked_in_request_cannot_be_cancelled(client, shelter, volunteer):
    ask, token = _asked(client)
    household_services.stay_check_in(
        household_id=ask.household_id, space_id=shelter.spaces.first().pk, by=volunteer
    )
    with pytest.raises(AlreadyCheckedIn):
        services.ask_cancel(ask_id=ask.pk)
    response = client.post(reverse("ask_cancel", args=[token]))
    assert response.status_code == 409
    ask.refresh_from_db()
    assert ask.cancelled_at is None


def test_sending_is_rate_limited_per_client(client, settings):
    settings.ASK_RATE_LIMIT_CLIENT = "2/m"
    client.get(reverse("ask"), HTTP_ACCEPT="text/html")  # the browser gets its client id
    assert _ask(client).status_code == 302
    assert _ask(client).status_code == 302
    refused = _ask(client, contact_name="Dana")
    assert refused.status_code == 429 and refused["Retry-After"]
    assert Ask.objects.count() == 2
    # The form comes back as typed, with the reason on top: nothing to type again.
    html = refused.content.decode()
    assert "Too many requests from your connection" in html
    assert 'value="Dana"' in html


def test_mistakes_corrected_do_not_use_up_the_connections_requests(client, settings):
    """A family fixing its typos never blocks the next family on the same Wi-Fi."""
    settings.ASK_RATE_LIMIT_CLIENT = "2/m"
    client.get(reverse("ask"), HTTP_ACCEPT="text/html")
    for mistake in ({"size": "0"}, {"size": "99"}, {"children": "5"}, {"size": "0"}):
        assert _ask(client, **mistake).status_code == 200
    assert _ask(client).status_code == 302
    assert _ask(client).status_code == 302
    assert Ask.objects.count() == 2


def test_the_status_page_is_rate_limited(client, settings):
    settings.ASK_STATUS_RATE_LIMIT_CLIENT = "3/m"
    client.get(reverse("ask"), HTTP_ACCEPT="text/html")
    statuses = [client.get(reverse("ask_status", args=["nope"])).status_code for _ in range(4)]
    assert statuses == [404, 404, 404, 429]


def test_the_form_with_its_css_is_at_most_30_kb_compressed(client):
    import gzip

    from django.contrib.staticfiles import finders

    page = client.get(reverse("ask")).content
    with open(finders.find("css/public.css"), "rb") as css:
        styles = css.read()
    assert len(gzip.compress(page)) + len(gzip.compress(styles)) <= 30 * 1024


def test_volunteers_find_a_request_by_its_code_marked_asked_online(
    client, as_user, shelter, volunteer
):
    ask, _ = _asked(client)
    HouseholdFactory()  # someone else waiting, registered nowhere
    page = as_user(volunteer)
    for typed in (ask.code, ask.code.lower(), f"{ask.code[:3]} {ask.code[3:]}"):
        response = page.get(reverse("coordination:waiting"), {"q": typed})
        elsewhere = response.context["data"].elsewhere
        assert [h.pk for h in elsewhere] == [ask.household_id], typed
        html = response.content.decode()
        assert "asked online" in html and "In the queue at the border" in html
    # Held at their shelter, the request is theirs to see, with its code.
    response = page.post(
        reverse("coordination:hold", args=[ask.household_id]),
        {"space": shelter.spaces.first().pk},
    )
    assert response.status_code == 302
    detail = page.get(reverse("coordination:household", args=[ask.household_id]))
    assert detail.status_code == 200
    assert ask.code in detail.content.decode()


def test_a_cancelled_requests_code_finds_nothing(client, as_user, volunteer):
    ask, token = _asked(client)
    client.post(reverse("ask_cancel", args=[token]))
    response = as_user(volunteer).get(reverse("coordination:waiting"), {"q": ask.code})
    assert response.context["data"].elsewhere == []


def test_cancelling_twice_says_the_request_is_closed(client):
    _ask_row, token = _asked(client)
    client.post(reverse("ask_cancel", args=[token]))
    again = client.post(reverse("ask_cancel", args=[token]))
    assert again.status_code == 409
    assert "This request is closed already: nothing was changed." in again.content.decode()


@pytest.mark.parametrize(
    ("language", "too_few", "too_many"),
    [
        ("ru", "Введите число не меньше 1.", "Введите число не больше"),
        ("kk", "Кемінде 1 болатын сан енгізіңіз.", "Ең көбі"),
    ],
)
def test_numbers_out_of_range_are_told_plainly_in_russian_and_kazakh(
    client, language, too_few, too_many
):
    """Not Django's "Убедитесь, что это значение больше либо равно 1." (our vendor catalog)."""
    client.cookies["django_language"] = language
    assert too_few in _ask(client, size="0").content.decode()
    assert too_many in _ask(client, size="100000").content.decode()
    assert not Ask.objects.exists()
