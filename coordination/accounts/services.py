"""Remembering the language a user last used."""

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser

from .models import UserProfile


def user_language_remember(*, user: AbstractBaseUser, language: str) -> bool:
    """Store `language` as the user's; False (nothing stored) for a code the site lacks.

    One INSERT ... ON CONFLICT UPDATE: two logins at once cannot make two profiles.
    """
    if not user.is_authenticated or language not in dict(settings.LANGUAGES):
        return False
    UserProfile.objects.bulk_create(
        [UserProfile(user_id=user.pk, language=language)],
        update_conflicts=True,
        unique_fields=["user"],
        update_fields=["language", "updated_at"],
    )
    return True
