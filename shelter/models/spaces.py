"""Spaces of a shelter, their places and the history of their occupancy.

Counts are changed only through `shelter.services`; the constraints below are the last word.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from ..validators import validate_plain_text
from .shelters import Shelter

MAX_PLACES = 10_000  # no single room sleeps more; anything above is a typo

# Sphere Handbook minimum covered living space per person in a collective centre.
SPHERE_M2_PER_PERSON = Decimal("3.5")
SPHERE_M2_PER_PERSON_COLD = Decimal("4.5")  # cold climate: cooking and bathing inside


def sphere_capacity(floor_area_m2: Decimal, *, cold: bool) -> int:
    """Most people a floor area can sleep by the Sphere minimum."""
    per_person = SPHERE_M2_PER_PERSON_COLD if cold else SPHERE_M2_PER_PERSON
    return int(floor_area_m2 // per_person)


class Space(models.Model):
    """A room or unit of a shelter with a number of places; occupancy is counted here."""

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="spaces")
    name = models.CharField(_("name"), max_length=80, validators=[validate_plain_text])
    places = models.PositiveIntegerField(
        _("places"), validators=[MaxValueValidator(MAX_PLACES)], help_text=_("Beds, mats or spots")
    )
    blocked = models.PositiveIntegerField(
        _("blocked places"),
        default=0,
        validators=[MaxValueValidator(MAX_PLACES)],
        help_text=_("Not usable for now (broken, being cleaned); nobody is given these."),
    )
    occupied = models.PositiveIntegerField(_("occupied"), default=0)
    # Promised to a household on its way (holds, coordination app); counted as taken everywhere.
    held = models.PositiveIntegerField(_("held"), default=0)
    floor_area_m2 = models.DecimalField(
        _("floor area (m²)"),
        max_digits=7,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100000"))],
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # Last time a volunteer counted or changed this space; the staleness labels read it.
    counted_at = models.DateTimeField(_("counted at"), null=True, blank=True)
    counted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("space")
        verbose_name_plural = _("spaces")
        ordering = ["shelter_id", "name"]
        constraints = [
            models.CheckConstraint(
                name="shelter_space_occupied_fits",
                condition=Q(occupied__gte=0)
                & Q(held__gte=0)
                & Q(blocked__gte=0)
                & Q(occupied__lte=F("places") - F("blocked") - F("held")),
                violation_error_message=_("Occupied, held and blocked places exceed the places."),
            ),
            models.CheckConstraint(
                name="shelter_space_places_sane", condition=Q(places__lte=MAX_PLACES)
            ),
            models.UniqueConstraint(
                fields=["shelter", "name"],
                name="shelter_space_unique_name",
                violation_error_message=_("This shelter already has a space with this name."),
            ),
        ]
        indexes = [
            # The dashboard's "last update · by whom" of each shelter: its latest counted
            # space, read backwards from this index instead of sorting the shelter's spaces.
            models.Index(
                fields=["shelter", "counted_at", "id"],
                name="shelter_space_counted_idx",
                condition=Q(counted_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shelter.name} / {self.name}"

    @property
    def free(self) -> int:
        return self.places - self.blocked - self.held - self.occupied

    @property
    def counted_by_name(self) -> str | None:
        """Who last counted (load `counted_by` with the space: see shelter.selectors)."""
        return self.counted_by.get_username() if self.counted_by_id else None

    @property
    def taken(self) -> int:
        """Places nobody else may be given: occupied, held and blocked."""
        return self.occupied + self.held + self.blocked


class OccupancyReason(models.TextChoices):
    COUNT = "count", _("Count")
    CHECK_IN = "check_in", _("Check-in")
    CHECK_OUT = "check_out", _("Check-out")
    CORRECTION = "correction", _("Correction")
    # A check-out taken back within CHECK_OUT_UNDO_MINUTES (coordination): they never left.
    CHECK_OUT_UNDONE = "undo_out", _("Check-out undone")


class OccupancyEvent(models.Model):
    """One change (or confirmation) of a space's count: who, when, why, before and after."""

    Reason = OccupancyReason

    space = models.ForeignKey(Space, on_delete=models.CASCADE, related_name="events")
    # Copied from the space so that per-shelter history reads need no join.
    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="events")
    before = models.PositiveIntegerField(_("occupied before"))
    after = models.PositiveIntegerField(_("occupied after"))
    places_before = models.PositiveIntegerField(_("places before"))
    places = models.PositiveIntegerField(_("places after"))
    reason = models.CharField(_("reason"), max_length=12, choices=OccupancyReason.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    # The form submission that made this change: a retried submit is recognised, not re-applied.
    submission = models.UUIDField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("occupancy event")
        verbose_name_plural = _("occupancy history")
        ordering = ["-at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="shelter_occupancyevent_reason_valid",
                condition=Q(reason__in=OccupancyReason.values),
            ),
            models.UniqueConstraint(
                fields=["space", "submission"], name="shelter_occupancyevent_submitted_once"
            ),
        ]
        indexes = [
            models.Index(fields=["space", "-at"], name="shelter_event_space_at_idx"),
            models.Index(fields=["shelter", "-at"], name="shelter_event_shelter_at_idx"),
            # The city's occupancy charts sum the changes of the last days by hour: an
            # index-only scan of this range, however long the history grows before it. (Key
            # columns rather than INCLUDE, which SQLite, the demo's database, lacks.)
            models.Index(
                fields=["at", "shelter", "before", "after", "places_before", "places"],
                name="shelter_event_at_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.space}: {self.before} → {self.after} ({self.get_reason_display()})"

    @property
    def delta(self) -> int:
        return self.after - self.before
