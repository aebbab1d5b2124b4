"""Shelters, their spaces and the history of their occupancy.

Counts are changed only through `shelter.services`; the constraints below are the last word.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from .validators import validate_phone, validate_plain_text

MAX_PLACES = 10_000  # no single room sleeps more; anything above is a typo

# Sphere Handbook minimum covered living space per person in a collective centre.
SPHERE_M2_PER_PERSON = Decimal("3.5")
SPHERE_M2_PER_PERSON_COLD = Decimal("4.5")  # cold climate: cooking and bathing inside


def sphere_capacity(floor_area_m2: Decimal, *, cold: bool) -> int:
    """Most people a floor area can sleep by the Sphere minimum."""
    per_person = SPHERE_M2_PER_PERSON_COLD if cold else SPHERE_M2_PER_PERSON
    return int(floor_area_m2 // per_person)


class ShelterQuerySet(models.QuerySet):
    def taking_people(self):
        """Shelters that may receive people now (a full one may have a bed freed any minute)."""
        return self.filter(status__in=TAKING_PEOPLE)

    def with_counts(self):
        """Annotate places, occupied, held, blocked and free summed over the spaces."""
        return self.annotate(
            total_places=Coalesce(Sum("spaces__places"), 0),
            total_occupied=Coalesce(Sum("spaces__occupied"), 0),
            total_held=Coalesce(Sum("spaces__held"), 0),
            total_blocked=Coalesce(Sum("spaces__blocked"), 0),
        ).annotate(
            total_free=F("total_places")
            - F("total_occupied")
            - F("total_held")
            - F("total_blocked")
        )

    def for_member(self, user):
        """Shelters the user is assigned to, as volunteer or manager."""
        return self.filter(memberships__user=user).distinct()


class ShelterKind(models.TextChoices):
    CINEMA = "cinema", _("Cinema")
    GYM = "gym", _("Sports hall / gym")
    SCHOOL = "school", _("School")
    DORMITORY = "dormitory", _("Dormitory")
    HOTEL = "hotel", _("Hotel")
    APARTMENT = "apartment", _("Apartment")
    PRIVATE_HOME = "private_home", _("Private home")
    OTHER = "other", _("Other")


class ShelterStatus(models.TextChoices):
    STANDBY = "standby", _("Standby")
    OPEN = "open", _("Open")
    FULL = "full", _("Full")
    CLOSED = "closed", _("Closed")


# A full shelter still receives people: a bed may be freed any minute and its count decides.
TAKING_PEOPLE = [ShelterStatus.OPEN, ShelterStatus.FULL]


class Shelter(models.Model):
    Kind = ShelterKind
    Status = ShelterStatus

    name = models.CharField(_("name"), max_length=120, validators=[validate_plain_text])
    kind = models.CharField(
        _("kind"), max_length=20, choices=ShelterKind.choices, default=ShelterKind.OTHER
    )
    address = models.CharField(_("address"), max_length=255, validators=[validate_plain_text])
    city = models.CharField(
        _("city"), max_length=80, default="Uralsk", validators=[validate_plain_text]
    )
    district = models.CharField(
        _("district"), max_length=80, blank=True, validators=[validate_plain_text]
    )
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-90)), MaxValueValidator(Decimal(90))],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(-180)), MaxValueValidator(Decimal(180))],
    )
    host = models.CharField(
        _("host"),
        max_length=120,
        blank=True,
        validators=[validate_plain_text],
        help_text=_("Organisation or person hosting"),
    )
    phone = models.CharField(
        _("public contact phone"),
        max_length=32,
        blank=True,
        validators=[validate_phone],
        help_text=_("Shown to arriving people; use a number that is answered."),
    )

    accepts_families = models.BooleanField(_("accepts families"), default=True)
    women_children_only = models.BooleanField(_("women and children only"), default=False)
    men_only = models.BooleanField(_("men only"), default=False)
    pets_allowed = models.BooleanField(_("pets allowed"), default=False)
    wheelchair_accessible = models.BooleanField(_("wheelchair accessible"), default=False)

    has_showers = models.BooleanField(_("showers"), default=False)
    has_kitchen = models.BooleanField(_("kitchen"), default=False)
    has_heating = models.BooleanField(_("heating"), default=True)
    has_wifi = models.BooleanField(_("Wi-Fi"), default=False)

    # Both empty: open all day. Both set: e.g. night only, 20:00-08:00 (may pass midnight).
    opens_at = models.TimeField(_("opens at"), null=True, blank=True)
    closes_at = models.TimeField(_("closes at"), null=True, blank=True)

    status = models.CharField(
        _("status"), max_length=10, choices=ShelterStatus.choices, default=ShelterStatus.STANDBY
    )
    # A coordinator's "full": the shelter takes nobody new whatever its free places say (no
    # staff tonight, water cut), until someone opens it again. The status refresh respects it.
    marked_full = models.BooleanField(
        _("marked full"),
        default=False,
        help_text=_("Full by decision, whatever the free places say, until opened again."),
    )
    public_notes = models.TextField(_("public notes"), blank=True, max_length=2000)

    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = ShelterQuerySet.as_manager()

    class Meta:
        verbose_name = _("shelter")
        verbose_name_plural = _("shelters")
        ordering = ["name"]
        permissions = [("coordinate", _("Can coordinate every shelter"))]
        constraints = [
            models.CheckConstraint(
                name="shelter_shelter_status_valid",
                condition=Q(status__in=ShelterStatus.values),
            ),
            models.CheckConstraint(
                name="shelter_shelter_kind_valid", condition=Q(kind__in=ShelterKind.values)
            ),
            models.CheckConstraint(
                name="shelter_shelter_men_or_women_children",
                condition=~(Q(men_only=True) & Q(women_children_only=True)),
                violation_error_message=_(
                    "A shelter cannot be for men only and for women and children only."
                ),
            ),
            models.CheckConstraint(
                name="shelter_shelter_hours_both_or_none",
                condition=Q(opens_at__isnull=True, closes_at__isnull=True)
                | Q(opens_at__isnull=False, closes_at__isnull=False),
                violation_error_message=_("Give both opening and closing time, or neither."),
            ),
            models.CheckConstraint(
                name="shelter_shelter_coordinates_both_or_none",
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(latitude__isnull=False, longitude__isnull=False),
                violation_error_message=_("Give both latitude and longitude, or neither."),
            ),
            models.CheckConstraint(
                name="shelter_shelter_marked_full_is_full",
                condition=Q(marked_full=False) | Q(status=ShelterStatus.FULL),
            ),
        ]
        indexes = [models.Index(fields=["city", "status"], name="shelter_city_status_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_all_day(self) -> bool:
        return self.opens_at is None

    @property
    def takes_people(self) -> bool:
        return self.status in TAKING_PEOPLE


class MembershipRole(models.TextChoices):
    VOLUNTEER = "volunteer", _("Volunteer")
    MANAGER = "manager", _("Shelter manager")


class ShelterMembership(models.Model):
    """A user assigned to a shelter: a volunteer logs its beds, a manager also edits it."""

    Role = MembershipRole

    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shelter_memberships"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole.choices, default=MembershipRole.VOLUNTEER
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("shelter assignment")
        verbose_name_plural = _("shelter assignments")
        constraints = [
            models.UniqueConstraint(fields=["shelter", "user"], name="shelter_membership_unique"),
            models.CheckConstraint(
                name="shelter_membership_role_valid",
                condition=Q(role__in=MembershipRole.values),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.shelter} ({self.get_role_display()})"


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

    def __str__(self) -> str:
        return f"{self.shelter.name} / {self.name}"

    @property
    def free(self) -> int:
        return self.places - self.blocked - self.held - self.occupied

    @property
    def taken(self) -> int:
        """Places nobody else may be given: occupied, held and blocked."""
        return self.occupied + self.held + self.blocked


class OccupancyReason(models.TextChoices):
    COUNT = "count", _("Count")
    CHECK_IN = "check_in", _("Check-in")
    CHECK_OUT = "check_out", _("Check-out")
    CORRECTION = "correction", _("Correction")


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


class AuditAction(models.TextChoices):
    STATUS = "status", _("Status set")
    MARKED_FULL = "marked_full", _("Marked full")
    MEMBER_ASSIGNED = "member_assigned", _("Assigned to a shelter")
    MEMBER_REMOVED = "member_removed", _("Removed from a shelter")
    EXPORT = "export", _("Export")


class AuditEntry(models.Model):
    """Who did what, when: status changes, assignments and exports (personal data included).

    Written by the service that acts, in the same transaction as the change; exports are
    recorded by the coordination app before the file is sent. Never edited or deleted.
    """

    Action = AuditAction

    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    at = models.DateTimeField(_("at"), auto_now_add=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    shelter = models.ForeignKey(
        Shelter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="audit_entries",
        verbose_name=_("shelter"),
    )
    # The person assigned or removed, for assignments.
    subject = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("about user"),
    )
    what = models.CharField(_("what"), max_length=300)
    details = models.JSONField(_("details"), default=dict, blank=True)

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(
                name="shelter_auditentry_action_valid",
                condition=Q(action__in=AuditAction.values),
            ),
        ]
        indexes = [
            models.Index(fields=["-at"], name="shelter_audit_at_idx"),
            models.Index(fields=["shelter", "-at"], name="shelter_audit_shelter_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_action_display()}: {self.what}"
