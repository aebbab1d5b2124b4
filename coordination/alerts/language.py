"""Alert texts are stored once and sent to everyone, so they are written in the site's
language (LANGUAGE_CODE), never in that of whichever request happened to trigger them."""

import functools

from django.conf import settings
from django.utils import translation


def in_site_language(func):
    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return func(*args, **kwargs)

    return wrapper
