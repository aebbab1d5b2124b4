"""Errors raised by coordination services; like shelter's, each carries a message to show.

They extend ShelterError so a view can catch every refusal of an action in one place.
"""

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from shelter.errors import ShelterError


class HouseholdNotWaiting(ShelterError):
    def __init__(self, *, status_label: str):
        super().__init__(
            _("This household is %(status)s already: nothing was changed.")
            % {"status": status_label}
        )


class HouseholdOnTheWay(ShelterError):
    """Places are held for the household already (by someone who may see it)."""

    def __init__(self, *, space_name: str):
        super().__init__(
            _("This household is on its way to %(space)s already: nothing was changed.")
            % {"space": space_name}
        )


class AlreadyCheckedIn(ShelterError):
    def __init__(self, *, space_name: str):
        super().__init__(
            _("This household is already checked in at %(space)s.") % {"space": space_name}
        )


class NotCheckedIn(ShelterError):
    def __init__(self):
        super().__init__(_("This stay has ended already: nothing was changed."))


class CheckOutNotUndoable(ShelterError):
    """Too late to undo a check-out, or something happened to the household since."""

    @classmethod
    def too_late(cls, *, minutes: int) -> "CheckOutNotUndoable":
        return cls(
            ngettext(
                "A check-out can be undone for %(n)d minute only: register them again to give "
                "them a place.",
                "A check-out can be undone for %(n)d minutes only: register them again to give "
                "them a place.",
                minutes,
            )
            % {"n": minutes}
        )

    @classmethod
    def moved_on(cls) -> "CheckOutNotUndoable":
        return cls(_("This check-out cannot be undone: the household was moved or placed since."))


class HoldLimitReached(ShelterError):
    """An account holds too many places in shelters it is not assigned to (settings)."""

    def __init__(self, *, held: int, limit: int, places: int):
        super().__init__(
            ngettext(
                "You are holding %(held)d place in other shelters already; the limit is "
                "%(limit)d and this household needs %(places)d. Release one or ask a "
                "coordinator.",
                "You are holding %(held)d places in other shelters already; the limit is "
                "%(limit)d and this household needs %(places)d. Release one or ask a "
                "coordinator.",
                held,
            )
            % {"held": held, "limit": limit, "places": places}
        )
        self.held, self.limit = held, limit


class HoldNotActive(ShelterError):
    def __init__(self):
        super().__init__(_("This hold has ended already (checked in, released or expired)."))


class NotEnoughPortions(ShelterError):
    field = "portions"

    def __init__(self, *, remaining: int):
        super().__init__(
            ngettext("Only %(n)d portion is left.", "Only %(n)d portions are left.", remaining)
            % {"n": remaining}
        )
        self.remaining = remaining


class OfferPassed(ShelterError):
    def __init__(self):
        super().__init__(_("This meal offer's time has passed; it can no longer be claimed."))


class OfferCancelled(ShelterError):
    def __init__(self):
        super().__init__(_("This meal offer was cancelled by its provider."))


class ClaimReleased(ShelterError):
    def __init__(self):
        super().__init__(_("These portions were released already."))


class ClaimAlreadySaved(ShelterError):
    def __init__(self):
        super().__init__(
            _("This claim was already saved (the form was sent twice): nothing was added.")
        )
