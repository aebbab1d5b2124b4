"""A user's profile: the language the app writes to them in when no page is asking."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class UserProfile(models.Model):
    """One per user, made the first time the user logs in or switches language.

    `language` is the language they last used the site in (or one set in the admin); alert
    emails and the morning summary are written in it. Empty: the site's language. No check
    constraint on the code: the languages are a setting, and `services` stores known ones only.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="profile",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        choices=settings.LANGUAGES,
        blank=True,
        help_text=_(
            "Alert emails are written in it. It follows the language the user last logged "
            "in with or chose on the site."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("user profile")
        verbose_name_plural = _("user profiles")

    def __str__(self) -> str:
        return f"{self.user} · {self.language or '-'}"
