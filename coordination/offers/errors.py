"""Refusals of the offer and host-link services, each with a message to show."""

from django.utils.translation import gettext as _

from shelter.errors import ShelterError


class PlaceNotChecked(ShelterError):
    """A household of women and children only, or of children alone, to an unvisited home."""

    def __init__(self, *, shelter_name: str):
        super().__init__(
            _(
                "%(shelter)s is a resident's home nobody has visited yet: it cannot take "
                "women and children on their own or children without an adult. Choose "
                "another place."
            )
            % {"shelter": shelter_name}
        )


class OfferNotReady(ShelterError):
    def __init__(self):
        super().__init__(
            _("Call the resident back and confirm the address before approving the offer.")
        )


class OfferDecided(ShelterError):
    def __init__(self, *, status_label: str):
        super().__init__(
            _("This offer is %(status)s already: nothing was changed.") % {"status": status_label}
        )


class HostLinkInvalid(ShelterError):
    """An unknown, revoked or expired host link: the page says which, and shows nothing."""

    UNKNOWN, REVOKED, EXPIRED = "unknown", "revoked", "expired"

    def __init__(self, reason: str):
        self.reason = reason
        messages = {
            self.UNKNOWN: _("This link does not work. Check that it was copied in full."),
            self.REVOKED: _("This link was replaced or switched off by the coordinators."),
            self.EXPIRED: _("This link has expired because it was not used for a long time."),
        }
        super().__init__(messages[reason])


class NotYourGuest(ShelterError):
    def __init__(self):
        super().__init__(_("This family is not on its way to your place: nothing was changed."))


class HostPlacesRefused(ShelterError):
    """More free places than a home may offer here: the coordinators decide that."""

    def __init__(self, *, limit: int):
        super().__init__(
            _("A home can take %(n)d people at most here; call the coordinators for more.")
            % {"n": limit}
        )
