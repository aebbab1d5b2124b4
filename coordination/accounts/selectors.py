"""A user's language, for what is written to them away from any page."""

from django.conf import settings

from .models import UserProfile


def user_language(user_id: int) -> str:
    """The user's language, else the site's (LANGUAGE_CODE)."""
    language = (
        UserProfile.objects.filter(user_id=user_id).values_list("language", flat=True).first()
    )
    return language or settings.LANGUAGE_CODE
