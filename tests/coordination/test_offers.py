"""Offers from residents: models and constraints, submit (one new offer per phone), the check
steps, approval into a shelter with one space, rejection, suspension, the placement rule for
unvisited homes, and the unchecked-offers alert."""

from datetime import timedelta

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from coordination.alerts.models import Alert, AlertKind
from coordination.alerts.texts import alert_text
from coordination.households import places, services
from coordination.offers import selectors as offer_selectors
from coordination.offers import services as offer_services
from coordination.offers.errors import OfferDecided, OfferNotReady, PlaceNotChecked
from coordination.offers.models import HostOffer, OfferStatus
from shelter.errors import ShelterClosed
from shelter.models import AuditEntry, OccupancyEvent, Shelter
from tests.factories import HostOfferFactory, HouseholdFactory

pytestmark = pytest.mark.django_db


def _data(**changes) -> dict:
    data = {
        "name": "Aigerim",
        "contact": "+7 701 234 56 78",
        "kind": HostOffer.Kind.FLAT,
        "places": 4,
        "available_from": timezone.localdate(),
        "available_until": None,
        "city": "Uralsk",
        "district": "Zachagansk",
        "address": "Ikhsanova 40, flat 2",
        "accepts_families": True,
        "women_children_only": False,
        "men_only": False,
        "pets_allowed": False,
        "wheelchair_accessible": False,
        "smoking_allowed": False,
        "languages": "Kazakh, Russian",
        "notes": "",
    }
    return {**data, **changes}


def _checked(coordinator, **fields) -> HostOffer:
    offer = HostOfferFactory(**fields)
    offer_services.offer_step(offer_id=offer.pk, step="called", by=coordinator)
    offer_services.offer_step(offer_id=offer.pk, step="address", by=coordinator)
    return offer


def _approved(coordinator, *, visited=False, **fields) -> HostOffer:
    offer = _checked(coordinator, **fields)
    if visited:
        offer_services.offer_step(offer_id=offer.pk, step="visited", by=coordinator)
    return offer_services.offer_approve(offer_id=offer.pk, by=coordinator)


# --- Constraints ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"places": 0},
        {"places": 31},
        {"men_only": True, "women_children_only": True},
        {"available_until": timezone.localdate() - timedelta(days=1)},
        {"status": "bogus"},
        {"kind": "castle"},
    ],
)
def test_the_database_refuses_an_impossible_offer(fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        HostOfferFactory(**fields)


def test_an_approved_offer_without_a_shelter_is_refused():
    with pytest.raises(IntegrityError), transaction.atomic():
        HostOfferFactory(status=OfferStatus.APPROVED)


def test_two_new_offers_from_one_phone_are_refused_by_the_database():
    HostOfferFactory(phone_key="77012345678")
    with pytest.raises(IntegrityError), transaction.atomic():
        HostOfferFactory(phone_key="77012345678")
    HostOfferFactory(phone_key="77012345678", status=OfferStatus.REJECTED)  # decided: fine


# --- Submitting -----------------------------------------------------------------------------


def test_submit_records_the_offer_with_a_reference_code():
    submitted = offer_services.offer_submit(data=_data())
    offer = submitted.offer
    assert not submitted.updated
    assert len(offer.code) == 6 and offer.code.isalnum()
    assert offer.status == OfferStatus.NEW
    assert offer.phone_key == "77012345678"


def test_the_same_phone_again_updates_the_new_offer_instead_of_a_duplicate():
    first = offer_services.offer_submit(data=_data(places=2)).offer
    again = offer_services.offer_submit(data=_data(contact="8 (701) 234-56-78", places=3))
    assert again.updated and again.offer.pk == first.pk
    first.refresh_from_db()
    assert first.places == 3 and first.resubmitted_at is not None
    assert HostOffer.objects.count() == 1


def test_a_messenger_handle_is_compared_without_at_and_case():
    first = offer_services.offer_submit(data=_data(contact="@Aigerim_K")).offer
    assert offer_services.offer_submit(data=_data(contact="aigerim_k")).offer.pk == first.pk


def test_after_a_decision_the_same_phone_makes_a_new_offer_flagged_with_the_earlier(
    coordinator,
):
    first = offer_services.offer_submit(data=_data()).offer
    offer_services.offer_reject(offer_id=first.pk, reason="no answer", by=coordinator)
    second = offer_services.offer_submit(data=_data()).offer
    assert second.pk != first.pk
    assert second.same_phone_as_id == first.pk


# --- Checks and approval --------------------------------------------------------------------


def test_approval_needs_the_call_and_the_confirmed_address(coordinator):
    offer = HostOfferFactory()
    with pytest.raises(OfferNotReady):
        offer_services.offer_approve(offer_id=offer.pk, by=coordinator)
    offer_services.offer_step(offer_id=offer.pk, step="called", by=coordinator)
    with pytest.raises(OfferNotReady):
        offer_services.offer_approve(offer_id=offer.pk, by=coordinator)
    assert not Shelter.objects.exists()


def test_each_step_records_who_and_when_once_and_is_audited(coordinator):
    offer = HostOfferFactory()
    assert offer_services.offer_step(offer_id=offer.pk, step="called", by=coordinator)
    assert not offer_services.offer_step(offer_id=offer.pk, step="called", by=coordinator)
    offer.refresh_from_db()
    assert offer.called_by == coordinator and offer.called_at is not None
    entries = AuditEntry.objects.filter(action=AuditEntry.Action.OFFER)
    assert [e.what for e in entries] == [f"Offer {offer.code}: called"]
    assert entries[0].by == coordinator


def test_approval_makes_a_flat_with_one_space_of_the_offered_places(coordinator):
    offer = _approved(coordinator, places=4, kind=HostOffer.Kind.ROOM, pets_allowed=True)
    shelter = offer.shelter
    assert shelter.kind == Shelter.Kind.APARTMENT
    assert shelter.status == Shelter.Status.OPEN  # offered from today
    assert shelter.address == offer.address and shelter.district == "Zachagansk"
    assert shelter.pets_allowed and shelter.host == ""
    assert offer.name not in shelter.name  # the name is public
    space = shelter.spaces.get()
    assert (space.places, space.occupied) == (4, 0)
    assert OccupancyEvent.objects.filter(space=space).exists()  # its places are in the history
    assert offer.status == OfferStatus.APPROVED and offer.decided_by == coordinator
    assert AuditEntry.objects.filter(what=f"Offer {offer.code}: approved").exists()


def test_a_house_becomes_a_private_home_on_standby_until_its_first_day(coordinator):
    later = timezone.localdate() + timedelta(days=3)
    offer = _approved(coordinator, kind=HostOffer.Kind.HOUSE, available_from=later)
    assert offer.shelter.kind == Shelter.Kind.PRIVATE_HOME
    assert offer.shelter.status == Shelter.Status.STANDBY
    assert offer_services.offers_open_due(today=later - timedelta(days=1)) == 0
    assert offer_services.offers_open_due(today=later) == 1
    assert offer_services.offers_open_due(today=later) == 0  # twice: opened once
    offer.shelter.refresh_from_db()
    assert offer.shelter.status == Shelter.Status.OPEN


def test_a_decided_offer_cannot_be_approved_or_rejected_again(coordinator):
    offer = _approved(coordinator)
    with pytest.raises(OfferDecided):
        offer_services.offer_approve(offer_id=offer.pk, by=coordinator)
    with pytest.raises(OfferDecided):
        offer_services.offer_reject(offer_id=offer.pk, reason="x", by=coordinator)
    assert Shelter.objects.count() == 1


def test_reject_keeps_the_reason_and_ends_the_offer(coordinator):
    offer = HostOfferFactory()
    offer_services.offer_reject(offer_id=offer.pk, reason="Not reachable", by=coordinator)
    offer.refresh_from_db()
    assert (offer.status, offer.reject_reason) == (OfferStatus.REJECTED, "Not reachable")
    assert offer.ended_at is not None


# --- Suspension -----------------------------------------------------------------------------


def test_suspending_a_host_stops_the_place_and_flags_households_on_their_way(coordinator):
    offer = _approved(coordinator)
    household = HouseholdFactory(size=2)
    space = offer.shelter.spaces.get()
    hold = services.hold_create(household_id=household.pk, space_id=space.pk, by=coordinator)
    offer_services.host_link_issue(offer_id=offer.pk, by=coordinator)
    offer_services.host_suspend(offer_id=offer.pk, by=coordinator)
    offer.shelter.refresh_from_db()
    assert offer.shelter.status == Shelter.Status.STANDBY
    assert not offer.links.filter(revoked_at__isnull=True).exists()
    assert [h.pk for h in offer_selectors.holds_to_suspended()] == [hold.pk]
    other = HouseholdFactory(size=1)
    with pytest.raises(ShelterClosed):
        services.hold_create(household_id=other.pk, space_id=space.pk, by=coordinator)
    assert AuditEntry.objects.filter(what=f"Offer {offer.code}: host suspended").exists()


# --- Unvisited homes and who they may take --------------------------------------------------


@pytest.mark.parametrize(
    "household",
    [
        {"size": 3, "children": 2, "women_children_only": True},
        {"size": 2, "children": 2},  # children without an adult
    ],
)
def test_an_unvisited_home_is_never_offered_nor_held_for_those_who_need_a_visited_one(
    coordinator, household
):
    offer = _approved(coordinator, women_children_only=household.get("women_children_only", False))
    household = HouseholdFactory(**household)
    space = offer.shelter.spaces.get()
    assert space.pk not in [o.space.pk for o in places.places_for_household(household)]
    with pytest.raises(PlaceNotChecked):
        services.hold_create(household_id=household.pk, space_id=space.pk, by=coordinator)
    with pytest.raises(PlaceNotChecked):
        services.stay_check_in(household_id=household.pk, space_id=space.pk, by=coordinator)
    space.refresh_from_db()
    assert (space.held, space.occupied) == (0, 0)
    offer_services.offer_step(offer_id=offer.pk, step="visited", by=coordinator)
    assert space.pk in [o.space.pk for o in places.places_for_household(household)]
    services.hold_create(household_id=household.pk, space_id=space.pk, by=coordinator)


def test_an_unvisited_home_is_offered_to_others_marked_not_yet_checked(coordinator):
    offer = _approved(coordinator)
    household = HouseholdFactory(size=2)
    options = places.places_for_household(household)
    mine = next(o for o in options if o.space.shelter_id == offer.shelter_id)
    assert mine.space.host_unchecked is True


def test_a_move_into_an_unvisited_home_is_refused_for_women_and_children(coordinator, shelter):
    offer = _approved(coordinator, women_children_only=True)
    household = HouseholdFactory(size=2, children=1, women_children_only=True)
    shelter.women_children_only = True
    shelter.save()
    stay = services.stay_check_in(
        household_id=household.pk, space_id=shelter.spaces.first().pk, by=coordinator
    )
    with pytest.raises(PlaceNotChecked):
        services.stay_move(stay_id=stay.pk, space_id=offer.shelter.spaces.get().pk, by=coordinator)


# --- Figures and the alert ------------------------------------------------------------------


def test_figures_count_offered_checked_ready_and_in_use(coordinator):
    HostOfferFactory(places=5)  # new
    _checked(coordinator, places=2)  # checked, not approved yet
    approved = _approved(coordinator, places=3)
    HostOfferFactory(places=7, status=OfferStatus.REJECTED)
    household = HouseholdFactory(size=1)
    services.hold_create(
        household_id=household.pk, space_id=approved.shelter.spaces.get().pk, by=coordinator
    )
    figures = offer_selectors.offer_figures()
    assert (figures.offered, figures.checked, figures.ready, figures.in_use) == (10, 5, 2, 1)
    assert figures.waiting == 2


def test_offers_waiting_over_a_day_raise_one_alert_cleared_once_checked(coordinator):
    now = timezone.now()
    offer = HostOfferFactory()
    HostOffer.objects.filter(pk=offer.pk).update(created_at=now - timedelta(hours=20))
    assert not offer_services.offers_alert_check(now=now)
    assert offer_services.offers_alert_check(now=now + timedelta(hours=5))
    assert not offer_services.offers_alert_check(now=now + timedelta(hours=6))  # one alert
    alert = Alert.objects.active().get(kind=AlertKind.OFFERS_WAITING)
    assert alert_text(alert).startswith("1 offer of a place from residents has waited over 24")
    offer_services.offer_reject(offer_id=offer.pk, reason="duplicate", by=coordinator)
    offer_services.offers_alert_check(now=now + timedelta(hours=7))
    assert not Alert.objects.active().filter(kind=AlertKind.OFFERS_WAITING).exists()
