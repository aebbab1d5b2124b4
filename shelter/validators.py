"""Field validators shared by the shelter models (and so by every form built on them)."""

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MARKUP = re.compile(r"[<>]")
_PHONE = re.compile(r"^\+?[0-9][0-9 ()\-]{4,30}$")


def validate_plain_text(value: str) -> None:
    """Names and addresses are shown on phones of people in need: plain text only."""
    if _MARKUP.search(value):
        raise ValidationError(
            _("Use plain text: the characters < and > are not allowed."), code="markup"
        )


def validate_phone(value: str) -> None:
    if value and not _PHONE.match(value):
        raise ValidationError(
            _("Enter a phone number with digits, spaces, + ( ) or -, e.g. +7 701 123 45 67."),
            code="phone",
        )
