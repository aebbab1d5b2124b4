"""Which submissions (a form's one-time id) were applied: a replay finds its row and stops."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class SubmissionAction(models.TextChoices):
    CHECK_IN = "check_in"
    CHECK_OUT = "check_out"
    HOLD = "hold"


class AppliedSubmission(models.Model):
    """One row per applied check-in, check-out or hold form. The primary key is the form's
    submission id, so a second sending of the same form (a double tap, a change kept offline
    sent again after a lost answer) cannot be applied twice: the database refuses the row."""

    id = models.UUIDField(primary_key=True)
    action = models.CharField(max_length=16, choices=SubmissionAction.choices)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL)
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "coordination"
        verbose_name = _("applied change")
        verbose_name_plural = _("applied changes")
        constraints = [
            models.CheckConstraint(
                name="coordination_appliedsubmission_action_valid",
                condition=models.Q(action__in=SubmissionAction.values),
            )
        ]
        indexes = [models.Index(fields=["at"], name="coordination_applied_at")]

    def __str__(self) -> str:
        return f"{self.action} {self.id}"
