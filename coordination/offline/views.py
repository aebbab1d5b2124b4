"""The web app manifest and the service worker, both at the site's root so they cover every page."""

from functools import cache

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.middleware.csrf import get_token
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

from .keys import offline_user_key

# The worker, then the queue and its one sending rule (queue.js; the worker's "use strict"
# covers both): the page loads the same queue.js from /static/, so both send by one code.
SERVICE_WORKER = [settings.BASE_DIR / "static" / "js" / name for name in ("sw.js", "queue.js")]


def _read_service_worker() -> bytes:
    return b"\n".join(path.read_bytes() for path in SERVICE_WORKER)


@cache
def _service_worker_source() -> bytes:
    return _read_service_worker()


@require_GET
@cache_control(no_cache=True)  # a new version reaches phones at their next visit
def service_worker(request):
    """Served from /sw.js (not /static/, whose names are hashed and cached for a year): the
    browser checks it for updates, and its scope is the whole site."""
    source = _read_service_worker() if settings.DEBUG else _service_worker_source()
    response = HttpResponse(source, content_type="text/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/"
    return response


@require_GET
@cache_control(no_cache=True)
@vary_on_headers("Cookie", "Accept-Language")
def manifest(request):
    """The installable app, named in the page's language; it opens on the volunteer's own page."""
    return JsonResponse(
        {
            "name": _("Shelter coordination"),
            "short_name": _("Shelters"),
            "lang": get_language(),
            "start_url": reverse("start"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": "#212529",
            "icons": [
                {"src": static("img/icon-192.png"), "sizes": "192x192", "type": "image/png"},
                {"src": static("img/icon-512.png"), "sizes": "512x512", "type": "image/png"},
            ],
        },
        content_type="application/manifest+json",
        json_dumps_params={"ensure_ascii": False},
    )


@require_GET
@never_cache
def sending_state(request):
    """Asked before changes kept offline are sent (static/js/queue.js), by the page or by the
    service worker, which can read no cookie: whose session this is (a change is sent only
    under its own user's session) and the CSRF token of the current cookie. Asked anew at
    every sending, so after a new login (Django rotates the token) the changes go with the
    new one. Same-origin only, like the token in every page's forms: no CORS header here."""
    return JsonResponse({"user": offline_user_key(request.user), "csrf": get_token(request)})
