"""The personal-data purge: every free-text field of a household, any status, after
PURGE_PERSONAL_DATA_AFTER_DAYS without activity; never while checked in; counts kept."""

from datetime import timedelta

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import connection, models, transaction
from django.urls import reverse
from django.utils import timezone

from coordination.asks import services as ask_services
from coordination.asks.models import ASK_PERSONAL_FIELDS, Ask
from coordination.errors import HouseholdNotWaiting
from coordination.households import selectors, services
from coordination.models import HOUSEHOLD_PERSONAL_FIELDS, HoldStatus, Household
from coordination.offers import services as offer_services
from coordination.offers.models import OFFER_PERSONAL_FIELDS, HostOffer
from coordination.tasks import purge_personal_data
from tests.factories import (
    HostOfferFactory,
    HouseholdFactory,
    ShelterFactory,
    SpaceFactory,
    UserFactory,
)
from tests.races import race

pytestmark = pytest.mark.django_db

# Text fields the purge may keep: choices only, never free text a volunteer typed.
KEPT_CHOICE_FIELDS = {"status"}
# Every other field, and why it is not personal: so a new field needs a decision here.
KEPT_FIELDS = KEPT_CHOICE_FIELDS | {
    "id",
    "size",  # statistics: how many people, children, which needs
    "children",
    "needs_wheelchair",
    "needs_medical",
    "has_infant",
    "has_pets",
    "women_children_only",
    "registered_by",  # the volunteer's account, not the household's
    "registered_at",  # a shelter
    "created_at",
    "waiting_since",
    "left_at",
    "anonymised_at",
}
DAY = timedelta(days=1)


def _text_fields() -> list[models.Field]:
    return [
        field
        for field in Household._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField)
    ]


def _concrete_fields() -> set[str]:
    return {field.name for field in Household._meta.get_fields() if field.concrete}


@pytest.fixture
def user():
    return UserFactory()


@pytest.fixture
def space():
    return SpaceFactory(places=20, shelter=ShelterFactory())


@pytest.fixture
def start():
    return timezone.now()


def _purge(at) -> int:
    with time_machine.travel(at, tick=False):
        return purge_personal_data(30)


def _fill_every_text_field() -> Household:
    """A household with a value in each of its free-text fields (found by introspection)."""
    values = {
        field.name: "x" * min(field.max_length or 20, 20)
        for field in _text_fields()
        if field.name not in KEPT_CHOICE_FIELDS
    }
    return HouseholdFactory(**values)


def test_the_purge_blanks_every_free_text_field(start):
    with time_machine.travel(start, tick=False):
        household = _fill_every_text_field()
    assert _purge(start + 31 * DAY) == 1
    household.refresh_from_db()
    for field in _text_fields():
        if field.name in KEPT_CHOICE_FIELDS:
            assert field.choices, f"{field.name} is free text: it cannot be kept"
        else:
            assert getattr(household, field.name) == "", f"{field.name} kept after the purge"
    assert {f.name for f in _text_fields()} - KEPT_CHOICE_FIELDS == set(HOUSEHOLD_PERSONAL_FIELDS)


def test_every_household_field_is_either_purged_or_kept_on_purpose():
    undecided = _concrete_fields() - KEPT_FIELDS - set(HOUSEHOLD_PERSONAL_FIELDS)
    assert not undecided, f"decide whether the purge blanks {sorted(undecided)}"
    assert not (KEPT_FIELDS - _concrete_fields()), "KEPT_FIELDS names a field that is gone"


# An online request's fields the purge keeps, and why; ASK_PERSONAL_FIELDS are cleared.
ASK_KEPT_FIELDS = {
    "id",
    "household",  # the household row, itself purged
    "where_now",  # a choice (border, arrival point, city): statistics
    "consented_at",
    "created_at",
    "cancelled_at",
    "closed_at",  # set by the purge when not closed already
}


def test_every_ask_field_is_either_purged_or_kept_on_purpose():
    concrete = {field.name for field in Ask._meta.get_fields() if field.concrete}
    undecided = concrete - ASK_KEPT_FIELDS - set(ASK_PERSONAL_FIELDS)
    assert not undecided, f"decide whether the purge clears {sorted(undecided)}"
    assert not (ASK_KEPT_FIELDS - concrete), "ASK_KEPT_FIELDS names a field that is gone"
    text = {f.name for f in Ask._meta.get_fields() if isinstance(f, models.CharField)}
    assert text - set(ASK_PERSONAL_FIELDS) == {"where_now"}  # the only text kept is a choice


def test_the_purge_clears_an_online_request_and_its_link_shows_nothing(start, client, space):
    with time_machine.travel(start, tick=False):
        created = ask_services.ask_create(
            household=Household(contact_name="Aigerim", phone="+7 701", size=2),
            where_now="border",
        )
        hold = services.hold_create(
            household_id=created.ask.household_id, space_id=space.pk, by=UserFactory()
        )
    url = reverse("ask_status", args=[created.token])
    assert client.get(url).status_code == 200
    assert _purge(start + 31 * DAY) == 1
    ask = Ask.objects.select_related("household").get()
    for name in ASK_PERSONAL_FIELDS:
        assert getattr(ask, name) is None, f"{name} kept after the purge"
    assert ask.closed_at is not None
    assert ask.household.contact_name == "" and ask.household.phone == ""
    hold.refresh_from_db()
    assert hold.status == HoldStatus.EXPIRED
    gone = client.get(url)
    assert gone.status_code == 404
    assert b"ask-state" not in gone.content and space.shelter.address.encode() not in gone.content
    # The code is free for a new request.
    Ask.objects.create(
        household=HouseholdFactory(),
        code=created.ask.code,
        token_hash="n" * 64,
        where_now="city",
        consented_at=timezone.now(),
    )


def test_a_household_that_left_is_purged_that_long_after_leaving(start, user, space):
    with time_machine.travel(start, tick=False) as clock:
        gone = HouseholdFactory(size=3, contact_name="Ivan", phone="+7 701 111", languages="ru")
        stay = services.stay_check_in(household_id=gone.pk, space_id=space.pk, by=user)
        clock.move_to(start + 5 * DAY)
        services.stay_check_out(stay_id=stay.pk, by=user)
    assert _purge(start + 34 * DAY) == 0  # left 29 days ago
    assert _purge(start + 36 * DAY) == 1
    assert _purge(start + 36 * DAY) == 0  # safe to run twice
    gone.refresh_from_db()
    assert (gone.contact_name, gone.phone, gone.languages) == ("", "", "")
    assert (gone.size, gone.status, gone.anonymised_at) == (3, "left", start + 36 * DAY)
    space.refresh_from_db()
    assert space.occupied == 0


def test_a_waiting_household_with_no_activity_is_purged_and_leaves_the_waiting_list(start):
    with time_machine.travel(start, tick=False) as clock:
        forgotten = HouseholdFactory(contact_name="Olga", size=2)
        clock.move_to(start + 2 * DAY)
        recent = HouseholdFactory(contact_name="Aigerim")
    assert _purge(start + 31 * DAY) == 1
    forgotten.refresh_from_db()
    assert (forgotten.contact_name, forgotten.status, forgotten.size) == ("", "left", 2)
    assert forgotten.left_at is None  # it never checked out: when it left is not known
    assert list(Household.objects.waiting()) == [recent]
    recent.refresh_from_db()
    assert recent.contact_name == "Aigerim"


def test_a_hold_made_or_ended_is_activity(start, user, space):
    with time_machine.travel(start, tick=False) as clock:
        household = HouseholdFactory(contact_name="Dana")
        clock.move_to(start + 10 * DAY)
        hold = services.hold_create(household_id=household.pk, space_id=space.pk, by=user)
        clock.move_to(start + 12 * DAY)
        services.hold_release(hold_id=hold.pk, by=user)
    assert _purge(start + 41 * DAY) == 0  # released 29 days ago
    assert _purge(start + 43 * DAY) == 1


def test_a_checked_in_household_is_kept_while_it_stays(start, user, space, capsys):
    with time_machine.travel(start, tick=False):
        staying = HouseholdFactory(size=4, contact_name="Marat", phone="+7 702 222")
        services.stay_check_in(household_id=staying.pk, space_id=space.pk, by=user)
    assert _purge(start + 100 * DAY) == 0
    staying.refresh_from_db()
    assert (staying.contact_name, staying.status, staying.anonymised_at) == (
        "Marat",
        "placed",
        None,
    )
    with time_machine.travel(start + 100 * DAY, tick=False):
        call_command("purge_personal_data", "--older-than", "30")
    out = capsys.readouterr().out
    assert "Personal data removed from 0 households" in out
    assert "1 households have been checked in for more than 30 days" in out
    space.refresh_from_db()
    assert space.occupied == 4


def test_a_forgotten_active_hold_is_released_before_its_household_is_purged(start, user, space):
    with time_machine.travel(start, tick=False):
        household = HouseholdFactory(size=3)
        # The expiry task never ran (or holds were set to last for months).
        hold = services.hold_create(
            household_id=household.pk, space_id=space.pk, by=user, hours=24 * 60
        )
    space.refresh_from_db()
    assert space.held == 3
    assert _purge(start + 31 * DAY) == 1
    hold.refresh_from_db()
    assert (hold.status, hold.ended_by) == (HoldStatus.EXPIRED, None)
    space.refresh_from_db()
    assert space.held == 0  # its places are free again, nothing held for nobody
    household.refresh_from_db()
    assert household.status == "left" and household.anonymised_at
    assert _purge(start + 31 * DAY) == 0


def test_the_purge_works_in_batches(start, monkeypatch):
    monkeypatch.setattr(services, "PURGE_BATCH", 2)
    with time_machine.travel(start, tick=False):
        HouseholdFactory.create_batch(5)
    assert _purge(start + 31 * DAY) == 5
    assert not Household.objects.filter(anonymised_at__isnull=True).exists()


def test_the_command_refuses_negative_days():
    with pytest.raises(CommandError):
        call_command("purge_personal_data", "--older-than", "-1")


def test_the_purge_query_can_use_its_index(start):
    """On a big table the daily run reads only households not anonymised, by date."""
    query = selectors.households_to_purge(inactive_since=start).values("pk").query
    sql, params = query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "coord_household_purge_idx" in plan, plan


@pytest.mark.django_db(transaction=True)
def test_check_ins_racing_with_the_purge_are_either_done_or_refused_never_both():
    """Two volunteers check households in one after another while the purge runs (as if a
    month had passed, so every household is due): each is either checked in with its data
    kept, or purged with its check-in refused and no place taken."""
    user = UserFactory()
    space = SpaceFactory(places=100)
    households = [HouseholdFactory(size=2, contact_name=f"Person {i}") for i in range(40)]
    later = timezone.now() + 31 * DAY
    checked_in, refused = set(), set()

    def check_in_every_other(first: int) -> None:
        for household in households[first::2]:
            try:
                services.stay_check_in(household_id=household.pk, space_id=space.pk, by=user)
                checked_in.add(household.pk)
            except HouseholdNotWaiting:
                refused.add(household.pk)

    def act(index: int) -> None:
        if index == 0:
            services.household_purge_personal_data(older_than_days=30, now=later)
        else:
            check_in_every_other(index - 1)

    assert race(3, act) == ["ok", "ok", "ok"]

    assert checked_in | refused == {h.pk for h in households}
    for household in Household.objects.filter(pk__in=checked_in):
        assert (household.status, household.anonymised_at) == ("placed", None)
        assert household.contact_name.startswith("Person ")
    for household in Household.objects.filter(pk__in=refused):
        assert household.status == "left" and household.anonymised_at
        assert household.contact_name == ""
        assert not household.stays.exists()
    space.refresh_from_db()
    assert space.occupied == 2 * len(checked_in)


@pytest.mark.django_db(transaction=True)
def test_two_purges_at_once_purge_each_household_once():
    start = timezone.now()
    HouseholdFactory.create_batch(8)
    counts = []

    def purge(_index: int) -> None:
        counts.append(
            services.household_purge_personal_data(older_than_days=30, now=start + 31 * DAY)
        )

    assert race(2, purge) == ["ok", "ok"]
    assert sum(counts) == 8
    assert not Household.objects.filter(anonymised_at__isnull=True).exists()


# --- Hosts: the same purge, for offers from residents -----------------------------------------


# Text fields of an offer the purge keeps, and why they are not personal.
OFFER_KEPT_CHOICE_FIELDS = {"status", "kind"}
OFFER_KEPT_FIELDS = OFFER_KEPT_CHOICE_FIELDS | {
    "id",
    "code",  # a random reference, meaningless without the rest
    "city",  # public: the district and city are on the public page
    "district",
    "places",  # statistics: how many places, which rules, when
    "available_from",
    "available_until",
    "accepts_families",
    "women_children_only",
    "men_only",
    "pets_allowed",
    "wheelchair_accessible",
    "smoking_allowed",
    "created_at",
    "resubmitted_at",
    "same_phone_as",
    "called_at",  # the coordinators' steps: their accounts, not the host's
    "called_by",
    "address_confirmed_at",
    "address_confirmed_by",
    "visited_at",
    "visited_by",
    "decided_at",
    "decided_by",
    "shelter",  # the place: its address, phone and coordinates are blanked with the offer
    "opened_at",
    "ended_at",
    "anonymised_at",
}


def _offer_text_fields() -> list[models.Field]:
    return [
        field
        for field in HostOffer._meta.get_fields()
        if isinstance(field, models.CharField | models.TextField)
    ]


def test_every_offer_field_is_either_purged_or_kept_on_purpose():
    concrete = {field.name for field in HostOffer._meta.get_fields() if field.concrete}
    undecided = concrete - OFFER_KEPT_FIELDS - set(OFFER_PERSONAL_FIELDS)
    assert not undecided, f"decide whether the purge blanks {sorted(undecided)}"
    assert not (OFFER_KEPT_FIELDS - concrete), "OFFER_KEPT_FIELDS names a field that is gone"
    texts = {f.name for f in _offer_text_fields()}
    assert texts - OFFER_KEPT_FIELDS == set(OFFER_PERSONAL_FIELDS)
    for field in _offer_text_fields():
        if field.name in OFFER_KEPT_CHOICE_FIELDS:
            assert field.choices, f"{field.name} is free text: it cannot be kept"


def _host(coordinator, **fields):
    values = {
        field.name: "x" * min(field.max_length or 20, 20)
        for field in _offer_text_fields()
        if field.name in OFFER_PERSONAL_FIELDS
    }
    offer = HostOfferFactory(**{**values, **fields})
    for step in ("called", "address"):
        offer_services.offer_step(offer_id=offer.pk, step=step, by=coordinator)
    return offer_services.offer_approve(offer_id=offer.pk, by=coordinator)


def test_a_hosts_data_is_purged_that_long_after_the_last_stay_and_the_offers_end(start):
    boss = UserFactory(groups=["Coordinator"])
    with time_machine.travel(start, tick=False):
        offer = _host(boss)
        household = HouseholdFactory(size=2)
        space = offer.shelter.spaces.get()
        stay = services.stay_check_in(household_id=household.pk, space_id=space.pk, by=boss)
    with time_machine.travel(start + 5 * DAY, tick=False):
        services.stay_check_out(stay_id=stay.pk, by=boss)
        offer_services.offer_withdraw(offer_id=offer.pk, by=boss)
    assert offer_services.offers_purge_personal_data(older_than_days=30, now=start + 34 * DAY) == 0
    assert _purge(start + 36 * DAY) >= 1
    offer.refresh_from_db()
    offer.shelter.refresh_from_db()
    for name in OFFER_PERSONAL_FIELDS:
        assert getattr(offer, name) == "", f"{name} kept after the purge"
    assert offer.anonymised_at is not None
    assert (offer.places, offer.district) == (3, "Zachagansk")  # statistics kept
    assert (offer.shelter.address, offer.shelter.phone) == ("", "")
    assert offer_services.offers_purge_personal_data(older_than_days=30, now=start + 40 * DAY) == 0


def test_an_active_host_is_kept_and_a_forgotten_new_offer_is_purged(start):
    boss = UserFactory(groups=["Coordinator"])
    with time_machine.travel(start, tick=False):
        active = _host(boss)
        forgotten = HostOfferFactory()
    assert offer_services.offers_purge_personal_data(older_than_days=30, now=start + 31 * DAY) == 1
    active.refresh_from_db()
    forgotten.refresh_from_db()
    assert active.name and active.anonymised_at is None
    assert forgotten.name == "" and forgotten.status == "withdrawn"


def test_a_withdrawn_host_with_a_family_still_there_is_kept(start):
    boss = UserFactory(groups=["Coordinator"])
    with time_machine.travel(start, tick=False):
        offer = _host(boss)
        household = HouseholdFactory(size=1)
        services.stay_check_in(
            household_id=household.pk, space_id=offer.shelter.spaces.get().pk, by=boss
        )
        # Withdrawn by hand although someone stays (a coordinator's cleanup in the admin).
        HostOffer.objects.filter(pk=offer.pk).update(status="withdrawn", ended_at=start)
    assert offer_services.offers_purge_personal_data(older_than_days=30, now=start + 60 * DAY) == 0
