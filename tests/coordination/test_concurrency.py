"""Races for the last places and the last portions, against real PostgreSQL."""

import threading
import time
import uuid

import pytest
from django.db import connection, transaction
from django.db.models import Sum
from django.test import Client
from django.urls import reverse

from coordination.errors import (
    AlreadyCheckedIn,
    ClaimAlreadySaved,
    HoldLimitReached,
    NotEnoughPortions,
)
from coordination.households import services
from coordination.meals import services as meal_services
from coordination.models import Hold, HoldStatus, MealClaim
from shelter import services as shelter_services
from shelter.errors import SpaceFull
from shelter.models import OccupancyReason, Space
from tests.factories import (
    HouseholdFactory,
    MealOfferFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
)
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.mark.parametrize("action", ["hold", "check_in"])
def test_two_volunteers_placing_different_households_in_the_last_places(action):
    space = SpaceFactory(places=3)
    households = [HouseholdFactory(size=3), HouseholdFactory(size=2)]
    user = UserFactory()
    act = services.hold_create if action == "hold" else services.stay_check_in

    outcomes = race(2, lambda i: act(household_id=households[i].pk, space_id=space.pk, by=user))

    assert sorted(outcomes) == [SpaceFull.__name__, "ok"]
    space.refresh_from_db()
    assert space.occupied + space.held + space.blocked <= space.places
    assert space.occupied + space.held == (3 if outcomes[0] == "ok" else 2)


def test_hold_and_check_in_racing_for_the_same_places():
    space = SpaceFactory(places=4)
    user = UserFactory()
    first, second = HouseholdFactory(size=3), HouseholdFactory(size=3)

    outcomes = race(
        2,
        lambda i: (
            services.hold_create(household_id=first.pk, space_id=space.pk, by=user)
            if i == 0
            else services.stay_check_in(household_id=second.pk, space_id=space.pk, by=user)
        ),
    )

    assert sorted(outcomes) == [SpaceFull.__name__, "ok"]
    space.refresh_from_db()
    assert space.occupied + space.held == 3


def test_a_double_submitted_check_in_places_the_household_once():
    space = SpaceFactory(places=10)
    household = HouseholdFactory(size=2)
    user = UserFactory()

    outcomes = race(
        4, lambda _i: services.stay_check_in(household_id=household.pk, space_id=space.pk, by=user)
    )

    assert outcomes.count("ok") == 1
    assert outcomes.count(AlreadyCheckedIn.__name__) == 3
    space.refresh_from_db()
    assert space.occupied == 2
    assert household.stays.count() == 1


def test_shelters_claiming_the_last_portions_at_once_never_exceed_the_offer():
    offer = MealOfferFactory(portions=10)
    shelters = [ShelterFactory() for _ in range(8)]
    user = UserFactory()

    outcomes = race(
        8,
        lambda i: meal_services.meal_claim(
            offer_id=offer.pk, shelter_id=shelters[i].pk, portions=3, by=user
        ),
    )

    assert outcomes.count("ok") == 3
    assert outcomes.count(NotEnoughPortions.__name__) == 5
    offer.refresh_from_db()
    assert offer.claimed == 9
    assert sum(MealClaim.objects.values_list("portions", flat=True)) == 9


@pytest.mark.parametrize("portions", [2, 10])
def test_a_claim_form_sent_twice_at_once_claims_once(portions):
    """Two posts of one claim form (a network retry) racing: one claim, no 500.

    With 10 of 10 portions the second also finds the offer empty: still "already saved".
    """
    offer = MealOfferFactory(portions=10)
    shelter = ShelterFactory()
    user = UserFactory()
    token = uuid.uuid4()

    outcomes = race(
        2,
        lambda _i: meal_services.meal_claim(
            offer_id=offer.pk, shelter_id=shelter.pk, portions=portions, by=user, submission=token
        ),
    )

    assert sorted(outcomes) == [ClaimAlreadySaved.__name__, "ok"]
    offer.refresh_from_db()
    assert offer.claimed == portions
    assert MealClaim.objects.count() == 1


def test_a_claim_form_posted_by_two_threads_at_once_through_the_page_claims_once(volunteer):
    """The same through the view: both answers are a redirect with a message, not a 500."""
    offer = MealOfferFactory(portions=10)
    shelter_id = volunteer.shelter_memberships.get().shelter_id
    prefix = f"offer-{offer.pk}"
    data = {
        f"{prefix}-shelter": shelter_id,
        f"{prefix}-portions": "3",
        f"{prefix}-submission": str(uuid.uuid4()),
    }
    clients = [Client(), Client()]
    for client in clients:
        client.force_login(volunteer)
    answers = []

    def post(index: int) -> None:
        response = clients[index].post(reverse("coordination:meal_claim", args=[offer.pk]), data)
        answers.append(response.status_code)

    assert race(2, post) == ["ok", "ok"]
    assert answers == [302, 302]
    offer.refresh_from_db()
    assert offer.claimed == 3
    assert MealClaim.objects.count() == 1


def test_one_accounts_holds_at_once_elsewhere_never_pass_the_limit(settings):
    """Six holds by one account at once, each in another shelter: the user-row lock counts
    them one after the other, so exactly three fit under a limit of 10 places."""
    settings.HOLD_MAX_PLACES_ELSEWHERE = 10
    user = UserFactory()  # assigned to no shelter: every hold is "elsewhere"
    spaces = [SpaceFactory(places=5) for _ in range(6)]
    households = [HouseholdFactory(size=3) for _ in range(6)]

    outcomes = race(
        6,
        lambda i: services.hold_create(
            household_id=households[i].pk, space_id=spaces[i].pk, by=user
        ),
    )

    assert sorted(outcomes) == [HoldLimitReached.__name__] * 3 + ["ok"] * 3
    assert Hold.objects.filter(status=HoldStatus.ACTIVE).aggregate(Sum("places")) == {
        "places__sum": 9
    }
    assert sum(Space.objects.values_list("held", flat=True)) == 9


def test_a_hold_and_the_same_users_bed_count_at_one_shelter_do_not_deadlock():
    """Lock order: household, user, shelters. A bed count holds the shelter and then writes
    rows pointing at its user; the hold holds that user's row and waits for the shelter.
    FOR NO KEY UPDATE on the user lets the count go on: with FOR UPDATE this deadlocked."""
    user = UserFactory()
    space = SpaceFactory(places=10)
    household = HouseholdFactory(size=2)
    count_has_shelter = threading.Event()
    hold_pid = {}

    def bed_count() -> None:
        with transaction.atomic():
            shelter_services.shelters_lock([space.shelter_id])
            count_has_shelter.set()
            _wait_until_blocked(hold_pid)  # the hold has the user row and waits for us
            shelter_services.occupancy_change(
                space_id=space.pk, delta=1, reason=OccupancyReason.COUNT, by=user
            )

    def hold() -> None:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            hold_pid["pid"] = cursor.fetchone()[0]
        assert count_has_shelter.wait(timeout=10)
        services.hold_create(household_id=household.pk, space_id=space.pk, by=user)

    assert race(2, lambda i: bed_count() if i == 0 else hold()) == ["ok", "ok"]
    space.refresh_from_db()
    assert (space.occupied, space.held) == (1, 2)


def _wait_until_blocked(pid_box: dict, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if "pid" in pid_box:
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted", [pid_box["pid"]]
                )
                if cursor.fetchone()[0]:
                    return
        time.sleep(0.02)
    raise AssertionError("the hold never waited for the shelter lock")


def test_expiry_racing_with_check_in_gives_places_back_exactly_once():
    from datetime import timedelta

    from django.utils import timezone

    space = SpaceFactory(places=5)
    household = HouseholdFactory(size=2)
    user = UserFactory()
    hold = services.hold_create(household_id=household.pk, space_id=space.pk, by=user, hours=0)
    Hold.objects.filter(pk=hold.pk).update(expires_at=timezone.now() - timedelta(minutes=1))

    race(
        2,
        lambda i: (
            services.holds_expire_due()
            if i == 0
            else services.stay_check_in(household_id=household.pk, space_id=space.pk, by=user)
        ),
    )

    space.refresh_from_db()
    assert space.held == 0
    assert space.occupied == 2


def test_standby_while_households_check_in_lets_in_none_after_it_but_those_on_a_hold():
    """Standby and check-ins take the shelter lock: each newcomer is in before standby or
    refused after it; households with a hold for the space are received either way."""
    from shelter.errors import ShelterClosed
    from shelter.models import AuditEntry, OccupancyEvent, ShelterStatus

    space = SpaceFactory(places=40)
    user = UserFactory()
    newcomers = [HouseholdFactory(size=1) for _ in range(4)]
    on_hold = [HouseholdFactory(size=2) for _ in range(3)]
    for household in on_hold:
        services.hold_create(household_id=household.pk, space_id=space.pk, by=user)

    def act(index):
        if index == 0:
            shelter_services.shelter_set_status(
                shelter_id=space.shelter_id, status=ShelterStatus.STANDBY, by=user
            )
            return
        household = (newcomers + on_hold)[index - 1]
        services.stay_check_in(household_id=household.pk, space_id=space.pk, by=user)

    outcomes = race(1 + len(newcomers) + len(on_hold), act)

    assert outcomes[0] == "ok"
    assert outcomes[1 + len(newcomers) :] == ["ok"] * len(on_hold)
    assert set(outcomes[1 : 1 + len(newcomers)]) <= {"ok", ShelterClosed.__name__}
    standby_at = AuditEntry.objects.get(shelter_id=space.shelter_id).at
    admitted = outcomes[1 : 1 + len(newcomers)].count("ok")
    space.refresh_from_db()
    assert (space.occupied, space.held) == (admitted + 2 * len(on_hold), 0)
    # Every newcomer let in (a check-in of one person) was counted before the standby.
    newcomer_in = [
        event.at
        for event in OccupancyEvent.objects.filter(space=space, reason=OccupancyReason.CHECK_IN)
        if event.after - event.before == 1
    ]
    assert len(newcomer_in) == admitted
    assert all(at < standby_at for at in newcomer_in)


def test_a_provider_cancelling_while_shelters_claim_and_release_leaves_nothing_claimed():
    """Cancel, claims and releases all lock the offer first: no deadlock, and afterwards no
    portion is claimed on the cancelled offer and every claim is released."""
    from coordination.errors import ClaimReleased, OfferCancelled
    from coordination.meals import services as meals

    offer = MealOfferFactory(portions=100)
    user = UserFactory()
    shelters = [ShelterFactory() for _ in range(8)]
    earlier = [
        meals.meal_claim(offer_id=offer.pk, shelter_id=shelters[i].pk, portions=5, by=user)
        for i in range(4)
    ]

    def act(index):
        if index == 0:
            meals.meal_offer_cancel(offer_id=offer.pk, by=user)
        elif index <= 4:  # shelters that claimed give their portions back meanwhile
            meals.meal_claim_release(claim_id=earlier[index - 1].pk, by=user)
        else:
            meals.meal_claim(
                offer_id=offer.pk, shelter_id=shelters[index - 1].pk, portions=3, by=user
            )

    outcomes = race(9, act)

    assert outcomes[0] == "ok"
    assert set(outcomes[1:5]) <= {"ok", ClaimReleased.__name__}
    assert set(outcomes[5:]) <= {"ok", OfferCancelled.__name__}
    offer.refresh_from_db()
    assert offer.is_cancelled and offer.claimed == 0
    claims = list(MealClaim.objects.filter(offer=offer))
    assert all(claim.released_at for claim in claims)
    told = {claim.shelter_id for claim in claims if claim.offer_cancelled}
    # Every claim still standing at the moment of cancelling was released by it (and told).
    assert len(told) == outcomes[1:5].count(ClaimReleased.__name__) + outcomes[5:].count("ok")
