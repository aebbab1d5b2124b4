"""A resident's offer of a place, the host's own link and its uses, follow-up calls.

Personal data of a host (name, phone or messenger, exact address, languages, notes) is seen
by coordinators only; the public sees the district, the places and the rules of an approved
place (coordination/public.py). OFFER_PERSONAL_FIELDS is what the purge blanks.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from shelter.models import Shelter
from shelter.validators import validate_plain_text

MAX_OFFER_PLACES = 30  # a home that sleeps more is a shelter: register it as one
CODE_LENGTH = 6

# tests/coordination/test_purge.py checks that every text field of HostOffer is here or
# listed there as not personal.
OFFER_PERSONAL_FIELDS = (
    "name",
    "contact",
    "phone_key",
    "address",
    "languages",
    "notes",
    "reject_reason",
)


class OfferKind(models.TextChoices):
    ROOM = "room", _("A room in a flat")
    FLAT = "flat", _("A whole flat")
    HOUSE = "house", _("A house")
    OTHER = "other", _("Other")


class OfferStatus(models.TextChoices):
    NEW = "new", _("New, to check")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    SUSPENDED = "suspended", _("Host suspended")
    WITHDRAWN = "withdrawn", _("Withdrawn")


# An approved (or suspended) offer has its shelter, and was called back and its address
# confirmed before approval.
DECIDED_WITH_SHELTER = [OfferStatus.APPROVED, OfferStatus.SUSPENDED]
# Offers still counted as offered: waiting for a check or taking people.
OFFERED = [OfferStatus.NEW, OfferStatus.APPROVED]


class HostOfferQuerySet(models.QuerySet):
    def to_check(self):
        """New offers, oldest first: the coordinators' queue."""
        return self.filter(status=OfferStatus.NEW).order_by("created_at", "pk")


class HostOffer(models.Model):
    """A resident's offer of a room, a flat or a house, from the public form to a decision."""

    Kind = OfferKind
    Status = OfferStatus

    code = models.CharField(_("reference"), max_length=CODE_LENGTH, unique=True, editable=False)
    name = models.CharField(_("your name"), max_length=80, validators=[validate_plain_text])
    contact = models.CharField(
        _("phone or messenger"),
        max_length=40,
        validators=[validate_plain_text],
        help_text=_("A number we can call, or your Telegram or WhatsApp name."),
    )
    # The contact in digits only (a handle: lower case without @), to recognise a second offer.
    phone_key = models.CharField(max_length=40, editable=False)
    kind = models.CharField(
        _("what you offer"), max_length=10, choices=OfferKind.choices, default=OfferKind.ROOM
    )
    address = models.CharField(
        _("address"),
        max_length=200,
        validators=[validate_plain_text],
        help_text=_("Street, house, flat. Only coordinators and the family sent to you see it."),
    )
    city = models.CharField(
        _("city"), max_length=80, default="Uralsk", validators=[validate_plain_text]
    )
    district = models.CharField(
        _("district"),
        max_length=80,
        validators=[validate_plain_text],
        help_text=_("Shown on the public page instead of the address."),
    )
    places = models.PositiveSmallIntegerField(
        _("how many people"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_OFFER_PLACES)],
    )
    available_from = models.DateField(_("from"))
    available_until = models.DateField(_("until"), null=True, blank=True)
    accepts_families = models.BooleanField(_("families with children welcome"), default=True)
    women_children_only = models.BooleanField(_("women and children only"), default=False)
    men_only = models.BooleanField(_("men only"), default=False)
    pets_allowed = models.BooleanField(_("pets welcome"), default=False)
    wheelchair_accessible = models.BooleanField(_("wheelchair accessible"), default=False)
    smoking_allowed = models.BooleanField(_("smoking allowed"), default=False)
    languages = models.CharField(
        _("languages spoken at home"), max_length=80, blank=True, validators=[validate_plain_text]
    )
    notes = models.TextField(
        _("anything else"), max_length=1000, blank=True, validators=[validate_plain_text]
    )

    status = models.CharField(
        _("status"), max_length=10, choices=OfferStatus.choices, default=OfferStatus.NEW
    )
    created_at = models.DateTimeField(_("offered"), auto_now_add=True)
    # The same phone sent the form again while this offer was new: its answers replaced these.
    resubmitted_at = models.DateTimeField(_("sent again"), null=True, blank=True)
    # A new offer from the phone of an earlier, decided one (a second flat, or the same again).
    same_phone_as = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("same phone as"),
    )

    called_at = models.DateTimeField(_("called back"), null=True, blank=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    address_confirmed_at = models.DateTimeField(_("address confirmed"), null=True, blank=True)
    address_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # Visited by a coordinator: only then may the place take households of women and children
    # only or unaccompanied minors (offers.services.placement_check, under the shelter lock).
    visited_at = models.DateTimeField(_("visited"), null=True, blank=True)
    visited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    reject_reason = models.CharField(
        _("reason"), max_length=300, blank=True, validators=[validate_plain_text]
    )
    shelter = models.OneToOneField(
        Shelter,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="host_offer",
        verbose_name=_("place"),
    )
    # The place opened on its first day (approval, or the daily task on `available_from`).
    opened_at = models.DateTimeField(null=True, blank=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("personal data removed"), null=True, blank=True)

    objects = HostOfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("offer from a resident")
        verbose_name_plural = _("offers from residents")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                name="coordination_hostoffer_status_valid",
                condition=Q(status__in=OfferStatus.values),
            ),
            models.CheckConstraint(
                name="coordination_hostoffer_kind_valid", condition=Q(kind__in=OfferKind.values)
            ),
            models.CheckConstraint(
                name="coordination_hostoffer_places_sane",
                condition=Q(places__gte=1, places__lte=MAX_OFFER_PLACES),
            ),
            models.CheckConstraint(
                name="coordination_hostoffer_until_after_from",
                condition=Q(available_until__isnull=True)
                | Q(available_until__gte=F("available_from")),
                violation_error_message=_("The last day cannot be before the first."),
            ),
            models.CheckConstraint(
                name="coordination_hostoffer_men_or_women_children",
                condition=~(Q(men_only=True) & Q(women_children_only=True)),
                violation_error_message=_(
                    "A place cannot be for men only and for women and children only."
                ),
            ),
            # Approval needs the call and the confirmed address, and makes the shelter.
            models.CheckConstraint(
                name="coordination_hostoffer_decided_has_shelter",
                condition=~Q(status__in=DECIDED_WITH_SHELTER)
                | Q(
                    shelter__isnull=False,
                    called_at__isnull=False,
                    address_confirmed_at__isnull=False,
                ),
            ),
            # One open offer per phone: a second form from it updates the first
            # (services.offer_submit), two sent at once included.
            models.UniqueConstraint(
                fields=["phone_key"],
                condition=Q(status="new"),
                name="coordination_hostoffer_one_new_per_phone",
            ),
        ]
        indexes = [
            # The queue, the dashboard figures and the unchecked-offers alert read new offers.
            models.Index(
                fields=["created_at"], name="coord_offer_new_idx", condition=Q(status="new")
            ),
            models.Index(fields=["phone_key"], name="coord_offer_phone_idx"),
            # The purge looks for offers not anonymised yet that ended long ago.
            models.Index(
                fields=["ended_at"], name="coord_offer_purge_idx", condition=Q(anonymised_at=None)
            ),
        ]

    def __str__(self) -> str:
        return _("Offer %(code)s (%(places)s places, %(district)s)") % {
            "code": self.code,
            "places": self.places,
            "district": self.district,
        }

    @property
    def checked(self) -> bool:
        """Called back and address confirmed: may be approved."""
        return self.called_at is not None and self.address_confirmed_at is not None

    @property
    def visited(self) -> bool:
        return self.visited_at is not None


class HostLink(models.Model):
    """A host's own link to their place. Only the token's SHA-256 is kept: a copy of the
    database gives nobody a working link. One link per offer in use; re-issuing revokes it."""

    offer = models.ForeignKey(HostOffer, on_delete=models.CASCADE, related_name="links")
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("host link")
        verbose_name_plural = _("host links")
        constraints = [
            models.UniqueConstraint(
                fields=["offer"],
                condition=Q(revoked_at__isnull=True),
                name="coordination_hostlink_one_in_use",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offer.code} ({self.created_at:%Y-%m-%d})"


class HostLinkAction(models.TextChoices):
    OPEN = "open", _("Opened")
    FREE = "free", _("Free places changed")
    PAUSE = "pause", _("Paused")
    RESUME = "resume", _("Resumed")
    STOP = "stop", _("Stopped hosting")
    ARRIVED = "arrived", _("Arrival confirmed")
    LEFT = "left", _("Departure confirmed")
    REFUSED = "refused", _("Refused")


class HostLinkUse(models.Model):
    """One use of a host link: when and what (no address, no name, no IP)."""

    link = models.ForeignKey(HostLink, on_delete=models.CASCADE, related_name="uses")
    at = models.DateTimeField(auto_now_add=True)
    action = models.CharField(max_length=10, choices=HostLinkAction.choices)
    details = models.JSONField(default=dict, blank=True)

    class Meta:
        verbose_name = _("use of a host link")
        verbose_name_plural = _("uses of host links")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="coordination_hostlinkuse_action_valid",
                condition=Q(action__in=HostLinkAction.values),
            ),
        ]
        indexes = [models.Index(fields=["link", "-at"], name="coord_hostlinkuse_link_idx")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}"


class FollowUpOutcome(models.TextChoices):
    WELL = "well", _("All is well")
    CONCERN = "concern", _("A concern: a coordinator follows it up")
    UNREACHABLE = "unreachable", _("Could not reach them")


class FollowUpCall(models.Model):
    """The call to a family on the second day of a stay in a private home, once made."""

    Outcome = FollowUpOutcome

    stay = models.OneToOneField("coordination.Stay", on_delete=models.CASCADE, related_name="+")
    outcome = models.CharField(_("outcome"), max_length=12, choices=FollowUpOutcome.choices)
    called_at = models.DateTimeField(auto_now_add=True)
    called_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("follow-up call")
        verbose_name_plural = _("follow-up calls")
        constraints = [
            models.CheckConstraint(
                name="coordination_followupcall_outcome_valid",
                condition=Q(outcome__in=FollowUpOutcome.values),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stay_id}: {self.get_outcome_display()}"
