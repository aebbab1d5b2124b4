"""Who may do what with a shelter: group permissions give the ability, assignment the scope.

Groups (created by migration 0002): Volunteer, Shelter manager, Coordinator.
"""

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

from .models import MembershipRole, Shelter, ShelterMembership

COORDINATOR_GROUP = "Coordinator"
SHELTER_MANAGER_GROUP = "Shelter manager"
VOLUNTEER_GROUP = "Volunteer"

User = AbstractBaseUser | AnonymousUser


def is_coordinator(user: User) -> bool:
    return user.is_authenticated and user.has_perm("shelter.coordinate")


def _role(user: User, shelter: Shelter) -> str | None:
    if not user.is_authenticated:
        return None
    known = getattr(shelter, "role_of", None)  # (user id, role), read with the shelter
    if known is not None and known[0] == user.pk:
        return known[1]
    return (
        ShelterMembership.objects.filter(shelter=shelter, user=user)
        .values_list("role", flat=True)
        .first()
    )


def member_shelter_ids(user: User) -> set[int] | None:
    """Ids of the shelters a user may log beds in; None means every shelter (a coordinator)."""
    if is_coordinator(user):
        return None
    if not user.is_authenticated:
        return set()
    return set(ShelterMembership.objects.filter(user=user).values_list("shelter_id", flat=True))


def can_log_beds(user: User, shelter: Shelter) -> bool:
    """Coordinators everywhere; volunteers and managers in the shelters they are assigned to."""
    return is_coordinator(user) or _role(user, shelter) is not None


def can_manage(user: User, shelter: Shelter) -> bool:
    """Edit the shelter, its spaces and its status: coordinators and its own managers."""
    return is_coordinator(user) or _role(user, shelter) == MembershipRole.MANAGER


def can_register_shelter(user: User) -> bool:
    return is_coordinator(user) or (user.is_authenticated and user.has_perm("shelter.add_shelter"))
