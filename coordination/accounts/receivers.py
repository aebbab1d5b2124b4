"""The login listener: a user's language is the one they logged in with."""

from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.utils import translation

from .services import user_language_remember


@receiver(user_logged_in, dispatch_uid="coordination.accounts.remember_language")
def remember_language_at_login(sender, *, request, user, **kwargs) -> None:
    # The login page's language (LocaleMiddleware: the switcher's cookie, else the browser).
    language = getattr(request, "LANGUAGE_CODE", None) or translation.get_language()
    user_language_remember(user=user, language=language)
