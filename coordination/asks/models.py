"""A request for a place made by the arriving person themselves (no volunteer, no login).

The request is a Household (registered nowhere, by nobody) so that everything volunteers do
with households (hold, check in, the waiting list, the purge) works for it unchanged; this
row keeps only what belongs to the request: its code, the hash of its private link's token,
where the person is now, when they consented, and whether it was cancelled or closed.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Easy to read aloud and to type: no 0/O, 1/I/L. 31**6 is about 887 million codes.
CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 6

# What the purge removes from a request (with the household's own fields): the private link
# stops working and the code is free again. tests/coordination/test_purge.py checks that
# every field of Ask is either here or kept on purpose.
ASK_PERSONAL_FIELDS = ("code", "token_hash")


def code_normalise(text: str) -> str | None:
    """A typed code ("abc 234", "ABC-234") in its stored form, or None if it cannot be one
    (0, O, 1, I and L are never in a code, so a text with them is not one)."""
    code = "".join(ch for ch in text.upper() if ch.isalnum())
    if len(code) == CODE_LENGTH and all(ch in CODE_ALPHABET for ch in code):
        return code
    return None


class AskWhere(models.TextChoices):
    BORDER = "border", _("In the queue at the border")
    ARRIVAL_POINT = "arrival_point", _("At the arrival point")
    CITY = "city", _("In the city")


class Ask(models.Model):
    """The online side of a household that asked for a place itself."""

    Where = AskWhere

    household = models.OneToOneField(
        "coordination.Household", on_delete=models.CASCADE, related_name="ask"
    )
    # Null once purged (ASK_PERSONAL_FIELDS), so "no value" is one thing, never a blank code
    # the regex constraint would have to allow; unique among open requests only.
    code = models.CharField(_("code"), max_length=CODE_LENGTH, null=True, blank=True)  # noqa: DJ001
    # sha256 of the token in the private link (the token is never stored); null once purged:
    # unique, and any number of purged rows share no value.
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True)
    where_now = models.CharField(_("where they are now"), max_length=16, choices=AskWhere.choices)
    consented_at = models.DateTimeField(_("consented at"))
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    # Cancelled by its owner, or purged: the code may be given to another request.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("online request")
        verbose_name_plural = _("online requests")
        constraints = [
            models.UniqueConstraint(
                fields=["code"],
                condition=Q(closed_at__isnull=True),
                name="coordination_ask_code_unique_open",
            ),
            models.CheckConstraint(
                name="coordination_ask_open_has_code_and_token",
                condition=Q(closed_at__isnull=False)
                | Q(code__isnull=False, token_hash__isnull=False),
            ),
            models.CheckConstraint(
                name="coordination_ask_code_readable",
                condition=Q(code__isnull=True)
                | Q(code__regex=f"^[{CODE_ALPHABET}]{{{CODE_LENGTH}}}$"),
            ),
            models.CheckConstraint(
                name="coordination_ask_where_valid", condition=Q(where_now__in=AskWhere.values)
            ),
            models.CheckConstraint(
                name="coordination_ask_cancelled_is_closed",
                condition=Q(cancelled_at__isnull=True) | Q(closed_at__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return _("Online request %(code)s") % {"code": self.code or "—"}

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
