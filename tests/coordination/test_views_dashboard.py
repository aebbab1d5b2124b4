"""The coordinators' dashboard: access, figures against independently computed ones, order,
filters, the waiting summary, the charts and the actions with their audit entries."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination.dashboard.selectors import Urgency
from coordination.households import services
from coordination.meals import services as meal_services
from coordination.models import Household, MealOffer
from shelter import services as shelter_services
from shelter.models import (
    AuditEntry,
    OccupancyReason,
    Shelter,
    Space,
)
from tests.factories import (
    HouseholdFactory,
    MealOfferFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

DASHBOARD = reverse("coordination:dashboard")


def _count(space, people, by=None):
    shelter_services.occupancy_change(
        space_id=space.pk, delta=people, reason=OccupancyReason.COUNT, by=by
    )


@pytest.fixture
def city(coordinator):
    """A small city with a shelter in every state, households waiting and today's meals."""
    counter = UserFactory(username="aigerim")
    open_hall = ShelterFactory(name="Open hall", kind="gym", pets_allowed=True)
    hall_a = SpaceFactory(shelter=open_hall, name="A", places=20)
    hall_b = SpaceFactory(shelter=open_hall, name="B", places=10, blocked=2)
    _count(hall_a, 12, counter)
    _count(hall_b, 3, counter)
    full_flat = ShelterFactory(name="Full flat", kind="apartment")
    _count(SpaceFactory(shelter=full_flat, places=4), 4, counter)
    shelter_services.shelter_refresh_status(shelter_id=full_flat.pk)  # as the task does
    nearly = ShelterFactory(name="Nearly school", kind="school")
    _count(SpaceFactory(shelter=nearly, places=10), 9, counter)
    marked = ShelterFactory(name="Marked cinema", kind="cinema")
    _count(SpaceFactory(shelter=marked, places=30), 5, counter)
    shelter_services.shelter_mark_full(shelter_id=marked.pk, by=coordinator)
    stale = ShelterFactory(name="Stale dorm", kind="dormitory", wheelchair_accessible=True)
    stale_room = SpaceFactory(shelter=stale, places=40)
    _count(stale_room, 10, counter)
    Space.objects.filter(pk=stale_room.pk).update(counted_at=timezone.now() - timedelta(hours=9))
    ShelterFactory(name="Standby gym", kind="gym", status=Shelter.Status.STANDBY)
    SpaceFactory(shelter=Shelter.objects.get(name="Standby gym"), places=50)
    aktobe = ShelterFactory(name="Aktobe gym", kind="gym", city="Aktobe")
    _count(SpaceFactory(shelter=aktobe, places=40), 10, counter)

    waiting = [
        HouseholdFactory(size=2),
        HouseholdFactory(size=2),
        HouseholdFactory(size=4, children=2, has_pets=True),
        HouseholdFactory(size=3, needs_wheelchair=True),
        HouseholdFactory(size=9),
        HouseholdFactory(size=12),
    ]
    # On its way (held places count as taken), still waiting until it arrives.
    services.hold_create(household_id=waiting[0].pk, space_id=hall_a.pk, by=coordinator)
    placed = HouseholdFactory(size=1)
    services.stay_check_in(household_id=placed.pk, space_id=hall_a.pk, by=coordinator)
    yesterday = HouseholdFactory(size=1)
    Household.objects.filter(pk=yesterday.pk).update(
        created_at=timezone.now() - timedelta(days=1, hours=1), status="left"
    )
    lunch = MealOfferFactory(portions=10)
    meal_services.meal_claim(offer_id=lunch.pk, shelter_id=open_hall.pk, portions=3, by=coordinator)
    MealOfferFactory(portions=20)
    MealOfferFactory(portions=5, city="Aktobe")
    MealOfferFactory(portions=100, date=timezone.localdate() - timedelta(days=1))
    return {"open": open_hall, "marked": marked, "stale": stale, "aktobe": aktobe}


def _expected_totals(city: str | None) -> dict:
    """The figures, worked out from the rows themselves (not through the selectors)."""
    places = occupied = free = 0
    for space in Space.objects.select_related("shelter"):
        shelter = space.shelter
        if (city and shelter.city != city) or shelter.status not in ("open", "full"):
            continue
        places += space.places
        occupied += space.occupied
        if not shelter.marked_full:
            free += space.places - space.occupied - space.held - space.blocked
    # Waiting for a place: not those on their way to an active hold.
    waiting = [
        h
        for h in Household.objects.filter(status="waiting")
        if not h.holds.filter(status="active").exists()
    ]
    today = timezone.localdate()
    offers = [
        o for o in MealOffer.objects.all() if o.date == today and (not city or o.city == city)
    ]
    return {
        "places": places,
        "occupied": occupied,
        "free": free,
        "used_percent": round(100 * (places - free) / places),
        "waiting_households": len(waiting),
        "waiting_people": sum(h.size for h in waiting),
        "arrivals_today": sum(
            1 for h in Household.objects.all() if timezone.localdate(h.created_at) == today
        ),
        "meals_offered": sum(o.portions for o in offers),
        "meals_claimed": sum(o.claimed for o in offers),
    }


# --- Access --------------------------------------------------------------------------------


def test_anonymous_is_sent_to_the_login_page(client):
    response = client.get(DASHBOARD)
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("role", ["volunteer", "manager", "meal_provider"])
def test_others_get_403(request, as_user, role):
    user = request.getfixturevalue(role)
    client = as_user(user)
    assert client.get(DASHBOARD).status_code == 403
    assert client.get(reverse("coordination:export_shelters")).status_code == 403
    assert client.get(reverse("coordination:export_households")).status_code == 403


def test_a_volunteer_cannot_act_from_the_dashboard(as_user, volunteer, shelter):
    client = as_user(volunteer)
    response = client.post(
        reverse("coordination:dashboard_status", args=[shelter.pk]), {"action": "closed"}
    )
    assert response.status_code == 403
    assert (
        client.get(reverse("coordination:dashboard_shelter", args=[shelter.pk])).status_code == 403
    )
    shelter.refresh_from_db()
    assert shelter.status == Shelter.Status.OPEN
    assert not AuditEntry.objects.exists()


def test_coordinator_sees_the_dashboard(as_user, coordinator):
    response = as_user(coordinator).get(DASHBOARD)
    assert response.status_code == 200
    assert "coordination/dashboard/dashboard.html" in [t.name for t in response.templates]


# --- Figures -------------------------------------------------------------------------------


@pytest.mark.parametrize("city_name", [None, "Uralsk", "Aktobe"])
def test_figures_equal_those_computed_from_the_rows(as_user, coordinator, city, city_name):
    response = as_user(coordinator).get(DASHBOARD, {"city": city_name} if city_name else {})
    totals = response.context["data"].totals
    expected = _expected_totals(city_name)
    assert {name: getattr(totals, name) for name in expected} == expected
    page = response.content.decode()
    assert f'id="fig-places"><div class="figure">{expected["places"]}</div>' in page
    assert f'id="fig-free"><div class="figure">{expected["free"]}</div>' in page
    assert f'id="fig-used"><div class="figure">{expected["used_percent"]}%</div>' in page
    assert f'id="fig-waiting"><div class="figure">{expected["waiting_households"]}</div>' in page
    meals = f"{expected['meals_claimed']} / {expected['meals_offered']}"
    assert f'id="fig-meals"><div class="figure">{meals}</div>' in page


def test_the_seeded_figures_are_the_ones_meant(as_user, coordinator, city):
    """A check on the independent computation itself, with the numbers written out."""
    totals = as_user(coordinator).get(DASHBOARD).context["data"].totals
    # open hall 30 + full flat 4 + nearly 10 + marked 30 + stale 40 + Aktobe 40
    assert totals.places == 154
    # hall 12+1 checked in+3, flat 4, nearly 9, marked 5, stale 10, Aktobe 10
    assert totals.occupied == 54
    # hall: A 20-13-2 held, B 10-3-2 blocked; flat 0; nearly 1; marked (full by decision) 0;
    # stale 30; Aktobe 30
    assert totals.free == 71
    assert totals.used_percent == 54  # (154 - 71) / 154
    # six waiting, one of them (2 people) on its way to the open hall: not waiting any more
    assert (totals.waiting_households, totals.waiting_people) == (5, 30)
    assert totals.arrivals_today == 7  # six waiting and one placed; not yesterday's
    assert (totals.meals_offered, totals.meals_claimed) == (35, 3)


def test_each_figure_links_to_the_list_behind_it(as_user, coordinator, city):
    page = as_user(coordinator).get(DASHBOARD).content.decode()
    assert f'href="{reverse("coordination:waiting")}" id="fig-waiting"' in page
    assert f'href="{reverse("coordination:meals")}" id="fig-meals"' in page
    assert 'href="#shelters" id="fig-places"' in page
    assert reverse("admin:coordination_household_changelist") + "?created_at__gte=" in page


def test_arrivals_link_opens_the_admin_on_todays_households(as_user, coordinator, city):
    client = as_user(coordinator)
    url = client.get(DASHBOARD).context["arrivals_url"]
    response = client.get(url)
    assert response.status_code == 200
    assert response.context["cl"].result_count == 7


# --- The shelters table ----------------------------------------------------------------------


def test_shelters_are_listed_by_urgency(as_user, coordinator, city):
    shelters = as_user(coordinator).get(DASHBOARD).context["data"].shelters
    assert [s.name for s in shelters] == [
        "Full flat",  # 100% used
        "Marked cinema",  # full by decision, 17% used
        "Nearly school",  # 90%
        "Stale dorm",  # counted 9 hours ago
        "Open hall",  # 67%
        "Aktobe gym",  # 25%
        "Standby gym",  # takes nobody
    ]
    assert [s.urgency for s in shelters] == [
        Urgency.FULL,
        Urgency.FULL,
        Urgency.NEARLY_FULL,
        Urgency.STALE,
        Urgency.OK,
        Urgency.OK,
        Urgency.NOT_TAKING,
    ]


def test_rows_show_last_update_and_by_whom_and_mark_stale_ones(as_user, coordinator, city):
    page = as_user(coordinator).get(DASHBOARD).content.decode()
    row = page.split(f'data-shelter="{city["stale"].pk}"')[1].split("</tr>")[0]
    assert "aigerim" in row
    assert "possibly out of date" in row
    fresh = page.split(f'data-shelter="{city["open"].pk}"')[1].split("</tr>")[0]
    assert "possibly out of date" not in fresh
    assert 'value="67"' in fresh  # the utilisation bar: (30 - 10 free) / 30


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ({"city": "Aktobe"}, ["Aktobe gym"]),
        ({"kind": "gym"}, ["Open hall", "Aktobe gym", "Standby gym"]),
        ({"kind": "gym", "city": "Uralsk"}, ["Open hall", "Standby gym"]),
        ({"status": "full"}, ["Full flat", "Marked cinema"]),
        ({"status": "nonsense", "city": "Atlantis"}, None),  # ignored: every shelter
    ],
)
def test_filters(as_user, coordinator, city, query, names):
    shelters = as_user(coordinator).get(DASHBOARD, query).context["data"].shelters
    if names is None:
        assert len(shelters) == 7
    else:
        assert [s.name for s in shelters] == names


def test_the_table_is_paged_most_urgent_first(as_user, coordinator, settings):
    for number in range(55):
        SpaceFactory(shelter=ShelterFactory(name=f"Shelter {number:02}"), places=10)
    _count(Space.objects.get(shelter__name="Shelter 54"), 10)
    client = as_user(coordinator)
    first = client.get(DASHBOARD).context["page"]
    assert len(first.object_list) == 50
    assert first.object_list[0].name == "Shelter 54"  # full
    second = client.get(DASHBOARD, {"page": 2}).context["page"]
    assert len(second.object_list) == 5


# --- Waiting summary ---------------------------------------------------------------------------


def test_waiting_households_by_size_and_needs_with_shelters_that_fit(as_user, coordinator, city):
    groups = as_user(coordinator).get(DASHBOARD).context["data"].waiting
    summary = {
        (g.size_label, g.is_family, g.has_pets, g.needs_wheelchair): (
            g.households,
            [s.name for s in g.shelters],
        )
        for g in groups
    }
    assert summary == {
        # one of the two couples is on its way (held): not counted. Counted recently first,
        # emptiest first: Aktobe 25%, open hall 67% (5 free in a room); then the dorm, not
        # counted for 9 hours; not the nearly full school (1 free), the full flat or the
        # cinema marked full
        ("2", False, False, False): (1, ["Aktobe gym", "Open hall", "Stale dorm"]),
        # a family with pets: only the open hall takes pets, with 5 free in each room
        ("4", True, True, False): (1, ["Open hall"]),
        ("3", False, False, True): (1, ["Stale dorm"]),  # the only wheelchair-accessible one
        # 8 or more together: the largest is 12; rooms with 30 free in one space
        ("8+", False, False, False): (2, ["Aktobe gym", "Stale dorm"]),
    }
    two = next(g for g in groups if g.size_label == "2")
    assert (two.people, two.shelters_count, two.more_shelters) == (2, 3, 0)
    large = next(g for g in groups if g.size_label == "8+")
    assert (large.people, large.largest) == (21, 12)


def test_a_group_nobody_can_take_is_marked(as_user, coordinator, shelter):
    HouseholdFactory(size=45)
    page = as_user(coordinator).get(DASHBOARD).content.decode()
    assert "no shelter fits" in page
