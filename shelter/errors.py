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
    """People cannot be added: the shelter is on standby (it keeps whoever is there) or closed."""

    def __init__(self, *, shelter_name: str, status_label: str, on_standby: bool = False):
        if on_standby:
            message = _(
                "%(shelter)s is on standby: the people there stay, but nobody new can be "
                "added. Open it first."
            )
        else:
            message = _("%(shelter)s is %(status)s and takes nobody; open it first.")
        super().__init__(message % {"shelter": shelter_name, "status": status_label})


class MarkFullRefused(ShelterClosed):
    """ "Mark full" is for a shelter that takes people; standby and closed ones take nobody new."""

    def __init__(self, *, shelter_name: str, on_standby: bool):
        ShelterError.__init__(
            self,
            (
                _(
                    "%(shelter)s cannot be marked full: it is on standby and takes nobody new "
                    "already. Open it first to show it as full."
                )
                if on_standby
                else _("%(shelter)s cannot be marked full: it is closed. Open it first.")
            )
            % {"shelter": shelter_name},
        )


class ShelterOccupied(ShelterError):
    """Only an empty shelter closes; standby and "mark full" keep the people who are there."""

    field = "status"

    def __init__(self, *, shelter_name: str, people: int):
        super().__init__(
            ngettext(
                "%(shelter)s cannot be closed: %(people)d person is checked in or expected. "
                "Check them out first, or put it on standby to stop new arrivals.",
                "%(shelter)s cannot be closed: %(people)d people are checked in or expected. "
                "Check them out first, or put it on standby to stop new arrivals.",
                people,
            )
            % {"shelter": shelter_name, "people": people}
        )
        self.people = people


class AlreadySubmitted(ShelterError):
    def __init__(self):
        super().__init__(_("These counts were already saved (the form was sent twice)."))
