"""Alert rules, alerts, their deliveries and who subscribes to them.

Registered with the coordination app (imported by `coordination.models`), as are the
subscriptions and webhooks in `recipients`. An alert's text carries shelter names and numbers
only, never personal data of households.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shelter.models import Shelter


class AlertKind(models.TextChoices):
    NEARLY_FULL = "nearly_full", _("Shelter nearly full")
    FULL = "full", _("Shelter full")
    ROOM_AGAIN = "room_again", _("Shelter has room again")
    CITY_LOW = "city_low", _("City free places low")
    STALE_DATA = "stale_data", _("Stale data")
    MEALS_SHORT = "meals_short", _("Meals short")
    DATA_DRIFT = "data_drift", _("Data drift")
    # One alert per city and hour for the flats, private homes and small places that filled:
    # good news for the city, so informational, never one alert per flat.
    SMALL_FILLED = "small_filled", _("Small places filled")
    # Residents' offers of a place waiting longer than the threshold (hours) for a check.
    OFFERS_WAITING = "offers_waiting", _("Offers from residents unchecked")


class AlertLevel(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    CRITICAL = "critical", _("Critical")


class AlertRule(models.Model):
    """How one kind of alert is raised; one row per kind, created by a migration.

    `threshold` and `reset` mean, per kind: nearly full: percent of places taken that raises
    it, percent below which it clears (and "room again" is raised); city low: free places
    below which it is raised, free places from which it clears; stale data: hours without a
    count; small places filled: a shelter with fewer places than this counts as small (flats
    and private homes always do); offers waiting: hours a resident's new offer may wait for a
    check. Full, room again, meals short and data drift use no number.
    """

    Kind = AlertKind

    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    level = models.CharField(
        _("level"), max_length=10, choices=AlertLevel.choices, default=AlertLevel.WARNING
    )
    threshold = models.PositiveIntegerField(
        _("threshold"), null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    reset = models.PositiveIntegerField(
        _("clears at"), null=True, blank=True, validators=[MaxValueValidator(100_000)]
    )
    help = models.CharField(_("what the numbers mean"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("alert rule")
        verbose_name_plural = _("alert rules")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(
                name="coordination_alertrule_kind_valid", condition=Q(kind__in=AlertKind.values)
            ),
            models.CheckConstraint(
                name="coordination_alertrule_level_valid",
                condition=Q(level__in=AlertLevel.values),
            ),
            # Hysteresis: a nearly-full shelter clears below a lower percent than raised it.
            models.CheckConstraint(
                name="coordination_alertrule_nearly_full_gap",
                condition=~Q(kind=AlertKind.NEARLY_FULL)
                | Q(threshold__lte=100, reset__lt=models.F("threshold")),
                violation_error_message=_(
                    "Nearly full: the threshold is a percent (at most 100) and it must clear "
                    "below it."
                ),
            ),
            models.CheckConstraint(
                name="coordination_alertrule_city_low_gap",
                condition=~Q(kind=AlertKind.CITY_LOW) | Q(reset__gte=models.F("threshold")),
                violation_error_message=_(
                    "City low: it must clear at no fewer free places than raise it."
                ),
            ),
            # Small places filling is good news: never more than information.
            models.CheckConstraint(
                name="coordination_alertrule_small_filled_info",
                condition=~Q(kind=AlertKind.SMALL_FILLED) | Q(level=AlertLevel.INFO),
                violation_error_message=_("Small places filled: the level is information."),
            ),
            models.CheckConstraint(
                name="coordination_alertrule_stale_hours",
                condition=~Q(kind=AlertKind.STALE_DATA) | Q(threshold__gte=1),
                violation_error_message=_("Stale data: give at least one hour."),
            ),
        ]

    def __str__(self) -> str:
        return str(self.get_kind_display())


# What a rule is when its row is missing (the migration makes them; a test may empty tables).
RULE_DEFAULTS = {
    AlertKind.NEARLY_FULL: {"level": AlertLevel.WARNING, "threshold": 90, "reset": 80},
    AlertKind.FULL: {"level": AlertLevel.CRITICAL},
    AlertKind.ROOM_AGAIN: {"level": AlertLevel.INFO},
    AlertKind.CITY_LOW: {"level": AlertLevel.CRITICAL, "threshold": 20, "reset": 30},
    AlertKind.STALE_DATA: {"level": AlertLevel.WARNING, "threshold": 6},
    AlertKind.MEALS_SHORT: {"level": AlertLevel.WARNING},
    AlertKind.DATA_DRIFT: {"level": AlertLevel.WARNING},
    AlertKind.SMALL_FILLED: {"level": AlertLevel.INFO, "threshold": 5},
    AlertKind.OFFERS_WAITING: {"level": AlertLevel.WARNING, "threshold": 24},
}


def default_rule(kind: str) -> "AlertRule":
    return AlertRule(kind=kind, enabled=True, **RULE_DEFAULTS[AlertKind(kind)])


class ShelterAlertThreshold(models.Model):
    """A shelter's own nearly-full percents, instead of the rule's defaults."""

    shelter = models.OneToOneField(
        Shelter,
        on_delete=models.CASCADE,
        related_name="alert_threshold",
        verbose_name=_("shelter"),
    )
    nearly_full_percent = models.PositiveSmallIntegerField(
        _("nearly full at (% of places taken)"),
        default=90,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    room_again_percent = models.PositiveSmallIntegerField(
        _("room again below (% of places taken)"),
        default=80,
        validators=[MinValueValidator(0), MaxValueValidator(99)],
    )

    class Meta:
        verbose_name = _("shelter alert threshold")
        verbose_name_plural = _("shelter alert thresholds")
        constraints = [
            models.CheckConstraint(
                name="coordination_shelteralertthreshold_gap",
                condition=Q(nearly_full_percent__lte=100)
                & Q(room_again_percent__lt=models.F("nearly_full_percent")),
                violation_error_message=_(
                    "The shelter has room again below a lower percent than makes it nearly full."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shelter}: {self.nearly_full_percent}% / {self.room_again_percent}%"


class AlertQuerySet(models.QuerySet):
    def active(self):
        """Alerts whose condition still holds (not cleared)."""
        return self.filter(cleared_at__isnull=True)

    def unacknowledged(self):
        return self.filter(acknowledged_at__isnull=True)

    def for_coordinators(self):
        """What coordinators' lists show: unacknowledged, and not folded into a group alert."""
        return self.unacknowledged().filter(grouped_into__isnull=True)


class Alert(models.Model):
    """A message to coordinators raised by a rule; one per condition until it clears.

    `key` names the condition ("nearly_full:shelter:12", "meals_short:Uralsk:2025-01-05");
    a partial unique constraint allows one uncleared alert per key, so raising is idempotent.
    Acknowledging takes it off the coordinators' list; the condition raises anew only after
    it has cleared.

    What it says is stored as what it means: its kind and `params` (names and figures, see
    `texts`), written in each reader's language (`text`). `message` is the same text in the
    site's language, kept for webhooks, the admin's search and alerts older than `params`.
    A flat that filled is recorded quietly, `grouped_into` its city's alert of the hour.
    """

    Kind = AlertKind
    Level = AlertLevel

    kind = models.CharField(_("kind"), max_length=20, choices=AlertKind.choices)
    level = models.CharField(_("level"), max_length=10, choices=AlertLevel.choices)
    key = models.CharField(max_length=120, editable=False)
    shelter = models.ForeignKey(
        Shelter,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="alerts",
        verbose_name=_("shelter"),
    )
    city = models.CharField(_("city"), max_length=80)
    message = models.CharField(_("message"), max_length=500)
    params = models.JSONField(_("figures"), default=dict, blank=True, editable=False)
    grouped_into = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="grouped",
        verbose_name=_("grouped into"),
    )
    created_at = models.DateTimeField(_("raised"), auto_now_add=True)
    cleared_at = models.DateTimeField(_("cleared"), null=True, blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged"), null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("acknowledged by"),
    )

    objects = AlertQuerySet.as_manager()

    class Meta:
        verbose_name = _("alert")
        verbose_name_plural = _("alerts")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["key"],
                condition=Q(cleared_at__isnull=True),
                name="coordination_alert_one_open_per_condition",
            ),
            models.CheckConstraint(
                name="coordination_alert_kind_valid", condition=Q(kind__in=AlertKind.values)
            ),
            models.CheckConstraint(
                name="coordination_alert_level_valid", condition=Q(level__in=AlertLevel.values)
            ),
            models.CheckConstraint(
                name="coordination_alert_acknowledged_both_or_none",
                condition=Q(acknowledged_at__isnull=True, acknowledged_by__isnull=True)
                | Q(acknowledged_at__isnull=False),
            ),
        ]
        indexes = [
            # Every evaluation reads the uncleared alerts of one shelter or city.
            models.Index(
                fields=["shelter", "kind"],
                name="coord_alert_active_shelter_idx",
                condition=Q(cleared_at__isnull=True),
            ),
            models.Index(
                fields=["city", "kind"],
                name="coord_alert_active_city_idx",
                condition=Q(cleared_at__isnull=True),
            ),
            # The dashboard counts each shelter's open alerts (one lookup a shelter).
            models.Index(
                fields=["shelter"],
                name="coord_alert_open_shelter_idx",
                condition=Q(acknowledged_at__isnull=True, grouped_into__isnull=True),
            ),
            # The coordinators' list and the morning summary read unacknowledged alerts.
            models.Index(
                fields=["-created_at"],
                name="coord_alert_unacked_idx",
                condition=Q(acknowledged_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return self.text

    # get_level_display() and get_kind_display() translate every choice each time they are
    # called (Django hashes the choices): a list of 200 alerts read them 400 times.
    @property
    def level_label(self) -> str:
        return AlertLevel(self.level).label if self.level in AlertLevel.values else self.level

    @property
    def kind_label(self) -> str:
        return AlertKind(self.kind).label if self.kind in AlertKind.values else self.kind

    @property
    def text(self) -> str:
        """What the alert says, in the active language (the reader's)."""
        from .texts import alert_text  # texts reads the kinds defined here

        return alert_text(self)


class Channel(models.TextChoices):
    EMAIL = "email", _("Email")
    WEBHOOK = "webhook", _("Webhook")
    IN_APP = "in_app", _("In the app")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Failed")


class AlertDelivery(models.Model):
    """One alert to one recipient on one channel; the unique key makes it recorded once.

    pending -> sending (claimed by a worker) -> delivered, or back to pending for a retry,
    or failed when the retries are spent. A claim older than the lease belongs to a worker
    that died: the sweeper hands it out again.
    """

    Status = DeliveryStatus

    alert = models.ForeignKey(Alert, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    # The email address, or "webhook:<id>".
    recipient = models.CharField(_("recipient"), max_length=254)
    # The recipient's language when the delivery was made (an email is written in it);
    # empty: the site's language.
    language = models.CharField(_("language"), max_length=10, blank=True)
    webhook = models.ForeignKey(
        "Webhook", on_delete=models.CASCADE, null=True, blank=True, related_name="deliveries"
    )
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # A pending delivery is due from here on (later after a failed attempt: the backoff).
    next_attempt_at = models.DateTimeField(_("next attempt"), auto_now_add=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("alert delivery")
        verbose_name_plural = _("alert deliveries")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["alert", "channel", "recipient"], name="coordination_delivery_once"
            ),
            models.CheckConstraint(
                name="coordination_delivery_status_valid",
                condition=Q(status__in=DeliveryStatus.values),
            ),
            models.CheckConstraint(
                name="coordination_delivery_channel_valid",
                condition=Q(channel__in=[Channel.EMAIL, Channel.WEBHOOK]),
            ),
            models.CheckConstraint(
                name="coordination_delivery_webhook_has_endpoint",
                condition=~Q(channel=Channel.WEBHOOK) | Q(webhook__isnull=False),
            ),
        ]
        indexes = [
            # The sweeper reads deliveries not yet done, by when they were due or claimed.
            models.Index(
                fields=["next_attempt_at"],
                name="coord_delivery_pending_idx",
                condition=Q(status="pending"),
            ),
            models.Index(
                fields=["claimed_at"],
                name="coord_delivery_sending_idx",
                condition=Q(status="sending"),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.alert_id} → {self.get_channel_display()} {self.recipient}"
