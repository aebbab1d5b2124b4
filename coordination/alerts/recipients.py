"""Who hears alerts: coordinators' subscriptions, webhooks, and the morning summaries sent.

Registered with the coordination app (imported by `coordination.models`).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from shelter.models import Shelter
from shelter.validators import validate_plain_text

from .models import Channel


class AlertSubscription(models.Model):
    """A coordinator's wish to hear alerts of a city (or of chosen shelters) on a channel.

    No shelter chosen: every shelter of the city. City-wide alerts go to every subscription of
    the city. In the app, a coordinator without an in-app subscription sees every alert.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="alert_subscriptions",
        verbose_name=_("coordinator"),
    )
    channel = models.CharField(
        _("channel"), max_length=10, choices=Channel.choices, default=Channel.EMAIL
    )
    city = models.CharField(
        _("city"), max_length=80, default="Uralsk", validators=[validate_plain_text]
    )
    shelters = models.ManyToManyField(
        Shelter,
        blank=True,
        related_name="+",
        verbose_name=_("only these shelters"),
        help_text=_("Leave empty for every shelter of the city."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("alert subscription")
        verbose_name_plural = _("alert subscriptions")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "channel", "city"], name="coordination_subscription_unique"
            ),
            models.CheckConstraint(
                name="coordination_subscription_channel_valid",
                condition=Q(channel__in=[Channel.EMAIL, Channel.IN_APP]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_channel_display()} · {self.city}"


def new_webhook_secret() -> str:
    return secrets.token_urlsafe(32)


class Webhook(models.Model):
    """An endpoint (a chat bot, another NGO's system) that gets alerts as signed JSON POSTs."""

    name = models.CharField(_("name"), max_length=120, validators=[validate_plain_text])
    url = models.URLField(_("URL"), max_length=500)
    secret = models.CharField(
        _("secret"),
        max_length=200,
        default=new_webhook_secret,
        help_text=_("Signs each body (HMAC-SHA256); give it to the receiver, nobody else."),
    )
    city = models.CharField(
        _("city"), max_length=80, default="Uralsk", validators=[validate_plain_text]
    )
    shelters = models.ManyToManyField(
        Shelter,
        blank=True,
        related_name="+",
        verbose_name=_("only these shelters"),
        help_text=_("Leave empty for every shelter of the city."),
    )
    is_active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("webhook")
        verbose_name_plural = _("webhooks")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MorningSummary(models.Model):
    """The morning summary sent to one address on one day (claimed before sending)."""

    day = models.DateField()
    recipient = models.CharField(max_length=254)
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("morning summary")
        verbose_name_plural = _("morning summaries")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "recipient"], name="coordination_morningsummary_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} → {self.recipient}"
