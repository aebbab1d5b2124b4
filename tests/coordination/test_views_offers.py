"""The offers' pages: the public /offer/ form (every field's good and bad input, the
honeypot, the rate limit), the coordinators' list and checks, and the host's own link."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from coordination.households import services
from coordination.offers import services as offer_services
from coordination.offers.models import HostLinkUse, HostOffer, OfferStatus
from shelter.models import AuditEntry, OccupancyEvent, Shelter
from tests.factories import HostOfferFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


def _form(**changes) -> dict:
    data = {
        "name": "Aigerim",
        "contact": "+7 701 234 56 78",
        "kind": "flat",
        "places": "4",
        "available_from": timezone.localdate().isoformat(),
        "available_until": "",
        "city": "Uralsk",
        "district": "Zachagansk",
        "address": "Ikhsanova 40, flat 2",
        "accepts_families": "on",
        "languages": "Kazakh",
        "notes": "",
        "website": "",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


# --- The public form ------------------------------------------------------------------------


def test_the_form_is_served_to_anyone_with_the_privacy_note(client):
    response = client.get(reverse("offer"))
    page = response.content.decode()
    assert response.status_code == 200
    assert "How we use your details" in page
    assert 'name="website"' in page  # the honeypot
    assert "sessionid" not in response.cookies


def test_a_good_offer_is_saved_and_confirmed_with_its_code(client):
    response = client.post(reverse("offer"), _form(), follow=True)
    assert response.redirect_chain[0][1] == 302  # posted, then redirected: a reload sends nothing
    assert response.status_code == 200
    offer = HostOffer.objects.get()
    page = response.content.decode()
    assert offer.code in page
    assert "A coordinator will call you within a day" in page
    assert (offer.places, offer.kind, offer.district) == (4, "flat", "Zachagansk")
    assert offer.name not in page and offer.address not in page  # the code is all it shows


def test_the_confirmation_needs_its_signed_receipt(client):
    response = client.get(reverse("offer_sent"), {"r": "T00001"})
    assert response.status_code == 200
    assert "Nothing to confirm here" in response.content.decode()


def test_sending_again_from_the_same_phone_says_it_was_updated(client):
    client.post(reverse("offer"), _form(places="2"))
    response = client.post(reverse("offer"), _form(contact="87012345678", places="3"), follow=True)
    assert "we updated it with these answers" in response.content.decode()
    assert HostOffer.objects.get().places == 3


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"places": "0"}, "places", "Offer at least one place."),
        ({"places": "99999999999999999999999"}, "places", "at most here"),
        ({"places": "31"}, "places", "30 places at most"),
        ({"places": "two"}, "places", "Enter a whole number"),
        ({"name": "<script>alert(1)</script>"}, "name", "plain text"),
        ({"address": "<b>x</b>"}, "address", "plain text"),
        ({"notes": "x" * 1001}, "notes", "at most 1000 characters"),
        ({"name": "x" * 81}, "name", "at most 80 characters"),
        ({"contact": ""}, "contact", "This field is required"),
        ({"contact": "12"}, "contact", "Give a phone number"),
        ({"district": ""}, "district", "This field is required"),
        ({"kind": "castle"}, "kind", "Select a valid choice"),
        ({"available_from": "yesterday"}, "available_from", "Enter a valid date"),
        ({"available_from": "2020-01-01"}, "available_from", "Choose today or a later day"),
        (
            {"available_until": (timezone.localdate() - timedelta(days=1)).isoformat()},
            "available_until",
            "The last day cannot be before the first day",
        ),
        ({"men_only": "on", "women_children_only": "on"}, "men_only", "not both"),
        ({"name": "Ai\x00gerim"}, "name", "Null characters are not allowed"),
    ],
)
def test_bad_input_is_refused_next_to_its_field_and_nothing_is_saved(
    client, changes, field, message
):
    response = client.post(reverse("offer"), _form(**changes))
    assert response.status_code == 400
    form = response.context["form"]
    assert field in form.errors
    assert message in " ".join(form.errors[field])
    assert message in response.content.decode().replace("&#x27;", "'")
    assert not HostOffer.objects.exists()


def test_a_filled_honeypot_is_refused_with_a_message_and_nothing_saved(client):
    response = client.post(reverse("offer"), _form(website="http://spam.example"))
    assert response.status_code == 400
    assert "filled in by a program" in response.content.decode()
    assert not HostOffer.objects.exists()


def test_posting_too_often_is_refused_with_a_message_and_nothing_saved(client, settings):
    settings.OFFER_RATE_LIMIT = "2/m"
    for n in range(2):
        sent = client.post(reverse("offer"), _form(contact=f"+7 701 000 00 0{n}"))
        assert sent.status_code == 302
    response = client.post(reverse("offer"), _form(contact="+7 701 000 00 09"))
    assert response.status_code == 429
    assert "Too many offers from your connection" in response.content.decode()
    assert HostOffer.objects.count() == 2
    assert client.get(reverse("offer")).status_code == 200  # reading the form is not counted


def test_the_public_page_shows_residents_places_from_the_snapshot(client, coordinator):
    HostOfferFactory(places=5)
    page = client.get(reverse("home")).content.decode()
    assert "5 places offered by residents, 0 checked and ready." in page
    assert reverse("offer") in page


# --- Coordinators ---------------------------------------------------------------------------


def test_the_list_shows_new_offers_oldest_first(as_user, coordinator):
    old = HostOfferFactory(district="Zachagansk")
    HostOffer.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(hours=5))
    new = HostOfferFactory(district="Center")
    HostOfferFactory(status=OfferStatus.REJECTED)
    response = as_user(coordinator).get(reverse("coordination:offers"))
    assert [o.pk for o in response.context["offers"]] == [old.pk, new.pk]
    filtered = as_user(coordinator).get(reverse("coordination:offers"), {"district": "center"})
    assert [o.pk for o in filtered.context["offers"]] == [new.pk]
    rejected = as_user(coordinator).get(reverse("coordination:offers"), {"status": "rejected"})
    assert len(rejected.context["offers"]) == 1


def test_a_volunteer_may_not_see_offers(as_user, volunteer):
    offer = HostOfferFactory()
    assert as_user(volunteer).get(reverse("coordination:offers")).status_code == 403
    assert as_user(volunteer).get(reverse("coordination:offer", args=[offer.pk])).status_code == 403


def _act(client, offer, action, **extra):
    return client.post(
        reverse("coordination:offer_action", args=[offer.pk]), {"action": action, **extra}
    )


def test_a_coordinator_checks_and_approves_an_offer_through_the_page(as_user, coordinator):
    offer = HostOfferFactory()
    client = as_user(coordinator)
    refused = _act(client, offer, "approve")
    assert refused.status_code == 302 and not Shelter.objects.exists()
    for step in ("called", "address", "visited"):
        assert _act(client, offer, step).status_code == 302
    assert _act(client, offer, "approve").status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.APPROVED and offer.shelter.spaces.get().places == 3
    assert AuditEntry.objects.filter(action=AuditEntry.Action.OFFER).count() == 4


def test_reject_needs_a_reason(as_user, coordinator):
    offer = HostOfferFactory()
    response = _act(as_user(coordinator), offer, "reject", reason="")
    assert response.status_code == 400
    offer.refresh_from_db()
    assert offer.status == OfferStatus.NEW
    _act(as_user(coordinator), offer, "reject", reason="Sounded unsafe")
    offer.refresh_from_db()
    assert offer.status == OfferStatus.REJECTED


def test_an_unknown_action_changes_nothing(as_user, coordinator):
    offer = HostOfferFactory()
    assert _act(as_user(coordinator), offer, "<script>").status_code == 302
    offer.refresh_from_db()
    assert offer.status == OfferStatus.NEW and offer.called_at is None


def _approved(coordinator) -> HostOffer:
    offer = HostOfferFactory()
    for step in ("called", "address"):
        offer_services.offer_step(offer_id=offer.pk, step=step, by=coordinator)
    return offer_services.offer_approve(offer_id=offer.pk, by=coordinator)


def test_issuing_a_link_shows_it_once_with_copy_and_send_links(as_user, coordinator):
    offer = _approved(coordinator)
    client = as_user(coordinator)
    response = _act(client, offer, "link_issue")
    assert response.status_code == 302
    response = client.get(response["Location"])
    assert response.status_code == 200
    page = response.content.decode()
    url = response.context["host_url"]
    token = url.rstrip("/").rsplit("/", 1)[1]
    assert len(token) >= 40
    assert f'href="{url}"' in page  # a visible link, without JavaScript
    assert 'href="sms:+77015550' in page or "sms:" in page
    assert "https://t.me/share/url?url=" in page and "https://wa.me/?text=" in page
    assert "Copy link" in page
    link = offer.links.get()
    assert token not in link.token_hash  # only its hash is kept
    assert AuditEntry.objects.filter(action=AuditEntry.Action.HOST_LINK).count() == 1
    # The detail page later does not show it again.
    again = client.get(reverse("coordination:offer", args=[offer.pk]))
    assert token not in again.content.decode()


# --- The host's link ------------------------------------------------------------------------


@pytest.fixture
def host(coordinator):
    offer = _approved(coordinator)
    token = offer_services.host_link_issue(offer_id=offer.pk, by=coordinator)
    return offer, token


def test_a_good_link_opens_the_hosts_page_without_logging_in(client, host):
    offer, token = host
    response = client.get(reverse("host", args=[token]))
    assert response.status_code == 200
    assert offer.shelter.name in response.content.decode()
    assert "sessionid" not in response.cookies
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cache-Control"] == "no-store"
    assert not response.wsgi_request.user.is_authenticated
    assert client.get(reverse("coordination:dashboard")).status_code == 302  # still nobody
    assert HostLinkUse.objects.filter(action="open").count() == 1


@pytest.mark.parametrize("kind", ["wrong", "revoked", "expired"])
def test_a_bad_link_gets_a_clear_page_and_nothing_else(client, host, coordinator, kind):
    offer, token = host
    household = HouseholdFactory(contact_name="Secretname Guest", size=1)
    services.hold_create(
        household_id=household.pk, space_id=offer.shelter.spaces.get().pk, by=coordinator
    )
    expected = {
        "wrong": "Check that it was copied in full",
        "revoked": "replaced or switched off",
        "expired": "not used for a long time",
    }[kind]
    when = timezone.now()
    if kind == "wrong":
        token = token[:-3] + "abc"
    elif kind == "revoked":
        offer_services.host_link_issue(offer_id=offer.pk, by=coordinator)  # a new one
    else:
        when += timedelta(days=15)
    with time_machine.travel(when, tick=False):
        response = client.get(reverse("host", args=[token]))
        posted = client.post(reverse("host", args=[token]), {"action": "minus"})
    page = response.content.decode()
    assert response.status_code == 404 and posted.status_code == 404
    assert expected in page
    assert "Secretname" not in page and offer.shelter.name not in page
    assert offer.shelter.spaces.get().places == 3  # the post changed nothing


def test_a_used_link_stays_valid_past_the_idle_days_counted_from_its_creation(client, host):
    _offer, token = host
    start = timezone.now()
    for days in (10, 20, 30):
        with time_machine.travel(start + timedelta(days=days), tick=False):
            assert client.get(reverse("host", args=[token])).status_code == 200


def test_the_host_lowers_and_raises_free_places_through_the_occupancy_service(client, host):
    offer, token = host
    url = reverse("host", args=[token])
    client.post(url, {"action": "minus"})
    client.post(url, {"action": "minus"})
    space = offer.shelter.spaces.get()
    assert (space.places, space.free) == (1, 1)
    events = OccupancyEvent.objects.filter(space=space, reason="count")
    assert [(e.places_before, e.places) for e in events.order_by("pk")] == [(3, 2), (2, 1)]
    client.post(url, {"action": "plus"})
    assert offer.shelter.spaces.get().places == 2
    assert HostLinkUse.objects.filter(action="free").count() == 3


def test_the_host_cannot_take_away_places_held_for_guests(client, host, coordinator):
    offer, token = host
    space = offer.shelter.spaces.get()
    household = HouseholdFactory(size=3)
    services.hold_create(household_id=household.pk, space_id=space.pk, by=coordinator)
    response = client.post(reverse("host", args=[token]), {"action": "minus"}, follow=True)
    assert "No free place left to take away" in response.content.decode()
    assert offer.shelter.spaces.get().places == 3


def test_the_host_sees_only_their_own_guests_and_confirms_arrival_and_departure(
    client, host, coordinator
):
    offer, token = host
    other = _approved(coordinator)
    mine = HouseholdFactory(contact_name="Dana Mine", phone="+7 702 111 22 33", size=2, children=1)
    theirs = HouseholdFactory(contact_name="Zarina Other", phone="+7 702 999 88 77", size=1)
    my_hold = services.hold_create(
        household_id=mine.pk, space_id=offer.shelter.spaces.get().pk, by=coordinator
    )
    other_hold = services.hold_create(
        household_id=theirs.pk, space_id=other.shelter.spaces.get().pk, by=coordinator
    )
    url = reverse("host", args=[token])
    page = client.get(url).content.decode()
    assert "Dana" in page and "+7 702 111 22 33" in page and "1 child" in page
    assert "Mine" not in page  # the first name only
    assert "Zarina" not in page and "999 88 77" not in page
    # Another host's household cannot be checked in through this link.
    client.post(url, {"action": "arrived", "hold": other_hold.pk})
    other_hold.refresh_from_db()
    assert other_hold.status == "active"
    client.post(url, {"action": "arrived", "hold": my_hold.pk})
    my_hold.refresh_from_db()
    assert my_hold.status == "checked_in"
    stay = mine.stays.get()
    assert offer.shelter.spaces.get().occupied == 2
    client.post(url, {"action": "left", "stay": stay.pk})
    stay.refresh_from_db()
    assert stay.checked_out_at is not None
    assert offer.shelter.spaces.get().occupied == 0


def test_the_host_pauses_resumes_and_stops(client, host):
    offer, token = host
    url = reverse("host", args=[token])
    client.post(url, {"action": "pause"})
    offer.shelter.refresh_from_db()
    assert offer.shelter.status == Shelter.Status.STANDBY
    client.post(url, {"action": "resume"})
    offer.shelter.refresh_from_db()
    assert offer.shelter.status == Shelter.Status.OPEN
    client.post(url, {"action": "stop"})
    offer.refresh_from_db()
    offer.shelter.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN
    assert offer.shelter.status == Shelter.Status.CLOSED
    assert client.get(url).status_code == 404  # the link is off


@pytest.mark.parametrize("data", [{}, {"action": "arrived", "hold": "x"}, {"action": "zzz"}])
def test_odd_posts_to_the_hosts_page_change_nothing(client, host, data):
    offer, token = host
    assert client.post(reverse("host", args=[token]), data).status_code == 302
    assert offer.shelter.spaces.get().places == 3


def test_a_follow_up_call_is_listed_from_day_two_until_recorded(as_user, coordinator):
    offer = _approved(coordinator)
    household = HouseholdFactory(contact_name="Follow Me", size=1)
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        stay = services.stay_check_in(
            household_id=household.pk, space_id=offer.shelter.spaces.get().pk, by=coordinator
        )
    client = as_user(coordinator)
    with time_machine.travel(start + timedelta(hours=12), tick=False):
        dashboard = client.get(reverse("coordination:dashboard"))
        assert stay not in dashboard.context["offers"].follow_ups
    with time_machine.travel(start + timedelta(days=1, hours=1), tick=False):
        page = client.get(reverse("coordination:dashboard"))
        assert [s.pk for s in page.context["offers"].follow_ups] == [stay.pk]
        assert "Follow Me" in page.content.decode()
        client.post(reverse("coordination:follow_up", args=[stay.pk]), {"outcome": "well"})
        assert not client.get(reverse("coordination:dashboard")).context["offers"].follow_ups


def test_the_host_cannot_raise_free_places_past_a_homes_limit(client, coordinator):
    offer = HostOfferFactory(places=30)
    for step in ("called", "address"):
        offer_services.offer_step(offer_id=offer.pk, step=step, by=coordinator)
    offer = offer_services.offer_approve(offer_id=offer.pk, by=coordinator)
    token = offer_services.host_link_issue(offer_id=offer.pk, by=coordinator)
    response = client.post(reverse("host", args=[token]), {"action": "plus"}, follow=True)
    assert "30 people at most" in response.content.decode()
    assert offer.shelter.spaces.get().places == 30


def test_a_follow_up_for_a_stay_that_does_not_exist_is_a_404(as_user, coordinator):
    response = as_user(coordinator).post(
        reverse("coordination:follow_up", args=[999999]), {"outcome": "well"}
    )
    assert response.status_code == 404
