"""Shelters, their spaces and the history of their occupancy.

Counts are changed only through `shelter.services`; the constraints are the last word.
`shelters`: Shelter and its assignments; `spaces`: Space and OccupancyEvent; `audit`: AuditEntry;
`outbox`: OccupancyOutbox, the changes listeners still have to act on.
"""

from .audit import AuditAction, AuditEntry
from .outbox import OccupancyOutbox
from .shelters import (
    PRIVATE_KINDS,
    TAKING_PEOPLE,
    MembershipRole,
    Shelter,
    ShelterKind,
    ShelterMembership,
    ShelterQuerySet,
    ShelterStatus,
    StatusAction,
)
from .spaces import (
    MAX_PLACES,
    SPHERE_M2_PER_PERSON,
    SPHERE_M2_PER_PERSON_COLD,
    OccupancyEvent,
    OccupancyReason,
    Space,
    sphere_capacity,
)

__all__ = [
    "MAX_PLACES",
    "PRIVATE_KINDS",
    "SPHERE_M2_PER_PERSON",
    "SPHERE_M2_PER_PERSON_COLD",
    "TAKING_PEOPLE",
    "AuditAction",
    "AuditEntry",
    "MembershipRole",
    "OccupancyEvent",
    "OccupancyOutbox",
    "OccupancyReason",
    "Shelter",
    "ShelterKind",
    "ShelterMembership",
    "ShelterQuerySet",
    "ShelterStatus",
    "Space",
    "StatusAction",
    "sphere_capacity",
]
