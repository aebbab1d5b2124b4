"""Households: hold, check in, out and move; meals: claim and release (the purge: test_purge.py)."""

import uuid
from datetime import timedelta

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.utils import timezone

from coordination.errors import (
    AlreadyCheckedIn,
    ClaimAlreadySaved,
    ClaimReleased,
    HoldLimitReached,
    HoldNotActive,
    HouseholdNotWaiting,
    NotCheckedIn,
    NotEnoughPortions,
    OfferPassed,
)
from coordination.households import services
from coordination.meals import services as meal_services
from coordination.models import (
    Hold,
    HoldStatus,
    Household,
    HouseholdStatus,
    MealClaim,
    MealOffer,
)
from coordination.tasks import expire_holds
from shelter.errors import ShelterClosed, SpaceFull
from shelter.models import OccupancyEvent, OccupancyReason, Shelter, ShelterStatus, Space
from tests.factories import (
    HouseholdFactory,
    MealOfferFactory,
    MembershipFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def user():
    return UserFactory()


def _space(places=10, **shelter_fields):
    return SpaceFactory(places=places, shelter=ShelterFactory(**shelter_fields))


def _counts(space):
    space.refresh_from_db()
    return space.occupied, space.held


def test_a_hold_takes_places_until_check_in_turns_it_into_a_stay(user):
    space = _space(10)
    household = HouseholdFactory(size=4)
    hold = services.hold_create(household_id=household.pk, space_id=space.pk, by=user)
    assert _counts(space) == (0, 4)
    assert space.free == 6
    stay = services.stay_check_in(household_id=household.pk, space_id=space.pk, by=user)
    assert _counts(space) == (4, 0)
    hold.refresh_from_db()
    household.refresh_from_db()
    assert hold.status == HoldStatus.CHECKED_IN
    assert household.status == HouseholdStatus.PLACED
    assert stay.people == 4 and stay.checked_in_by == user
    event = OccupancyEvent.objects.get(space=space)
    assert (event.reason, event.before, event.after) == (OccupancyReason.CHECK_IN, 0, 4)


def test_held_places_are_not_given_to_anyone_else(user):
    space = _space(5)
    services.hold_create(household_id=HouseholdFactory(size=4).pk, space_id=space.pk, by=user)
    with pytest.raises(SpaceFull):
        services.hold_create(household_id=HouseholdFactory(size=2).pk, space_id=space.pk, by=user)
    with pytest.raises(SpaceFull):
        services.stay_check_in(household_id=HouseholdFactory(size=2).pk, space_id=space.pk, by=user)
    assert _counts(space) == (0, 4)


def test_a_new_hold_replaces_the_old_one(user):
    first, second = _space(5), _space(5)
    household = HouseholdFactory(size=3)
    services.hold_create(household_id=household.pk, space_id=first.pk, by=user)
    services.hold_create(household_id=household.pk, space_id=second.pk, by=user)
    assert _counts(first) == (0, 0)
    assert _counts(second) == (0, 3)
    assert household.holds.filter(status=HoldStatus.ACTIVE).count() == 1


def test_checking_in_elsewhere_releases_the_hold(user):
    held, other = _space(5), _space(5)
    household = HouseholdFactory(size=2)
    services.hold_create(household_id=household.pk, space_id=held.pk, by=user)
    services.stay_check_in(household_id=household.pk, space_id=other.pk, by=user)
    assert _counts(held) == (0, 0)
    assert _counts(other) == (2, 0)
    assert household.holds.get().status == HoldStatus.RELEASED


def test_expired_holds_free_places_and_households_keep_their_turn(user):
    space = _space(5)
    older = HouseholdFactory(size=2)
    newer = HouseholdFactory(size=1)
    services.hold_create(household_id=older.pk, space_id=space.pk, by=user, hours=3)
    assert expire_holds() == 0
    with time_machine.travel(timezone.now() + timedelta(hours=3, minutes=1)):
        assert expire_holds() == 1
        assert expire_holds() == 0  # the task runs twice: nothing more happens
    assert _counts(space) == (0, 0)
    assert Hold.objects.get().status == HoldStatus.EXPIRED
    assert list(Household.objects.waiting()) == [older, newer]


def test_releasing_a_hold_twice_is_refused_the_second_time(user):
    space = _space(5)
    hold = services.hold_create(household_id=HouseholdFactory().pk, space_id=space.pk, by=user)
    services.hold_release(hold_id=hold.pk, by=user)
    with pytest.raises(HoldNotActive):
        services.hold_release(hold_id=hold.pk, by=user)
    assert _counts(space) == (0, 0)


def _hold(household, space, by):
    return services.hold_create(household_id=household.pk, space_id=space.pk, by=by)


def test_an_account_holds_at_most_the_limit_in_shelters_it_is_not_assigned_to(settings, user):
    assert settings.HOLD_MAX_PLACES_ELSEWHERE == 30  # the default
    settings.HOLD_MAX_PLACES_ELSEWHERE = 10
    first, second = _space(20), _space(20)
    _hold(HouseholdFactory(size=6), first, user)
    _hold(HouseholdFactory(size=4), second, user)  # 10 of 10
    refused = HouseholdFactory(size=1)
    with pytest.raises(HoldLimitReached) as error:
        _hold(refused, first, user)
    assert error.value.message == (
        "You are holding 10 places in other shelters already; the limit is 10 and this "
        "household needs 1. Release one or ask a coordinator."
    )
    assert _counts(first) == (0, 6)  # nothing saved
    assert not refused.holds.exists()
    # Released, expired and checked-in holds no longer count.
    services.hold_release(hold_id=Hold.objects.get(places=4).pk, by=user)
    _hold(refused, first, user)
    assert Hold.objects.filter(status=HoldStatus.ACTIVE).count() == 2


def test_holds_in_the_accounts_own_shelters_are_not_limited(settings, user):
    settings.HOLD_MAX_PLACES_ELSEWHERE = 5
    own, elsewhere = _space(40), _space(40)
    MembershipFactory(shelter=own.shelter, user=user)
    for _ in range(3):
        _hold(HouseholdFactory(size=10), own, user)  # 30 at home: not counted
    _hold(HouseholdFactory(size=5), elsewhere, user)
    with pytest.raises(HoldLimitReached):
        _hold(HouseholdFactory(size=1), elsewhere, user)
    assert _counts(own) == (0, 30)


def test_coordinators_have_no_hold_limit(settings):
    settings.HOLD_MAX_PLACES_ELSEWHERE = 5
    coordinator = UserFactory(groups=["Coordinator"])
    space = _space(50)
    for _ in range(4):
        _hold(HouseholdFactory(size=10), space, coordinator)
    assert _counts(space) == (0, 40)


def test_moving_a_households_hold_is_not_counted_twice(settings, user):
    settings.HOLD_MAX_PLACES_ELSEWHERE = 8
    first, second = _space(10), _space(10)
    household = HouseholdFactory(size=6)
    _hold(household, first, user)
    _hold(household, second, user)  # replaces the first hold: 6 held, not 12
    assert (_counts(first), _counts(second)) == ((0, 0), (0, 6))


def test_a_household_bigger_than_the_limit_needs_a_coordinator(settings, user):
    settings.HOLD_MAX_PLACES_ELSEWHERE = 30
    with pytest.raises(HoldLimitReached) as error:
        _hold(HouseholdFactory(size=31), _space(40), user)
    assert "You are holding 0 places in other shelters already" in error.value.message


def test_a_retried_check_in_does_not_check_in_twice(user):
    space = _space(10)
    household = HouseholdFactory(size=3)
    services.stay_check_in(household_id=household.pk, space_id=space.pk, by=user)
    with pytest.raises(AlreadyCheckedIn):
        services.stay_check_in(household_id=household.pk, space_id=space.pk, by=user)
    assert _counts(space) == (3, 0)
    assert household.stays.count() == 1


def test_check_in_takes_the_whole_household_or_nobody(user):
    space = _space(3)
    household = HouseholdFactory(size=4)
    with pytest.raises(SpaceFull):
        services.stay_check_in(household_id=household.pk, space_id=space.pk, by=user)
    assert _counts(space) == (0, 0)
    household.refresh_from_db()
    assert household.status == HouseholdStatus.WAITING
    assert not household.stays.exists()


def test_check_in_into_a_closed_shelter_is_refused(user):
    space = _space(10, status=ShelterStatus.CLOSED)
    with pytest.raises(ShelterClosed):
        services.stay_check_in(household_id=HouseholdFactory().pk, space_id=space.pk, by=user)


def test_check_out_frees_the_places_and_is_refused_twice(user):
    space = _space(10)
    household = HouseholdFactory(size=2)
    stay = services.stay_check_in(household_id=household.pk, space_id=space.pk, by=user)
    services.stay_check_out(stay_id=stay.pk, by=user)
    assert _counts(space) == (0, 0)
    household.refresh_from_db()
    assert household.status == HouseholdStatus.LEFT and household.left_at
    with pytest.raises(NotCheckedIn):
        services.stay_check_out(stay_id=stay.pk, by=user)
    assert _counts(space) == (0, 0)
    with pytest.raises(HouseholdNotWaiting):
        services.hold_create(household_id=household.pk, space_id=space.pk, by=user)


def test_move_is_check_out_and_check_in_together(user):
    first, second = _space(10), _space(2)
    household = HouseholdFactory(size=2)
    stay = services.stay_check_in(household_id=household.pk, space_id=first.pk, by=user)
    services.stay_move(stay_id=stay.pk, space_id=second.pk, by=user)
    assert _counts(first) == (0, 0)
    assert _counts(second) == (2, 0)
    assert household.stays.filter(checked_out_at__isnull=True).get().space == second


def test_a_move_into_a_space_too_small_changes_nothing(user):
    first, small = _space(10), _space(1)
    household = HouseholdFactory(size=2)
    stay = services.stay_check_in(household_id=household.pk, space_id=first.pk, by=user)
    with pytest.raises(SpaceFull):
        services.stay_move(stay_id=stay.pk, space_id=small.pk, by=user)
    assert _counts(first) == (2, 0)
    assert _counts(small) == (0, 0)
    stay.refresh_from_db()
    assert stay.checked_out_at is None


def test_a_full_shelter_cannot_close_while_a_household_is_expected(user):
    from shelter.errors import ShelterOccupied
    from shelter.services import shelter_set_status

    space = _space(10)
    services.hold_create(household_id=HouseholdFactory(size=2).pk, space_id=space.pk, by=user)
    with pytest.raises(ShelterOccupied):
        shelter_set_status(shelter_id=space.shelter_id, status=ShelterStatus.CLOSED, by=user)


def test_claims_never_exceed_portions_and_release_gives_them_back(user):
    offer = MealOfferFactory(portions=10)
    shelter = ShelterFactory()
    claim = meal_services.meal_claim(offer_id=offer.pk, shelter_id=shelter.pk, portions=7, by=user)
    with pytest.raises(NotEnoughPortions) as refused:
        meal_services.meal_claim(offer_id=offer.pk, shelter_id=shelter.pk, portions=4, by=user)
    assert refused.value.remaining == 3
    meal_services.meal_claim_release(claim_id=claim.pk, by=user)
    with pytest.raises(ClaimReleased):
        meal_services.meal_claim_release(claim_id=claim.pk, by=user)
    offer.refresh_from_db()
    assert offer.claimed == 0


def test_the_same_claim_submission_is_applied_once(user):
    offer = MealOfferFactory(portions=10)
    shelter = ShelterFactory()
    token = uuid.uuid4()
    claim = dict(offer_id=offer.pk, shelter_id=shelter.pk, portions=10, by=user, submission=token)
    meal_services.meal_claim(**claim)
    # The retry finds the offer empty (the first took it all) and still hears "already saved".
    with pytest.raises(ClaimAlreadySaved):
        meal_services.meal_claim(**claim)
    offer.refresh_from_db()
    assert offer.claimed == 10
    assert MealClaim.objects.count() == 1
    # Another offer may be claimed with the same token: it is unique per offer.
    other = MealOfferFactory(portions=5)
    meal_services.meal_claim(**{**claim, "offer_id": other.pk, "portions": 1})


def test_a_claim_token_is_unique_per_offer_in_the_database(user):
    offer = MealOfferFactory(portions=10)
    shelter = ShelterFactory()
    token = uuid.uuid4()
    MealClaim.objects.create(offer=offer, shelter=shelter, portions=1, submission=token)
    MealClaim.objects.create(offer=offer, shelter=shelter, portions=1)  # no token: any number
    MealClaim.objects.create(offer=offer, shelter=shelter, portions=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        MealClaim.objects.create(offer=offer, shelter=shelter, portions=1, submission=token)


def test_a_passed_offer_cannot_be_claimed(user):
    yesterday = timezone.localdate() - timedelta(days=1)
    offer = MealOfferFactory(date=yesterday)
    with pytest.raises(OfferPassed):
        meal_services.meal_claim(
            offer_id=offer.pk, shelter_id=ShelterFactory().pk, portions=1, by=user
        )


def test_passed_offers_leave_current_lists_but_stay_in_history():
    MealOfferFactory(date=timezone.localdate() - timedelta(days=1))
    current = MealOfferFactory()
    assert list(MealOffer.objects.current(timezone.now())) == [current]
    assert MealOffer.objects.count() == 2


def test_editing_an_offer_never_overwrites_claims_made_meanwhile(user):
    offer = MealOfferFactory(portions=10)
    stale = MealOffer.objects.get(pk=offer.pk)
    meal_services.meal_claim(offer_id=offer.pk, shelter_id=ShelterFactory().pk, portions=6, by=user)
    stale.portions = 8
    meal_services.meal_offer_save(offer=stale, fields=["portions"], by=user)
    offer.refresh_from_db()
    assert (offer.portions, offer.claimed) == (8, 6)
    stale.portions = 5
    with pytest.raises(NotEnoughPortions):
        meal_services.meal_offer_save(offer=stale, fields=["portions"], by=user)


def test_space_counts_stay_consistent_with_shelters(user):
    """Sanity: the shelter sums include held places as taken."""
    space = _space(6)
    services.hold_create(household_id=HouseholdFactory(size=2).pk, space_id=space.pk, by=user)
    row = Shelter.objects.with_counts().get(pk=space.shelter_id)
    assert (row.total_held, row.total_free) == (2, 4)
    assert Space.objects.get(pk=space.pk).free == 4
