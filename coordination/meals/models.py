"""Meals: providers (organisations with members), their offers, and shelters' claims.

A provider is an organisation (a café, a volunteer kitchen, a resident cooking at home) that
one or more users post for; each of them sees and edits only their provider's offers.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from shelter.models import Shelter
from shelter.validators import validate_phone, validate_plain_text

MAX_PORTIONS = 10_000


class Delivery(models.TextChoices):
    DELIVERED = "delivered", _("Delivered to the shelter")
    PICKUP = "pickup", _("Pick-up")


class MealProvider(models.Model):
    """An organisation that offers meals; its members post and edit its offers."""

    name = models.CharField(
        _("name"),
        max_length=120,
        validators=[validate_plain_text],
        help_text=_("Café, volunteer kitchen or person, as shelters and the public know it"),
    )
    city = models.CharField(
        _("city"), max_length=80, default="Uralsk", validators=[validate_plain_text]
    )
    phone = models.CharField(
        _("phone"),
        max_length=40,
        blank=True,
        validators=[validate_phone],
        help_text=_("For shelters and coordinators; new offers start with it as their contact."),
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="MealProviderMember",
        related_name="meal_providers",
        verbose_name=_("members"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("meal provider")
        verbose_name_plural = _("meal providers")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="coordination_mealprovider_unique_name",
                violation_error_message=_("A meal provider of this name exists already."),
            ),
        ]

    def __str__(self) -> str:
        return self.name


class MealProviderMember(models.Model):
    """A user who posts meal offers for a provider."""

    provider = models.ForeignKey(MealProvider, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="meal_provider_memberships",
        verbose_name=_("user"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "user"], name="coordination_mealprovidermember_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.provider}"


class MealOfferQuerySet(models.QuerySet):
    def window_open(self, now):
        """Offers whose time window has not passed yet (today's and later), cancelled or not."""
        local = timezone.localtime(now)
        return self.filter(
            Q(date__gt=local.date()) | Q(date=local.date(), ends_at__gt=local.time())
        ).order_by("date", "starts_at", "pk")

    def not_cancelled(self):
        return self.filter(cancelled_at__isnull=True)

    def current(self, now):
        """Offers still on: not cancelled, and their window has not passed yet."""
        return self.window_open(now).not_cancelled()

    def of_member(self, user):
        """Offers of the providers the user posts for."""
        return self.filter(provider__memberships__user=user)

    def with_remaining(self):
        return self.annotate(remaining=F("portions") - F("claimed"))


class MealOffer(models.Model):
    """Portions of food offered by a provider at a place and time window."""

    Delivery = Delivery

    provider = models.ForeignKey(
        MealProvider, on_delete=models.PROTECT, related_name="offers", verbose_name=_("provider")
    )
    shelter = models.ForeignKey(
        Shelter,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="meal_offers",
        verbose_name=_("at shelter"),
    )
    address = models.CharField(
        _("or at address"), max_length=255, blank=True, validators=[validate_plain_text]
    )
    city = models.CharField(
        _("city"), max_length=80, default="Uralsk", validators=[validate_plain_text]
    )
    date = models.DateField(_("date"))
    starts_at = models.TimeField(_("from"))
    ends_at = models.TimeField(_("until"))
    portions = models.PositiveIntegerField(
        _("portions offered"), validators=[MinValueValidator(1), MaxValueValidator(MAX_PORTIONS)]
    )
    claimed = models.PositiveIntegerField(_("portions claimed"), default=0)
    hot_meal = models.BooleanField(_("hot meal"), default=True)
    vegetarian = models.BooleanField(_("vegetarian"), default=False)
    halal = models.BooleanField(_("halal"), default=False)
    for_children = models.BooleanField(_("suitable for children"), default=False)
    delivery = models.CharField(
        _("delivery"), max_length=10, choices=Delivery.choices, default=Delivery.PICKUP
    )
    contact = models.CharField(_("contact"), max_length=40, blank=True, validators=[validate_phone])
    public_notes = models.CharField(
        _("for the public"),
        max_length=300,
        blank=True,
        validators=[validate_plain_text],
        help_text=_("Shown to everyone with the offer, e.g. plov and tea, bring a bowl."),
    )
    notes = models.TextField(
        _("notes for shelters"),
        blank=True,
        max_length=1000,
        help_text=_("Seen by shelter volunteers and coordinators, not by the public."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="meal_offers"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # A cancelled offer leaves every list; its claims are released and their shelters told.
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MealOfferQuerySet.as_manager()

    class Meta:
        verbose_name = _("meal offer")
        verbose_name_plural = _("meal offers")
        ordering = ["date", "starts_at"]
        constraints = [
            models.CheckConstraint(
                name="coordination_mealoffer_claims_within_portions",
                condition=Q(claimed__gte=0) & Q(claimed__lte=F("portions")),
                violation_error_message=_("More portions are claimed than offered."),
            ),
            models.CheckConstraint(
                name="coordination_mealoffer_window_ordered",
                condition=Q(ends_at__gt=F("starts_at")),
                violation_error_message=_("The time window must end after it starts."),
            ),
            models.CheckConstraint(
                name="coordination_mealoffer_has_place",
                condition=Q(shelter__isnull=False) | ~Q(address=""),
                violation_error_message=_("Say where: a shelter or an address."),
            ),
            models.CheckConstraint(
                name="coordination_mealoffer_portions_sane",
                condition=Q(portions__gte=1, portions__lte=MAX_PORTIONS),
            ),
            models.CheckConstraint(
                name="coordination_mealoffer_delivery_valid",
                condition=Q(delivery__in=Delivery.values),
            ),
        ]
        indexes = [models.Index(fields=["date", "ends_at"], name="coord_meal_window_idx")]

    def __str__(self) -> str:
        return f"{self.provider}: {self.date} {self.starts_at:%H:%M}-{self.ends_at:%H:%M}"

    @property
    def remaining_portions(self) -> int:
        return self.portions - self.claimed

    @property
    def is_cancelled(self) -> bool:
        return self.cancelled_at is not None

    @property
    def place(self) -> str:
        return self.shelter.name if self.shelter_id else self.address


class MealClaim(models.Model):
    """Portions of an offer claimed for a shelter; releasing gives them back to the offer."""

    offer = models.ForeignKey(MealOffer, on_delete=models.CASCADE, related_name="claims")
    shelter = models.ForeignKey(Shelter, on_delete=models.CASCADE, related_name="meal_claims")
    portions = models.PositiveIntegerField(
        _("portions"), validators=[MinValueValidator(1), MaxValueValidator(MAX_PORTIONS)]
    )
    claimed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    claimed_at = models.DateTimeField(auto_now_add=True)
    released_at = models.DateTimeField(null=True, blank=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # The claim form's one-time token: a form sent twice (a network retry) claims once.
    submission = models.UUIDField(null=True, blank=True, editable=False)
    # Released because the provider cancelled the offer: the shelter's volunteers are told.
    offer_cancelled = models.BooleanField(_("offer cancelled"), default=False)

    class Meta:
        verbose_name = _("meal claim")
        verbose_name_plural = _("meal claims")
        ordering = ["-claimed_at"]
        constraints = [
            models.CheckConstraint(
                name="coordination_mealclaim_portions_positive", condition=Q(portions__gte=1)
            ),
            models.CheckConstraint(
                name="coordination_mealclaim_cancelled_is_released",
                condition=Q(offer_cancelled=False) | Q(released_at__isnull=False),
            ),
            models.UniqueConstraint(
                fields=["offer", "submission"],
                condition=Q(submission__isnull=False),
                name="coordination_mealclaim_submitted_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.portions} portions of {self.offer} for {self.shelter}"
