"""The waiting list: held households apart, who handles each, search, the city's list."""

import pytest
from django.urls import reverse
from django.utils import timezone

from coordination.households import services
from coordination.models import Hold, HoldStatus, Household
from shelter.models import Shelter
from tests.factories import HouseholdFactory, MembershipFactory, ShelterFactory, SpaceFactory

pytestmark = pytest.mark.django_db

WAITING = reverse("coordination:waiting")


def test_a_held_household_is_on_the_way_not_waiting(as_user, coordinator, volunteer, shelter):
    couple = HouseholdFactory(size=2, contact_name="Couple", registered_by=volunteer)
    family = HouseholdFactory(size=3, contact_name="Family", registered_at=shelter)
    hold = services.hold_create(
        household_id=family.pk, space_id=shelter.spaces.first().pk, by=coordinator
    )
    response = as_user(coordinator).get(WAITING)
    assert response.context["households"] == [couple]
    assert response.context["data"].on_the_way == [family]
    page = response.content.decode()
    waiting, on_the_way = page.split("On the way: 1 household")
    assert "Waiting for a place: 1 household" in waiting and "Family" not in waiting
    until = timezone.localtime(hold.expires_at).strftime("%H:%M")
    assert (
        f"On the way to Cinema Park / Auditorium 1, held until {until} by {coordinator.username}."
    ) in on_the_way
    # who registered each: so two volunteers do not work on the same family
    assert f"registered by {volunteer.username}" in waiting
    assert "registered at Cinema Park" in on_the_way


def test_held_households_fit_no_shelter_in_the_suggestions(as_user, coordinator, shelter):
    held = HouseholdFactory(size=2)
    services.hold_create(household_id=held.pk, space_id=shelter.spaces.first().pk, by=coordinator)
    waiting = HouseholdFactory(size=2)
    response = as_user(coordinator).get(WAITING, {"shelter": shelter.pk})
    assert response.context["households"] == [waiting]
    assert response.content.decode().count("fits in Cinema Park") == 1


def test_the_household_page_says_on_the_way_and_who_holds(as_user, coordinator, shelter):
    household = HouseholdFactory(size=2)
    hold = services.hold_create(
        household_id=household.pk, space_id=shelter.spaces.first().pk, by=coordinator
    )
    client = as_user(coordinator)
    page = client.get(reverse("coordination:household", args=[household.pk])).content.decode()
    until = timezone.localtime(hold.expires_at).strftime("%H:%M")
    assert "On the way</span>" in page
    assert f"held until {until} by {coordinator.username}" in page
    find = client.get(reverse("coordination:find_place", args=[household.pk])).content.decode()
    assert f"held until {until} by {coordinator.username}" in find
    assert "Holding other places releases that hold." in find


def test_an_expired_hold_puts_them_back_in_their_turn(as_user, coordinator, shelter):
    first = HouseholdFactory(size=2)
    second = HouseholdFactory(size=2)
    services.hold_create(household_id=first.pk, space_id=shelter.spaces.first().pk, by=coordinator)
    client = as_user(coordinator)
    assert client.get(WAITING).context["households"] == [second]
    Hold.objects.update(expires_at=timezone.now())
    services.holds_expire_due()
    assert client.get(WAITING).context["households"] == [first, second]


# --- Search -----------------------------------------------------------------------------------


@pytest.fixture
def registered(coordinator):
    return {
        "olga": HouseholdFactory(contact_name="Olga Smirnova", phone="+7 (701) 555-12-34"),
        "ivan": HouseholdFactory(contact_name="Ivan Petrov", phone="8 702 999 00 11"),
        "asel": HouseholdFactory(contact_name="Asel Nurlanovna"),
    }


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("smirn", ["olga"]),
        ("  OLGA  ", ["olga"]),
        ("555 12", ["olga"]),  # phone digits, whatever the separators
        ("7015551234", ["olga"]),
        ("99900", ["ivan"]),
        ("", ["olga", "ivan", "asel"]),
        ("nobody", []),
        ("#abc", []),
        ("x" * 500, []),  # a huge input: no error, nothing found
        ("12345678901234567890123", []),  # too long for an id: a name or phone search only
    ],
)
def test_search_by_name_or_phone(as_user, coordinator, registered, typed, found):
    response = as_user(coordinator).get(WAITING, {"q": typed})
    assert response.status_code == 200
    assert response.context["households"] == [registered[name] for name in found]


def test_search_by_code(as_user, coordinator, registered):
    asel = registered["asel"]
    client = as_user(coordinator)
    for typed in (f"#{asel.pk}", f"# {asel.pk}", str(asel.pk)):
        assert asel in client.get(WAITING, {"q": typed}).context["households"], typed
    assert client.get(WAITING, {"q": f"#{asel.pk}"}).context["households"] == [asel]
    page = client.get(WAITING).content.decode()
    assert f"Asel Nurlanovna #{asel.pk}" in page  # the code is shown to be said and searched


def test_search_keeps_the_shelter_filter(as_user, coordinator, registered, shelter):
    response = as_user(coordinator).get(WAITING, {"q": "olga", "shelter": shelter.pk})
    assert response.context["households"] == [registered["olga"]]
    assert response.context["fitting"] == shelter
    page = response.content.decode()
    assert f'name="shelter" value="{shelter.pk}"' in page
    assert 'name="q" value="olga"' in page


# --- The city's waiting list, for volunteers of a shelter taking people ------------------------


@pytest.fixture
def elsewhere(other_volunteer, other_shelter):
    """Households registered at the other shelter: not the volunteer's to see."""
    return {
        "family": HouseholdFactory(
            size=3,
            children=1,
            contact_name="Secret Name",
            phone="+7 700 123 45 67",
            notes="Private note",
            registered_at=other_shelter,
        ),
        "big": HouseholdFactory(size=25, contact_name="Big Group", registered_at=other_shelter),
    }


def test_a_volunteer_with_nobody_waiting_sees_the_city_without_names(
    as_user, volunteer, shelter, elsewhere
):
    response = as_user(volunteer).get(WAITING)
    data = response.context["data"]
    assert list(data.households) == [] and data.may_take
    assert [h.pk for h in data.elsewhere] == [elsewhere["family"].pk, elsewhere["big"].pk]
    page = response.content.decode()
    # The phone in every form it could be written in ("67" alone would also match a random
    # submission id or a household's number).
    for private in ("Secret Name", "Big Group", "123 45 67", "1234567", "700 123", "Private note"):
        assert private not in page.split("Waiting elsewhere in the city")[1], private
    # The item from its heading (the code is in the offline queue's label of its form too).
    family = page.split(f">#{elsewhere['family'].pk}<")[1].split("</li>")[0]
    assert "3 people" in family and "1 child" in family and "registered at Yunost gym" in family
    # the tightest space of their own shelter that takes the family together
    assert "Hold places at Cinema Park / Auditorium 1" in family
    big = page.split(f">#{elsewhere['big'].pk}<")[1].split("</li>")[0]
    assert "No space of your shelters takes them together now." in big


def test_names_and_phones_are_not_searched_in_the_city_list(as_user, volunteer, shelter, elsewhere):
    client = as_user(volunteer)
    assert client.get(WAITING, {"q": "Secret"}).context["data"].elsewhere == []
    assert client.get(WAITING, {"q": "1234567"}).context["data"].elsewhere == []
    by_code = client.get(WAITING, {"q": f"#{elsewhere['family'].pk}"}).context["data"]
    assert [h.pk for h in by_code.elsewhere] == [elsewhere["family"].pk]


def test_taking_a_household_from_the_city_list_makes_it_theirs(
    as_user, volunteer, shelter, elsewhere
):
    family = elsewhere["family"]
    client = as_user(volunteer)
    assert client.get(reverse("coordination:household", args=[family.pk])).status_code == 403
    space = shelter.spaces.get(name="Auditorium 1")
    response = client.post(reverse("coordination:hold", args=[family.pk]), {"space": space.pk})
    assert response.status_code == 302
    hold = Hold.objects.get(household=family, status=HoldStatus.ACTIVE)
    assert (hold.space, hold.created_by) == (space, volunteer)
    # expected at their shelter now: theirs to see, with the name and the phone to call
    page = client.get(reverse("coordination:household", args=[family.pk])).content.decode()
    assert "Secret Name" in page and "+7 700 123 45 67" in page
    # and it left the city's list: it is on its way
    data = client.get(WAITING).context["data"]
    assert data.on_the_way == [family] and family.pk not in [h.pk for h in data.elsewhere]


def test_the_city_list_never_takes_over_a_hold_or_holds_elsewhere(
    as_user, coordinator, volunteer, shelter, other_shelter, elsewhere
):
    family = elsewhere["family"]
    client = as_user(volunteer)
    space = shelter.spaces.get(name="Auditorium 1")
    # a space of a shelter they do not work in: refused
    other_space = other_shelter.spaces.get()
    forbidden = client.post(
        reverse("coordination:hold", args=[family.pk]), {"space": other_space.pk}
    )
    assert forbidden.status_code == 403
    # a hold made meanwhile by someone who may see them is not replaced
    services.hold_create(household_id=family.pk, space_id=other_space.pk, by=coordinator)
    response = client.post(
        reverse("coordination:hold", args=[family.pk]), {"space": space.pk}, follow=True
    )
    assert "on its way to Yunost gym / Main hall already" in response.content.decode()
    assert Hold.objects.get(household=family, status=HoldStatus.ACTIVE).space == other_space


def test_the_same_race_refused_in_the_service(coordinator, volunteer, shelter, elsewhere):
    from coordination.errors import HouseholdOnTheWay

    family = elsewhere["family"]
    space = shelter.spaces.get(name="Auditorium 2")
    services.hold_create(household_id=family.pk, space_id=space.pk, by=coordinator)
    with pytest.raises(HouseholdOnTheWay):
        services.hold_create(household_id=family.pk, space_id=space.pk, by=volunteer, replace=False)


@pytest.mark.parametrize("status", [Shelter.Status.STANDBY, Shelter.Status.CLOSED, "marked"])
def test_no_city_list_for_a_shelter_taking_nobody(as_user, volunteer, shelter, elsewhere, status):
    if status == "marked":
        Shelter.objects.filter(pk=shelter.pk).update(status=Shelter.Status.FULL, marked_full=True)
    else:
        Shelter.objects.filter(pk=shelter.pk).update(status=status)
    client = as_user(volunteer)
    data = client.get(WAITING).context["data"]
    assert not data.may_take and data.elsewhere == []
    space = shelter.spaces.first()
    family = elsewhere["family"]
    response = client.post(reverse("coordination:hold", args=[family.pk]), {"space": space.pk})
    assert response.status_code == 403
    assert not Hold.objects.exists()


def test_the_city_list_is_of_their_city(as_user, volunteer, shelter, elsewhere):
    aktobe = ShelterFactory(name="Aktobe gym", city="Aktobe")
    HouseholdFactory(contact_name="In Aktobe", registered_at=aktobe)
    nowhere = HouseholdFactory(contact_name="At the station", registered_at=None)
    data = as_user(volunteer).get(WAITING).context["data"]
    assert [h.pk for h in data.elsewhere] == [
        elsewhere["family"].pk,
        elsewhere["big"].pk,
        nowhere.pk,
    ]


def test_a_meal_provider_gets_no_city_list(as_user, meal_provider, elsewhere):
    data = as_user(meal_provider).get(WAITING).context["data"]
    assert not data.may_take and data.elsewhere == []


def test_the_city_list_leaves_out_those_the_volunteer_sees_in_full(
    as_user, volunteer, shelter, elsewhere
):
    own = HouseholdFactory(contact_name="Own family", registered_at=shelter)
    data = as_user(volunteer).get(WAITING).context["data"]
    assert list(data.households) == [own]
    assert own.pk not in [h.pk for h in data.elsewhere]


def test_the_city_list_shows_the_oldest_fifty(as_user, volunteer, shelter, other_shelter):
    Household.objects.bulk_create(
        Household(contact_name=f"H{n}", size=1, registered_at=other_shelter) for n in range(52)
    )
    MembershipFactory(shelter=ShelterFactory(), user=volunteer)  # a second shelter, no spaces
    SpaceFactory(shelter=shelter, name="Annex", places=1)
    response = as_user(volunteer).get(WAITING)
    data = response.context["data"]
    assert len(data.elsewhere) == 50 and data.elsewhere_more
    assert "The 50 who have waited longest are shown" in response.content.decode()
    # a single person takes the tightest space that fits: the annex
    assert data.elsewhere[0].take_space.name == "Annex"


def test_a_long_list_comes_in_pages_oldest_first_counting_everyone(
    as_user, coordinator, shelter, settings
):
    from coordination.households.selectors import WAITING_PER_PAGE

    now = timezone.now()
    households = [
        HouseholdFactory(size=1, waiting_since=now - timezone.timedelta(minutes=500 - number))
        for number in range(WAITING_PER_PAGE + 3)
    ]
    client = as_user(coordinator)
    first = client.get(WAITING, {"q": "", "shelter": shelter.pk})
    assert first.context["households"] == households[:WAITING_PER_PAGE]
    text = first.content.decode()
    assert f"Waiting for a place: {WAITING_PER_PAGE + 3} households" in text
    assert f"1\N{EN DASH}{WAITING_PER_PAGE} of {WAITING_PER_PAGE + 3}" in text
    assert f'href="?page=2&amp;shelter={shelter.pk}"' in text  # the filter is kept
    second = client.get(WAITING, {"page": 2, "shelter": shelter.pk})
    assert second.context["households"] == households[WAITING_PER_PAGE:]
    assert client.get(WAITING, {"page": "x²"}).context["households"][0] == households[0]


@pytest.mark.parametrize("shelter_rules", range(32))
def test_who_fits_in_the_database_is_who_fits_by_the_python_rules(shelter_rules):
    """household_fits (the waiting list, in SQL) mirrors space_takes for every combination."""
    from coordination.households.places import household_fits, space_takes

    flags = [bool(shelter_rules >> bit & 1) for bit in range(5)]
    families, wcc, men, pets, wheelchair = flags
    if wcc and men:
        return  # the database refuses a shelter for women and children and for men only
    shelter = ShelterFactory(
        accepts_families=families,
        women_children_only=wcc,
        men_only=men,
        pets_allowed=pets,
        wheelchair_accessible=wheelchair,
    )
    SpaceFactory(shelter=shelter, places=3)
    for size, children, infant, has_pets, chair, only in [
        (s, c, i, p, w, o)
        for s in (1, 3, 4)
        for c in (0, 1)
        for i in (False, True)
        for p in (False, True)
        for w in (False, True)
        for o in (False, True)
        if c < s
    ]:
        HouseholdFactory(
            size=size,
            children=children,
            has_infant=infant,
            has_pets=has_pets,
            needs_wheelchair=chair,
            women_children_only=only,
        )
    spaces = list(shelter.spaces.all())
    for household in Household.objects.annotate(fits=household_fits(shelter, spaces)):
        expected = any(space_takes(space.free, shelter, household) for space in spaces)
        assert household.fits == expected, household.__dict__


def test_a_meal_provider_is_told_why_the_list_is_empty_and_offered_no_registration(
    as_user, meal_provider
):
    html = as_user(meal_provider).get(reverse("coordination:waiting")).content.decode()
    assert "You are not assigned to any shelter" in html
    assert reverse("coordination:register") not in html  # they may not register (403)


def test_a_volunteer_sees_the_registration_and_no_such_note(as_user, volunteer):
    html = as_user(volunteer).get(reverse("coordination:waiting")).content.decode()
    assert "You are not assigned to any shelter" not in html
    assert reverse("coordination:register") in html
