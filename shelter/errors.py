"""Errors raised by shelter services: each carries a message fit to show a volunteer.

`field` names the form field the message belongs to, so views can put it next to the input.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class ShelterError(Exception):
    field: str | None = None

    def __init__(self, message: str, *, space_id: int | None = None, space_name: str = ""):
        super().__init__(message)
        self.message = message
        self.space_id = space_id
        self.space_name = space_name


class SpaceFull(ShelterError):
    field = "occupied"

    def __init__(self, *, space_id: int, space_name: str, free: int):
        super().__init__(
            ngettext(
                "%(space)s has only %(free)d free place now.",
                "%(space)s has only %(free)d free places now.",
                free,
            )
            % {"space": space_name, "free": free},
            space_id=space_id,
        )
        self.free = free


class OccupancyBelowZero(ShelterError):
    field = "occupied"

    def __init__(self, *, space_id: int, space_name: str, occupied: int):
        super().__init__(
            _(
                "Only %(occupied)d people are counted in %(space)s now; "
                "the count cannot go below zero."
            )
            % {"occupied": occupied, "space": space_name},
            space_id=space_id,
        )


class PlacesBelowTaken(ShelterError):
    field = "places"

    def __init__(self, *, space_id: int | None, space_name: str, taken: int):
        super().__init__(
            _(
                "%(space)s has %(taken)d places occupied, held or blocked; "
                "places cannot be fewer than that."
            )
            % {"space": space_name, "taken": taken},
            space_id=space_id,
            space_name=space_name,
        )


class SpaceNotEmpty(ShelterError):
    field = "DELETE"

    def __init__(self, *, space_id: int, space_name: str, people: int):
        super().__init__(
            ngettext(
                "%(space)s cannot be removed: %(people)d person is there.",
                "%(space)s cannot be removed: %(people)d people are there.",
                people,
            )
            % {"space": space_name, "people": people},
            space_id=space_id,
        )


class DuplicateSpaceName(ShelterError):
    field = "name"

    def __init__(self, *, space_name: str):
        super().__init__(
            _("This shelter already has a space named %(space)s.") % {"space": space_name},
            space_name=space_name,
        )


class ShelterClosed(ShelterError):
    def __init__(self, *, shelter_name: str, status_label: str):
        super().__init__(
            _("%(shelter)s is %(status)s and takes nobody; open it first.")
            % {"shelter": shelter_name, "status": status_label}
        )


class ShelterOccupied(ShelterError):
    field = "status"

    def __init__(self, *, shelter_name: str, people: int):
        super().__init__(
            ngettext(
                "%(shelter)s cannot be closed: %(people)d person is checked in or expected.",
                "%(shelter)s cannot be closed: %(people)d people are checked in or expected.",
                people,
            )
            % {"shelter": shelter_name, "people": people}
        )
        self.people = people


class AlreadySubmitted(ShelterError):
    def __init__(self):
        super().__init__(_("These counts were already saved (the form was sent twice)."))
