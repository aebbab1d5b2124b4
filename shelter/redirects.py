"""Where the browser goes after an action: a page of this site the request named, or a default.

The one place that reads a `next` value from a request. Everything that redirects to a page
the request asked for (the dashboard's actions, acknowledging an alert, the language
switchers, login and logout) goes through `next_url`, so the rule is the same everywhere.
Never pass a request value to `django.shortcuts.redirect()`: it tries it as a view name
first ("0" or "x" ended in NoReverseMatch, a 500 after the action had committed).
"""

from django.http import HttpRequest, HttpResponseRedirect
from django.utils.http import url_has_allowed_host_and_scheme

# Longer than any page of the site with its filters; a longer value is not one of ours.
MAX_NEXT_LENGTH = 2000


def is_local_path(url: str, request: HttpRequest) -> bool:
    """True for a path on this site ("/dashboard/?city=Uralsk#alerts") and nothing else.

    Refused: a scheme or a host (`https://evil.example`, `javascript:...`), what browsers
    read as a host (`//evil.example`, `/\\evil.example`), anything not starting with "/"
    (a relative "x" would land under the current page), control characters (a header
    cannot carry them) and values longer than MAX_NEXT_LENGTH.
    """
    if not url or len(url) > MAX_NEXT_LENGTH or not url.startswith("/"):
        return False
    if url.startswith(("//", "/\\")) or any(ord(ch) < 32 or ord(ch) == 127 for ch in url):
        return False
    return url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )


def next_url(request: HttpRequest, default: str, *, field: str = "next") -> str:
    """The request's `next` (posted, else in the query string) if it is a local path, else
    `default` (a URL, e.g. from reverse())."""
    candidate = request.POST.get(field) or request.GET.get(field) or ""
    return candidate if is_local_path(candidate, request) else default


def redirect_next(request: HttpRequest, default: str, *, field: str = "next"):
    """A redirect to `next_url(request, default)`."""
    return HttpResponseRedirect(next_url(request, default, field=field))
