"""Generated input for every form and query parameter: never a 500, never a partial save.

A form that refuses its input answers 200 (the page again, with messages at the fields) and
changes nothing; one that accepts it redirects. Exceptions would fail the test (the test
client re-raises them), so "never a 500" is checked on every example.
"""

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from coordination.models import Hold, Household, MealClaim, MealOffer, Stay
from shelter.models import OccupancyEvent, Shelter, Space

NASTY = st.sampled_from(
    [
        "",
        " ",
        "0",
        "-1",
        "10001",
        "99999999999999999999999",
        "1e3",
        "NaN",
        "\uff11\uff12",  # full-width digits
        "٣",
        "<script>alert(1)</script>",
        "'; DROP TABLE shelter_space; --",
        "\x00",
        "ß" * 300,
        "12:00",
        "2026-02-30",
    ]
)
VALUE = st.one_of(st.none(), NASTY, st.text(max_size=120), st.integers(-(10**12), 10**12).map(str))
FUZZ = settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _form(**fields) -> dict:
    """POST data without the fields whose generated value is None (a missing field)."""
    return {key: value for key, value in fields.items() if value is not None}


def _state():
    return (
        list(Space.objects.order_by("pk").values_list("places", "blocked", "occupied", "held")),
        Shelter.objects.count(),
        OccupancyEvent.objects.count(),
        Household.objects.count(),
        Hold.objects.count(),
        Stay.objects.count(),
        MealOffer.objects.count(),
        list(MealOffer.objects.order_by("pk").values_list("portions", "claimed")),
        MealClaim.objects.count(),
    )


def _post(client, url, data):
    before = _state()
    response = client.post(url, data)
    assert response.status_code in (200, 302, 403, 409), response.status_code
    if response.status_code in (200, 403):
        assert _state() == before, "a refused form changed the database"
    return response


@pytest.fixture
def volunteer_client(client, volunteer):
    client.force_login(volunteer)
    return client


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


@pytest.mark.django_db
@FUZZ
@given(places=VALUE, occupied=VALUE, seen=VALUE, submission=VALUE, step=VALUE)
def test_bed_count_form(volunteer_client, shelter, places, occupied, seen, submission, step):
    space = shelter.spaces.first()
    prefix = f"space-{space.pk}"
    data = _form(
        **{
            f"{prefix}-places": places,
            f"{prefix}-occupied": occupied,
            f"{prefix}-seen_places": seen,
            f"{prefix}-seen_occupied": seen,
            "submission": submission,
            "step": step,
        }
    )
    _post(volunteer_client, reverse("shelter:detail", args=[shelter.pk]), data)


@pytest.mark.django_db
@FUZZ
@given(name=VALUE, kind=VALUE, latitude=VALUE, opens=VALUE, total=VALUE, space=VALUE, area=VALUE)
def test_shelter_form(coordinator_client, name, kind, latitude, opens, total, space, area):
    data = _form(
        name=name,
        kind=kind,
        address="Dostyk 1",
        city="Uralsk",
        latitude=latitude,
        longitude=latitude,
        opens_at=opens,
        closes_at=opens,
        **{
            "spaces-TOTAL_FORMS": total,
            "spaces-INITIAL_FORMS": "0",
            "spaces-0-name": space,
            "spaces-0-places": space,
            "spaces-0-floor_area_m2": area,
        },
    )
    _post(coordinator_client, reverse("shelter:create"), data)


@pytest.mark.django_db
@FUZZ
@given(name=VALUE, size=VALUE, children=VALUE, phone=VALUE, registered_at=VALUE, anyway=VALUE)
def test_household_form(volunteer_client, name, size, children, phone, registered_at, anyway):
    data = _form(
        contact_name=name,
        size=size,
        children=children,
        phone=phone,
        registered_at=registered_at,
        register_anyway=anyway,
    )
    _post(volunteer_client, reverse("coordination:register"), data)


@pytest.mark.django_db
@FUZZ
@given(space=VALUE, action=st.sampled_from(["hold", "check_in"]))
def test_place_forms(coordinator_client, shelter, space, action):
    household = Household.objects.create(contact_name="Fuzz", size=1)
    _post(
        coordinator_client,
        reverse(f"coordination:{action}", args=[household.pk]),
        _form(space=space),
    )


@pytest.mark.django_db
@FUZZ
@given(space=VALUE)
def test_hold_from_the_city_list(volunteer_client, shelter, other_shelter, space):
    """A volunteer holding for a household registered elsewhere (not theirs to see)."""
    household = Household.objects.create(contact_name="Fuzz", size=1, registered_at=other_shelter)
    _post(volunteer_client, reverse("coordination:hold", args=[household.pk]), _form(space=space))


@pytest.mark.django_db
@FUZZ
@given(space=VALUE, action=st.sampled_from(["move", "check_out", "check_out_undo"]))
def test_stay_forms(coordinator_client, coordinator, shelter, space, action):
    from coordination.households import services
    from tests.factories import SpaceFactory

    household = Household.objects.create(contact_name="Fuzz", size=1)
    room = SpaceFactory(shelter=shelter, places=2)  # a room of its own: examples share the db
    stay = services.stay_check_in(household_id=household.pk, space_id=room.pk, by=coordinator)
    _post(coordinator_client, reverse(f"coordination:{action}", args=[stay.pk]), _form(space=space))


@pytest.mark.django_db
@FUZZ
@given(q=VALUE, shelter_id=VALUE, who=st.sampled_from(["volunteer", "coordinator"]))
def test_waiting_list_and_register_query_parameters(
    client, volunteer, coordinator, shelter, q, shelter_id, who
):
    client.force_login(volunteer if who == "volunteer" else coordinator)
    Household.objects.get_or_create(contact_name="Fuzz", size=1)
    # A NUL in a query string is refused before any view (coordination.middleware).
    expected = 400 if "\x00" in f"{q}{shelter_id}" else 200
    response = client.get(reverse("coordination:waiting"), _form(q=q, shelter=shelter_id))
    assert response.status_code == expected
    register = client.get(reverse("coordination:register"), _form(shelter=shelter_id))
    assert register.status_code == (400 if "\x00" in str(shelter_id) else 200)


@pytest.mark.django_db
@FUZZ
@given(date=VALUE, starts=VALUE, ends=VALUE, portions=VALUE, shelter_id=VALUE, delivery=VALUE)
def test_meal_offer_form(
    coordinator_client, cafe, date, starts, ends, portions, shelter_id, delivery
):
    data = _form(
        provider=cafe.pk,
        address="Lenin 1",
        city="Uralsk",
        date=date,
        starts_at=starts,
        ends_at=ends,
        portions=portions,
        shelter=shelter_id,
        delivery=delivery,
    )
    _post(coordinator_client, reverse("coordination:meal_new"), data)


@pytest.mark.django_db
@FUZZ
@given(shelter_id=VALUE, portions=VALUE, submission=st.one_of(VALUE, st.uuids().map(str)))
def test_meal_claim_form(volunteer_client, shelter, shelter_id, portions, submission):
    from tests.factories import MealOfferFactory

    offer = MealOffer.objects.first() or MealOfferFactory(portions=20)
    prefix = f"offer-{offer.pk}"
    data = _form(
        **{
            f"{prefix}-shelter": shelter_id,
            f"{prefix}-portions": portions,
            f"{prefix}-submission": submission,
        }
    )
    _post(volunteer_client, reverse("coordination:meal_claim", args=[offer.pk]), data)


@pytest.mark.django_db
@FUZZ
@given(status=VALUE)
def test_status_form(client, manager, shelter, status):
    client.force_login(manager)
    _post(client, reverse("shelter:set_status", args=[shelter.pk]), _form(action=status))


@pytest.mark.django_db
@FUZZ
@given(username=VALUE, password=VALUE)
def test_login_form(client, username, password):
    response = client.post(reverse("login"), _form(username=username, password=password))
    assert response.status_code in (200, 302, 429)


@pytest.mark.django_db
@FUZZ
@given(username=VALUE, address=VALUE, search=VALUE)
def test_login_unlock_form(coordinator_client, username, address, search):
    from axes.models import AccessAttempt

    from shelter.models import AuditEntry

    AccessAttempt.objects.get_or_create(
        username="locked",
        ip_address="10.0.0.1",
        user_agent="fuzz",
        defaults={"failures_since_start": 5, "get_data": "", "post_data": "", "http_accept": ""},
    )
    data = _form(username=username, ip_address=address)
    response = coordinator_client.post(reverse("coordination:login_unlock"), data)
    assert response.status_code == 302
    if (username, address) != ("locked", "10.0.0.1"):
        assert AccessAttempt.objects.filter(username="locked").exists()
        assert not AuditEntry.objects.exists()
    listed = coordinator_client.get(reverse("coordination:logins_locked"), _form(username=search))
    # A NUL in a query string is refused before any view (coordination.middleware).
    assert listed.status_code == (400 if "\x00" in str(search) else 200)


@pytest.mark.django_db
@FUZZ
@given(
    params=st.dictionaries(
        st.sampled_from(["family", "women", "pet", "wheelchair", "group", "all", "city", "x"]),
        st.one_of(NASTY, st.text(max_size=40)),
        max_size=6,
    ),
    path=st.sampled_from(["/", "/api/v1/shelters/", "/api/v1/meals/", "/api/v1/shelters.csv"]),
)
def test_public_query_parameters(client, shelter, params, path):
    response = client.get(path, params)
    # A NUL in the address is refused before any view (coordination.middleware).
    nul = any("\x00" in key + value for key, value in params.items())
    expected = (400,) if nul else (200, 422)
    assert response.status_code in expected, (path, params, response.status_code)
