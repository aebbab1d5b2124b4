"""A hold slip's link: the hold's id, signed and dated, so only a link we made opens it.

The household has no login; the volunteer who held the places sends them the link (SMS,
messenger). It shows where to go only while the hold is active and at most
HOLD_SLIP_MAX_AGE_HOURS after it was made: a forwarded old link shows nothing.
"""

from django.conf import settings
from django.core import signing

SALT = "coordination.kit.slip"


def slip_token(hold_id: int) -> str:
    return signing.dumps(hold_id, salt=SALT, compress=True)


def slip_hold_id(token: str) -> int | None:
    """The hold of a slip link, or None when it is forged, mangled or too old."""
    if len(token) > 200:
        return None
    try:
        value = signing.loads(token, salt=SALT, max_age=settings.HOLD_SLIP_MAX_AGE_HOURS * 3600)
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    return value if isinstance(value, int) and not isinstance(value, bool) else None
