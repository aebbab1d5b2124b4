"""The audit log: who changed a status, an assignment, exported data or unlocked a login."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .shelters import Shelter


class AuditAction(models.TextChoices):
    STATUS = "status", _("Status set")
    MARKED_FULL = "marked_full", _("Marked full")
    MEMBER_ASSIGNED = "member_assigned", _("Assigned to a shelter")
    MEMBER_REMOVED = "member_removed", _("Removed from a shelter")
    EXPORT = "export", _("Export")
    LOGIN_UNLOCKED = "login_unlocked", _("Login unlocked")
    # A resident's offer of a place: a check step, approval, rejection, a host suspended.
    OFFER = "offer", _("Offer from a resident")
    HOST_LINK = "host_link", _("Host link issued or revoked")


class AuditEntry(models.Model):
    """Who did what, when: status changes, assignments, exports and unlocked logins.

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
