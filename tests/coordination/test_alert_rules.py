"""Each alert rule as a pure function: thresholds, hysteresis, switched-off rules."""

from datetime import timedelta

import pytest
from django.utils import timezone

from coordination.alerts import rules
from coordination.alerts.models import AlertKind

ALL = set(AlertKind.values)
NEARLY, FULL, ROOM = AlertKind.NEARLY_FULL, AlertKind.FULL, AlertKind.ROOM_AGAIN


def _capacity(
    taken, places=100, active=(), enabled=ALL, takes_people=True, nearly=90, room=80, small=False
):
    return rules.capacity_changes(
        rules.Capacity(places=places, taken=taken, takes_people=takes_people),
        active=set(active),
        enabled=set(enabled),
        nearly_full_percent=nearly,
        room_again_percent=room,
        small=small,
    )


@pytest.mark.parametrize(
    ("kind", "places", "small"),
    [
        ("apartment", 40, True),
        ("private_home", 2, True),
        ("other", 4, True),
        ("other", 5, False),
        ("gym", 200, False),
    ],
)
def test_flats_private_homes_and_places_below_the_size_are_small(kind, places, small):
    assert rules.is_small(kind, places, small_below=5) is small


def test_a_small_place_raises_only_full_never_nearly_full_or_room_again():
    assert _capacity(2, places=2, small=True).raise_kinds == [FULL]
    assert _capacity(9, places=10, small=True) == rules.Changes()
    changes = _capacity(1, places=2, active={FULL}, small=True)
    assert changes == rules.Changes(clear_kinds=[FULL])  # room again: raised for nobody


def test_a_small_place_raises_nothing_while_small_places_are_switched_off():
    off = ALL - {AlertKind.SMALL_FILLED}
    assert _capacity(2, places=2, enabled=off, small=True) == rules.Changes()


def test_a_small_place_clears_what_it_had_before_it_was_small():
    changes = _capacity(9, places=10, active={NEARLY, ROOM}, small=True)
    assert changes.clear_kinds == [NEARLY, ROOM]
    assert changes.raise_kinds == []


def test_below_the_threshold_raises_nothing():
    assert _capacity(89) == rules.Changes()


def test_reaching_90_percent_raises_nearly_full():
    assert _capacity(90).raise_kinds == [NEARLY]


def test_no_free_place_raises_full_only():
    assert _capacity(100).raise_kinds == [FULL]


def test_full_after_nearly_full_raises_full_and_keeps_nearly_full():
    changes = _capacity(100, active={NEARLY})
    assert changes.raise_kinds == [FULL]
    assert changes.clear_kinds == []


def test_full_switched_off_raises_nearly_full_instead():
    assert _capacity(100, enabled=ALL - {FULL}).raise_kinds == [NEARLY]


def test_a_shelters_own_threshold_is_used():
    assert _capacity(70, nearly=70, room=50).raise_kinds == [NEARLY]
    assert _capacity(70).raise_kinds == []


def test_hysteresis_bouncing_count_raises_one_alert():
    """89-90-89-90-...: one nearly-full alert, never cleared while above 80%."""
    active: set[str] = set()
    raised = []
    for taken in [89, 90, 89, 90, 89, 90, 85, 90]:
        changes = _capacity(taken, active=active)
        raised += changes.raise_kinds
        active = (active - set(changes.clear_kinds)) | set(changes.raise_kinds)
    assert raised == [NEARLY]
    assert active == {NEARLY}


def test_falling_below_80_clears_and_raises_room_again():
    changes = _capacity(79, active={NEARLY, FULL})
    assert changes.raise_kinds == [ROOM]
    assert sorted(changes.clear_kinds) == sorted([NEARLY, FULL])


def test_at_80_it_is_not_room_again_yet():
    assert _capacity(80, active={NEARLY}) == rules.Changes()


def test_room_again_switched_off_still_clears():
    changes = _capacity(50, active={NEARLY}, enabled=ALL - {ROOM})
    assert changes.raise_kinds == []
    assert changes.clear_kinds == [NEARLY]


def test_nearly_full_again_clears_room_again():
    changes = _capacity(95, active={ROOM})
    assert changes.raise_kinds == [NEARLY]
    assert changes.clear_kinds == [ROOM]


def test_room_again_without_a_high_alert_raises_nothing():
    assert _capacity(10) == rules.Changes()


@pytest.mark.parametrize(("takes_people", "places"), [(False, 100), (True, 0)])
def test_closed_or_empty_shelter_clears_everything(takes_people, places):
    changes = _capacity(0, places=places, active={NEARLY, ROOM}, takes_people=takes_people)
    assert changes.raise_kinds == []
    assert set(changes.clear_kinds) == {NEARLY, ROOM}


def test_switched_off_nearly_full_raises_nothing():
    assert _capacity(95, enabled=ALL - {NEARLY}) == rules.Changes()


def _city(free, waiting=0, active=False, enabled=True):
    return rules.city_low_changes(
        rules.CityFreePlaces(free=free, waiting=waiting),
        active=active,
        enabled=enabled,
        threshold=20,
        reset=30,
    )


def test_city_low_below_threshold_or_below_people_waiting():
    assert _city(19).raise_kinds == [AlertKind.CITY_LOW]
    assert _city(20) == rules.Changes()
    assert _city(40, waiting=41).raise_kinds == [AlertKind.CITY_LOW]
    assert _city(19, enabled=False) == rules.Changes()


def test_city_low_clears_only_with_a_margin():
    assert _city(25, active=True) == rules.Changes()  # above 20, not yet 30
    assert _city(30, active=True).clear_kinds == [AlertKind.CITY_LOW]
    assert _city(45, waiting=40, active=True) == rules.Changes()  # waiting + 10 not reached
    assert _city(50, waiting=40, active=True).clear_kinds == [AlertKind.CITY_LOW]


def test_city_low_bouncing_raises_once():
    active, raised = False, 0
    for free in [19, 20, 19, 21, 18, 22]:
        changes = _city(free, active=active)
        raised += len(changes.raise_kinds)
        active = (active or bool(changes.raise_kinds)) and not changes.clear_kinds
    assert raised == 1


def _stale(age_hours, active=False, takes_people=True, enabled=True):
    now = timezone.now()
    last = None if age_hours is None else now - timedelta(hours=age_hours)
    return rules.stale_changes(
        last, now=now, takes_people=takes_people, active=active, enabled=enabled, hours=6
    )


def test_stale_data_after_six_hours():
    assert _stale(5.9) == rules.Changes()
    assert _stale(6.1).raise_kinds == [AlertKind.STALE_DATA]
    assert _stale(7, takes_people=False) == rules.Changes()
    assert _stale(7, enabled=False) == rules.Changes()
    assert _stale(None) == rules.Changes()  # a shelter without spaces


def test_a_new_count_clears_stale_data():
    assert _stale(0.1, active=True).clear_kinds == [AlertKind.STALE_DATA]
    assert _stale(7, takes_people=False, active=True).clear_kinds == [AlertKind.STALE_DATA]


def test_meals_short_when_portions_fewer_than_people():
    def meals(portions, people, active=False):
        return rules.meals_changes(
            rules.CityMeals(portions=portions, people=people), active=active, enabled=True
        )

    assert meals(99, 100).raise_kinds == [AlertKind.MEALS_SHORT]
    assert meals(100, 100) == rules.Changes()
    assert meals(99, 100, active=True) == rules.Changes()
    assert meals(100, 100, active=True).clear_kinds == [AlertKind.MEALS_SHORT]
    assert (
        rules.meals_changes(rules.CityMeals(portions=0, people=5), active=False, enabled=False)
        == rules.Changes()
    )


def test_data_drift_raised_while_rows_drift_and_cleared_when_none_do():
    assert rules.drift_changes(3, active=False, enabled=True).raise_kinds == [AlertKind.DATA_DRIFT]
    assert rules.drift_changes(3, active=True, enabled=True) == rules.Changes()
    assert rules.drift_changes(0, active=False, enabled=True) == rules.Changes()
    assert rules.drift_changes(0, active=True, enabled=True).clear_kinds == [AlertKind.DATA_DRIFT]
    assert rules.drift_changes(3, active=False, enabled=False) == rules.Changes()
    assert rules.drift_changes(0, active=True, enabled=False).clear_kinds == [AlertKind.DATA_DRIFT]
