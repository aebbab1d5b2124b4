"""Shelters and who works in them."""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from ..validators import validate_phone, validate_plain_text


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


# Homes offered by residents: the public sees their district and the coordinators' phone,
# never the exact address, coordinates or the host's own phone.
PRIVATE_KINDS = frozenset({ShelterKind.APARTMENT, ShelterKind.PRIVATE_HOME})


class ShelterStatus(models.TextChoices):
    STANDBY = "standby", _("Standby")
    OPEN = "open", _("Open")
    FULL = "full", _("Full")
    CLOSED = "closed", _("Closed")


class StatusAction(models.TextChoices):
    """What a manager or coordinator may ask of a shelter's status, on its page or panel."""

    OPEN = "open", _("Open")
    FULL = "full", _("Mark full")
    STANDBY = "standby", _("Standby")
    CLOSE = "closed", _("Close")


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

    # Cheaper than get_kind_display() and get_status_display(), which translate every choice
    # each time (Django hashes the choices): the dashboard's table reads them 100 times.
    @property
    def kind_label(self) -> str:
        return ShelterKind(self.kind).label if self.kind in ShelterKind.values else self.kind

    @property
    def status_label(self) -> str:
        if self.status not in ShelterStatus.values:
            return self.status
        return ShelterStatus(self.status).label

    @property
    def takes_people(self) -> bool:
        return self.status in TAKING_PEOPLE

    @property
    def is_private_home(self) -> bool:
        """A resident's flat or house: its address is given only to households sent there."""
        return self.kind in PRIVATE_KINDS


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
