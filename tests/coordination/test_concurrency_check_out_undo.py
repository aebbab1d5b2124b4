"""Undoing a check-out races a new check-in for the same places, against real PostgreSQL."""

import pytest

from coordination.errors import CheckOutNotUndoable
from coordination.households import services
from coordination.models import HouseholdStatus, Stay
from shelter.errors import SpaceFull
from shelter.models import OccupancyEvent, OccupancyReason, Space
from tests.factories import HouseholdFactory, SpaceFactory, UserFactory
from tests.races import race

pytestmark = pytest.mark.django_db(transaction=True)


def _checked_out(space, size: int, user) -> Stay:
    household = HouseholdFactory(size=size)
    stay = services.stay_check_in(household_id=household.pk, space_id=space.pk, by=user)
    return services.stay_check_out(stay_id=stay.pk, by=user)


def _history_matches(space: Space) -> bool:
    changes = OccupancyEvent.objects.filter(space=space).order_by("pk")
    total = sum(e.after - e.before for e in changes)
    return total == space.occupied


@pytest.mark.parametrize("run", range(3))
def test_undo_and_a_new_check_in_for_the_last_places(run):
    """4 places: the family checked out by mistake (3) and a new family (3) cannot both be in."""
    user = UserFactory()
    space = SpaceFactory(places=4)
    stay = _checked_out(space, 3, user)
    newcomer = HouseholdFactory(size=3)

    outcomes = race(
        2,
        lambda i: (
            services.stay_check_out_undo(stay_id=stay.pk, by=user)
            if i == 0
            else services.stay_check_in(household_id=newcomer.pk, space_id=space.pk, by=user)
        ),
    )

    assert sorted(outcomes) == [SpaceFull.__name__, "ok"]
    space.refresh_from_db()
    assert space.occupied == 3 and _history_matches(space)
    assert Stay.objects.filter(space=space, checked_out_at__isnull=True).count() == 1
    stay.refresh_from_db()
    undone = outcomes[0] == "ok"
    assert stay.is_open == undone
    assert stay.household.status == (HouseholdStatus.PLACED if undone else HouseholdStatus.LEFT)
    newcomer.refresh_from_db()
    assert newcomer.status == (HouseholdStatus.WAITING if undone else HouseholdStatus.PLACED)


def test_an_undo_sent_twice_at_once_puts_them_back_once():
    user = UserFactory()
    space = SpaceFactory(places=10)
    stay = _checked_out(space, 3, user)

    outcomes = race(4, lambda _i: services.stay_check_out_undo(stay_id=stay.pk, by=user))

    assert outcomes.count("ok") == 1
    assert outcomes.count(CheckOutNotUndoable.__name__) == 3
    space.refresh_from_db()
    assert space.occupied == 3 and _history_matches(space)
    undone = OccupancyEvent.objects.filter(space=space, reason=OccupancyReason.CHECK_OUT_UNDONE)
    assert undone.count() == 1


def test_undo_and_a_move_of_another_household_into_the_space():
    """A move into the space goes through the same lock: never more people than places."""
    user = UserFactory()
    space = SpaceFactory(places=5)
    stay = _checked_out(space, 3, user)
    elsewhere = SpaceFactory(places=10)
    mover = HouseholdFactory(size=3)
    moving = services.stay_check_in(household_id=mover.pk, space_id=elsewhere.pk, by=user)

    outcomes = race(
        2,
        lambda i: (
            services.stay_check_out_undo(stay_id=stay.pk, by=user)
            if i == 0
            else services.stay_move(stay_id=moving.pk, space_id=space.pk, by=user)
        ),
    )

    assert sorted(outcomes) == [SpaceFull.__name__, "ok"]
    space.refresh_from_db()
    assert space.occupied == 3 and space.occupied <= space.places
    assert _history_matches(space)
