"""Whose pages a cached copy is: a key the service worker files them under, never the user id."""

from django.utils.crypto import salted_hmac
from django.utils.functional import lazy

ANONYMOUS = "anon"


def offline_user_key(user) -> str:
    """A stable key per user (the same across logins, so a queue survives an expired session),
    which tells nothing about the account to whoever reads the phone's storage."""
    if not user.is_authenticated:
        return ANONYMOUS
    return salted_hmac("coordination.offline.user", str(user.pk)).hexdigest()[:20]


def _request_key(request) -> str:
    user = getattr(request, "user", None)
    return offline_user_key(user) if user is not None else ANONYMOUS


# Made once: each call of lazy() builds a new proxy class, which cost every page 0.3 ms.
_lazy_request_key = lazy(_request_key, str)


def offline(request) -> dict:
    """Context processor: the key for <body data-user>, read by static/js/offline.js. Lazy:
    the public pages never use it, so it never loads their visitor's session."""
    return {"offline_user": _lazy_request_key(request)}
