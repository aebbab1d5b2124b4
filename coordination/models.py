"""Arrivals: households, holds and stays (meals: coordination/meals/models.py).

Personal data (a household's name, phone, notes) is shown only to coordinators and to the
volunteers of the shelter the household was registered at or stays in (`coordination.access`).
"""

from datetime import datetime

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from shelter.models import Shelter, Space
from shelter.validators import validate_plain_text

# The alert and meal models live in their own packages; importing them registers them with
# this app. The meal names stay importable from here, as before the move.
from .accounts import models as accounts_models  # noqa: F401
from .alerts import models as alerts_models  # noqa: F401
from .alerts import recipients as alerts_recipients  # noqa: F401
from .asks import models as asks_models  # noqa: F401
from .meals.models import (  # noqa: F401
    MAX_PORTIONS,
    Delivery,
    MealClaim,
    MealOffer,
    MealOfferQuerySet,
)
from .offers import models as offers_models  # noqa: F401
from .offline import models as offline_models  # noqa: F401

MAX_HOUSEHOLD = 50

# A household's free text: what the purge blanks (sizes and needs are kept for statistics).
# tests/coordination/test_purge.py checks that every text field of Household is here.
HOUSEHOLD_PERSONAL_FIELDS = ("contact_name", "phone", "languages", "arrived_from", "notes")


class HouseholdStatus(models.TextChoices):
    WAITING = "waiting", _("Waiting")
    PLACED = "placed", _("Placed")
    LEFT = "left", _("Left")


class HouseholdQuerySet(models.QuerySet):
    def waiting(self):
        """Not yet placed, oldest first (those on their way to a hold included)."""
        return self.filter(status=HouseholdStatus.WAITING).order_by("waiting_since", "pk")

    def with_active_hold(self):
        """Annotate `on_the_way`: the household has an active hold (places promised)."""
        active = Hold.objects.filter(household=OuterRef("pk"), status=HoldStatus.ACTIVE)
        return self.annotate(on_the_way=Exists(active))

    def waiting_for_place(self):
        """Who still needs a place: waiting and not on the way to a hold, oldest first.

        A held household keeps status "waiting" (it returns to the list in its turn if the
        hold expires), but nobody should look for a second place for it meanwhile: the
        waiting list, the dashboard's "who is waiting" and "who fits" leave it out.
        """
        return self.with_active_hold().filter(on_the_way=False).waiting()

    def active(self):
        return self.exclude(status=HouseholdStatus.LEFT)


class Household(models.Model):
    """An arriving group that stays together: it waits, is placed, and leaves."""

    Status = HouseholdStatus

    contact_name = models.CharField(
        _("contact person"), max_length=120, validators=[validate_plain_text]
    )
    size = models.PositiveSmallIntegerField(
        _("people in the group"),
        validators=[MinValueValidator(1), MaxValueValidator(MAX_HOUSEHOLD)],
    )
    children = models.PositiveSmallIntegerField(
        _("of them children under 18"), default=0, validators=[MaxValueValidator(MAX_HOUSEHOLD)]
    )
    needs_wheelchair = models.BooleanField(_("wheelchair"), default=False)
    needs_medical = models.BooleanField(_("medical attention"), default=False)
    has_infant = models.BooleanField(_("infant"), default=False)
    has_pets = models.BooleanField(_("pets"), default=False)
    women_children_only = models.BooleanField(_("women and children only"), default=False)
    languages = models.CharField(
        _("languages spoken"), max_length=80, blank=True, validators=[validate_plain_text]
    )
    phone = models.CharField(
        _("phone or messenger"), max_length=40, blank=True, validators=[validate_plain_text]
    )
    arrived_from = models.CharField(
        _("arrived from"), max_length=120, blank=True, validators=[validate_plain_text]
    )
    notes = models.TextField(_("notes"), blank=True, max_length=2000)

    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    registered_at = models.ForeignKey(
        Shelter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="registered_households",
        verbose_name=_("registered at"),
        help_text=_("The shelter or arrival point where the household was registered."),
    )
    created_at = models.DateTimeField(_("registered"), auto_now_add=True)
    # Order of the waiting list; kept when a hold expires, so they are not sent to the back.
    waiting_since = models.DateTimeField(_("waiting since"), auto_now_add=True)
    status = models.CharField(
        _("status"), max_length=10, choices=HouseholdStatus.choices, default=HouseholdStatus.WAITING
    )
    left_at = models.DateTimeField(_("left at"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("personal data removed"), null=True, blank=True)

    objects = HouseholdQuerySet.as_manager()

    class Meta:
        verbose_name = _("household")
        verbose_name_plural = _("households")
        ordering = ["waiting_since", "pk"]
        constraints = [
            models.CheckConstraint(
                name="coordination_household_size_sane",
                condition=Q(size__gte=1, size__lte=MAX_HOUSEHOLD),
            ),
            models.CheckConstraint(
                name="coordination_household_children_within_size",
                condition=Q(children__lte=F("size")),
                violation_error_message=_("Children cannot be more than the whole group."),
            ),
            models.CheckConstraint(
                name="coordination_household_status_valid",
                condition=Q(status__in=HouseholdStatus.values),
            ),
        ]
        indexes = [
            # The waiting list and the "who would fit" lists read only waiting households.
            models.Index(
                fields=["waiting_since"],
                name="coord_household_waiting_idx",
                condition=Q(status="waiting"),
            ),
            # The dashboard counts waiting households by size and needs: an index-only scan
            # of these columns instead of reading every waiting household's row.
            models.Index(
                fields=[
                    "size",
                    "children",
                    "has_infant",
                    "women_children_only",
                    "has_pets",
                    "needs_wheelchair",
                    "needs_medical",
                    "waiting_since",
                    "id",
                ],
                name="coord_household_needs_idx",
                condition=Q(status="waiting"),
            ),
            # Every alert evaluation of a city sums the people waiting there (or registered
            # nowhere): an index-only scan of these columns instead of every waiting row.
            models.Index(
                fields=["registered_at", "size", "id"],
                name="coord_household_waiting_at_idx",
                condition=Q(status="waiting"),
            ),
            # The dashboard counts today's arrivals by registration time.
            models.Index(fields=["created_at"], name="coord_household_created_idx"),
            # purge_personal_data looks for households registered long ago, not yet anonymised
            # (then checks their holds and stays through the foreign-key indexes).
            models.Index(
                fields=["created_at"],
                name="coord_household_purge_idx",
                condition=Q(anonymised_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return _("Household #%(id)s (%(size)s people)") % {"id": self.pk, "size": self.size}

    @property
    def code(self) -> str:
        """The household's short reference, "#123" (its id): said on the phone, searched for."""
        return f"#{self.pk}"

    @property
    def online_ask(self):
        """Its request for a place if it asked online (coordination/asks), else None: load
        `ask` with the household (select_related) and this makes no query."""
        try:
            return self.ask
        except ObjectDoesNotExist:
            return None

    @property
    def adults(self) -> int:
        return self.size - self.children

    @property
    def is_family(self) -> bool:
        return self.children > 0 or self.has_infant

    @property
    def masked_phone(self) -> str:
        """The last two characters only, for lists."""
        if not self.phone:
            return ""
        return "•" * max(len(self.phone) - 2, 3) + self.phone[-2:]


class HoldStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    CHECKED_IN = "checked_in", _("Checked in")
    EXPIRED = "expired", _("Expired")
    RELEASED = "released", _("Released")


class Hold(models.Model):
    """Places promised to a household on its way; counted as taken until it arrives or expires."""

    Status = HoldStatus

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="holds")
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="holds")
    places = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    status = models.CharField(max_length=12, choices=HoldStatus.choices, default=HoldStatus.ACTIVE)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    ended_at = models.DateTimeField(null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("hold")
        verbose_name_plural = _("holds")
        constraints = [
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(status="active"),
                name="coordination_hold_one_active_per_household",
            ),
            models.CheckConstraint(
                name="coordination_hold_status_valid", condition=Q(status__in=HoldStatus.values)
            ),
            models.CheckConstraint(
                name="coordination_hold_places_positive", condition=Q(places__gte=1)
            ),
        ]
        indexes = [
            # The expiry task reads only active holds by their deadline.
            models.Index(
                fields=["expires_at"],
                name="coord_hold_active_expiry_idx",
                condition=Q(status="active"),
            ),
            # The reconciliation sums each space's active holds against its held places.
            models.Index(
                fields=["space"],
                name="coord_hold_active_space_idx",
                condition=Q(status="active"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} → {self.space} ({self.get_status_display()})"


class StayQuerySet(models.QuerySet):
    def check_outs_undoable(self, *, since: datetime | None = None):
        """Check-outs (since `since`) that an undo may take back: the check-out made the
        household leave and nothing happened to it after (no move, check-in or purge)."""
        stays = self.filter(
            checked_out_at__isnull=False,
            household__status=HouseholdStatus.LEFT,
            household__left_at=F("checked_out_at"),
            household__anonymised_at__isnull=True,
        )
        return stays if since is None else stays.filter(checked_out_at__gte=since)


class Stay(models.Model):
    """A household's check-in to a space, until check-out. All its members, or none."""

    household = models.ForeignKey(Household, on_delete=models.CASCADE, related_name="stays")
    space = models.ForeignKey(Space, on_delete=models.PROTECT, related_name="stays")
    people = models.PositiveSmallIntegerField(validators=[MinValueValidator(1)])
    checked_in_at = models.DateTimeField(_("checked in"), auto_now_add=True)
    checked_in_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    checked_out_at = models.DateTimeField(_("checked out"), null=True, blank=True)
    checked_out_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = StayQuerySet.as_manager()

    class Meta:
        verbose_name = _("stay")
        verbose_name_plural = _("stays")
        ordering = ["-checked_in_at"]
        constraints = [
            # A household is in one place at a time: a retried check-in cannot add a second stay.
            models.UniqueConstraint(
                fields=["household"],
                condition=Q(checked_out_at__isnull=True),
                name="coordination_stay_one_open_per_household",
            ),
            models.CheckConstraint(
                name="coordination_stay_out_after_in",
                condition=Q(checked_out_at__isnull=True)
                | Q(checked_out_at__gte=F("checked_in_at")),
            ),
        ]
        indexes = [
            models.Index(
                fields=["space"],
                name="coord_stay_open_space_idx",
                condition=Q(checked_out_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household} @ {self.space}"

    @property
    def is_open(self) -> bool:
        return self.checked_out_at is None
