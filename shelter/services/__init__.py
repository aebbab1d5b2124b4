"""Business actions on shelters and spaces. Every change of a count goes through here.

- `occupancy`: the single door to a space's count (`occupancy_change`), held places and the
  bed-count form's several spaces at once;
- `spaces`: creating, resizing and deleting spaces;
- `shelters`: registration, status, "mark full", assignments and the audit log;
- `locks`: the shelter lock every writer takes first, and the announcement after commit.

Callers import from `shelter.services`; the modules are how the code is kept in order.
"""

from .locks import shelters_lock
from .occupancy import SpaceCount, held_change, occupancy_change, shelter_count
from .shelters import (
    audit_record,
    shelter_create,
    shelter_mark_full,
    shelter_member_assign,
    shelter_member_remove,
    shelter_people,
    shelter_refresh_status,
    shelter_set_status,
    shelter_status_action,
)
from .spaces import space_delete, space_save

__all__ = [
    "SpaceCount",
    "audit_record",
    "held_change",
    "occupancy_change",
    "shelter_count",
    "shelter_create",
    "shelter_mark_full",
    "shelter_member_assign",
    "shelter_member_remove",
    "shelter_people",
    "shelter_refresh_status",
    "shelter_set_status",
    "shelter_status_action",
    "shelters_lock",
    "space_delete",
    "space_save",
]
