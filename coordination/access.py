"""Who may see and act on households and meal offers.

A meal offer is its provider's: any member of the provider edits or cancels it.

A household's personal data is for coordinators and the volunteers of the shelter it was
registered at, stays in, or is expected at (an active hold), and whoever registered it.
Volunteers of a shelter taking people also see the city's waiting list without personal data
(code, size, needs), and may hold places in their own shelter for those households.
"""

from django.contrib.postgres.expressions import ArraySubquery
from django.db import connection
from django.db.models import F, Lookup, Q

from shelter.access import can_log_beds, is_coordinator
from shelter.models import Shelter, ShelterMembership, Space

from .meals.models import MealClaim, MealOffer, MealProviderMember
from .models import Hold, HoldStatus, Household, HouseholdStatus, Stay

MEAL_PROVIDER_GROUP = "Meal provider"


def households_visible_to(user):
    if is_coordinator(user):
        return Household.objects.all()
    if not user.is_authenticated:
        return Household.objects.none()
    return Household.objects.filter(member_households_q(user))


def member_households_q(user) -> Q:
    """The households a volunteer's own work gives them (registered at one of their shelters
    or by them, staying or expected there), as a filter on households.

    Each way in is its own indexed condition: joined together in one OR, PostgreSQL would
    read every household of the city (100,000 rows: 100 ms) to find the user's few.
    """
    shelters = ShelterMembership.objects.filter(user=user).values("shelter_id")
    staying = Stay.objects.filter(checked_out_at__isnull=True, space__shelter__in=shelters)
    expected = Hold.objects.filter(status=HoldStatus.ACTIVE, space__shelter__in=shelters)
    return (
        _among("registered_at", shelters)
        | Q(registered_by=user)
        | _among("pk", staying.values("household_id"))
        | _among("pk", expected.values("household_id"))
    )


class _AnyOf(Lookup):
    """`lhs = ANY(rhs)`, rhs an array without NULLs; false, not NULL, when lhs is NULL (as
    Django's own `__in` is under exclude())."""

    lookup_name = "any_of"  # used directly, never registered on a field
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return (
            f"({lhs} = ANY({rhs}) AND {lhs} IS NOT NULL)",
            (*lhs_params, *rhs_params, *lhs_params),
        )


def _among(field: str, subquery) -> Q:
    """`field IN (subquery)`, on PostgreSQL written `field = ANY(ARRAY(subquery))`: the
    subquery then runs once, first, and each way in of the OR above reads its own index
    (a BitmapOr). As IN, PostgreSQL checks every waiting household of the city against the
    subqueries' results: a volunteer's waiting list counted 20,000 rows (20 ms, now 3.6)."""
    if connection.vendor != "postgresql":  # the demo's SQLite has no arrays
        return Q(**{f"{field}__in": subquery})
    return Q(_AnyOf(F(field), ArraySubquery(subquery)))


def can_see_household(user, household: Household) -> bool:
    return households_visible_to(user).filter(pk=household.pk).exists()


def shelters_taking_from_city(user):
    """The user's own shelters that take people now (open, or full by count; not marked full
    by a coordinator). A volunteer of one sees the city's waiting list without personal data
    and may hold places there for any household waiting for a place: once held, the
    household is expected at their shelter, which may then see it (the rule above)."""
    if not user.is_authenticated:
        return Shelter.objects.none()
    return Shelter.objects.for_member(user).taking_people().filter(marked_full=False)


def can_hold_for(user, household: Household, space: Space) -> bool:
    """Hold `space` for `household`: whoever may see the household, anywhere; or a volunteer
    taking a household from the city's waiting list into their own shelter."""
    if can_see_household(user, household):
        return True
    # Whether someone holds places for it already is decided under the household's lock
    # (hold_create with replace=False), with a message rather than a refusal.
    waiting = household.status == HouseholdStatus.WAITING
    return waiting and shelters_taking_from_city(user).filter(pk=space.shelter_id).exists()


def can_register_households(user) -> bool:
    return user.is_authenticated and user.has_perm("coordination.add_household")


def can_check_in_at(user, shelter: Shelter) -> bool:
    return can_log_beds(user, shelter)


def can_offer_meals(user) -> bool:
    """The Meal provider group (and coordinators), or a member of a provider (added in the
    admin): they post offers for their provider."""
    if not user.is_authenticated:
        return False
    return (
        user.has_perm("coordination.add_mealoffer")
        or MealProviderMember.objects.filter(user=user).exists()
    )


def start_page_for(user) -> str:
    """The URL name a login lands on: each role's page of the day."""
    if is_coordinator(user):
        return "coordination:dashboard"
    if can_offer_meals(user) and not user.shelter_memberships.exists():
        return "coordination:meals_mine"
    return "shelter:mine"


def can_edit_offer(user, offer: MealOffer) -> bool:
    """Coordinators, and the members of the offer's provider (whoever of them posted it)."""
    if is_coordinator(user):
        return True
    return (
        can_offer_meals(user)
        and MealProviderMember.objects.filter(provider_id=offer.provider_id, user=user).exists()
    )


def can_release_claim(user, claim: MealClaim) -> bool:
    return can_log_beds(user, claim.shelter)
