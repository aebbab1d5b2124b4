"""Forms with good and bad input: a message at the field, never an exception."""

from decimal import Decimal

import pytest

from shelter.forms import ShelterForm, SpaceCountForm, SpaceFormSet, apply_step
from shelter.models import Shelter, Space
from tests.factories import ShelterFactory, SpaceFactory

pytestmark = pytest.mark.django_db


def _count_form(space, **entered):
    data = {
        f"space-{space.pk}-seen_places": space.places,
        f"space-{space.pk}-seen_occupied": space.occupied,
        f"space-{space.pk}-places": space.places,
        f"space-{space.pk}-occupied": space.occupied,
    }
    data.update({f"space-{space.pk}-{key}": value for key, value in entered.items()})
    return SpaceCountForm(data, space=space)


def test_count_form_accepts_a_good_count():
    form = _count_form(SpaceFactory(places=10), occupied=7)
    assert form.is_valid(), form.errors
    assert form.to_count().occupied == 7
    assert form.changes()


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("occupied", "-1", "greater than or equal to 0"),
        ("occupied", "twelve", "whole number"),
        ("occupied", "", "required"),
        ("places", "10001", "less than or equal to 10000"),
        ("occupied", "11", "At most 10 people fit here"),
    ],
)
def test_count_form_bad_input_gets_a_message_at_the_field(field, value, message):
    form = _count_form(SpaceFactory(places=10), **{field: value})
    assert not form.is_valid()
    assert message in " ".join(form.errors[field])


def test_count_form_counts_blocked_and_held_places_as_unusable():
    space = SpaceFactory(places=10, blocked=2, held=1)
    form = _count_form(space, occupied=8)
    assert not form.is_valid()
    assert "At most 7 people" in form.errors["occupied"][0]


def test_lowering_places_below_people_puts_the_message_at_places():
    space = SpaceFactory(places=10)
    Space.objects.filter(pk=space.pk).update(occupied=8)
    space.refresh_from_db()
    form = _count_form(space, places=6)
    assert not form.is_valid()
    assert "places" in form.errors


def test_step_adds_to_the_named_number_and_never_below_zero():
    data = {"space-1-occupied": "3", "space-1-places": "0"}
    assert apply_step(data, "space-1-occupied:1")["space-1-occupied"] == "4"
    assert apply_step(data, "space-1-places:-1")["space-1-places"] == "0"
    assert apply_step(data, "csrfmiddlewaretoken:1") == data
    assert apply_step({"space-1-occupied": "x"}, "space-1-occupied:1")["space-1-occupied"] == "x"


SHELTER_DATA = {
    "name": "Cinema Park",
    "kind": "cinema",
    "address": "Dostyk 157",
    "city": "Uralsk",
    "accepts_families": "on",
    "has_heating": "on",
}


def test_shelter_form_accepts_good_input():
    form = ShelterForm(SHELTER_DATA)
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": "<script>alert(1)</script>"}, "name"),
        ({"address": "Main <b>street</b>"}, "address"),
        ({"name": ""}, "name"),
        ({"phone": "call me"}, "phone"),
        ({"latitude": "91", "longitude": "51"}, "latitude"),
        ({"opens_at": "20:00"}, "__all__"),
        ({"men_only": "on", "women_children_only": "on"}, "men_only"),
        ({"kind": "castle"}, "kind"),
    ],
)
def test_shelter_form_bad_input_gets_a_message(changes, field):
    form = ShelterForm({**SHELTER_DATA, **changes})
    assert not form.is_valid()
    assert field in form.errors


def test_a_private_homes_name_must_not_carry_its_address():
    flat = {**SHELTER_DATA, "kind": "apartment", "address": "Ikhsanova Street 40, apt 2"}
    form = ShelterForm({**flat, "name": "ikhsanova street 40, apt 2 (Marat)"})
    assert not form.is_valid()
    assert "leave the address out of it" in " ".join(form.errors["name"])
    assert ShelterForm({**flat, "name": "Flat on Ikhsanova St"}).is_valid()
    # a cinema's name may well be its address
    assert ShelterForm({**SHELTER_DATA, "name": "Dostyk 157"}).is_valid()


def _formset_data(rows, initial=0):
    data = {
        "spaces-TOTAL_FORMS": str(len(rows)),
        "spaces-INITIAL_FORMS": str(initial),
        "spaces-MIN_NUM_FORMS": "0",
        "spaces-MAX_NUM_FORMS": "200",
    }
    for index, row in enumerate(rows):
        data.update({f"spaces-{index}-{key}": value for key, value in row.items()})
    return data


def test_spaces_formset_refuses_duplicate_names():
    formset = SpaceFormSet(
        _formset_data([{"name": "Hall", "places": "5"}, {"name": "Hall", "places": "6"}]),
        instance=Shelter(),
        prefix="spaces",
    )
    assert not formset.is_valid()
    assert "Hall" in str(formset.errors) or formset.non_form_errors()


def test_floor_area_suggests_places_by_the_sphere_minimum(settings):
    settings.SHELTER_COLD_CLIMATE = True
    formset = SpaceFormSet(
        _formset_data([{"name": "Hall", "floor_area_m2": "90"}]),
        instance=Shelter(),
        prefix="spaces",
    )
    assert formset.is_valid(), formset.errors
    assert formset.forms[0].cleaned_data["places"] == 20


def test_places_or_floor_area_is_needed():
    formset = SpaceFormSet(_formset_data([{"name": "Hall"}]), instance=Shelter(), prefix="spaces")
    assert not formset.is_valid()
    assert "places" in formset.forms[0].errors


def test_space_form_shows_the_sphere_suggestion_for_its_area():
    space = SpaceFactory(floor_area_m2=Decimal("45"))
    formset = SpaceFormSet(instance=space.shelter, prefix="spaces")
    assert "up to 12 people, 10 in cold weather" in str(formset.forms[0]["places"].help_text)


def test_places_below_people_there_are_refused_at_the_field():
    space = SpaceFactory(places=10, name="Hall")
    Space.objects.filter(pk=space.pk).update(occupied=6)
    data = _formset_data([{"id": space.pk, "name": "Hall", "places": "5", "blocked": "0"}], 1)
    formset = SpaceFormSet(data, instance=space.shelter, prefix="spaces")
    assert not formset.is_valid()
    assert "cannot be fewer than 6" in formset.forms[0].errors["places"][0]


def test_a_space_with_people_cannot_be_deleted_in_the_form():
    shelter = ShelterFactory()
    space = SpaceFactory(shelter=shelter, places=10, name="Hall")
    Space.objects.filter(pk=space.pk).update(occupied=2)
    data = _formset_data(
        [{"id": space.pk, "name": "Hall", "places": "10", "blocked": "0", "DELETE": "on"}], 1
    )
    formset = SpaceFormSet(data, instance=shelter, prefix="spaces")
    assert not formset.is_valid()
    assert "2 people are there" in str(formset.non_form_errors())


@pytest.mark.parametrize("area", ["-5", "0", "0.5"])
def test_a_floor_area_below_one_square_metre_is_refused_as_not_positive(area):
    formset = SpaceFormSet(
        _formset_data([{"name": "Hall", "floor_area_m2": area}]),
        instance=Shelter(),
        prefix="spaces",
    )
    assert not formset.is_valid()
    errors = formset.forms[0].errors
    assert errors["floor_area_m2"] == ["The floor area must be a positive number of m², e.g. 120."]
    assert "places" not in errors  # not "0 people are here ... cannot be fewer than -2"


def test_number_fields_carry_the_models_bounds_to_the_browser():
    """A phone's number field offers what the database accepts, and no less (e.g. 0 people)."""
    from coordination.households.forms import HouseholdForm
    from coordination.meals.forms import MealOfferForm

    html = {
        "size": str(HouseholdForm()["size"]),
        "children": str(HouseholdForm()["children"]),
        "portions": str(MealOfferForm()["portions"]),
        "floor": str(SpaceFormSet(instance=Shelter(), prefix="spaces").forms[0]["floor_area_m2"]),
        "latitude": str(ShelterForm()["latitude"]),
    }
    assert 'min="1"' in html["size"] and 'max="50"' in html["size"]
    assert 'min="0"' in html["children"]
    assert 'min="1"' in html["portions"] and 'max="10000"' in html["portions"]
    assert 'min="1"' in html["floor"]
    assert 'min="-90"' in html["latitude"] and 'max="90"' in html["latitude"]
