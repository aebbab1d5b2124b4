"""The web app manifest and the service worker, both at the site's root so they cover every page."""

from functools import cache

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_GET
from django.views.decorators.vary import vary_on_headers

SERVICE_WORKER = settings.BASE_DIR / "static" / "js" / "sw.js"


@cache
def _service_worker_source() -> bytes:
    return SERVICE_WORKER.read_bytes()


@require_GET
@cache_control(no_cache=True)  # a new version reaches phones at their next visit
def service_worker(request):
    """Served from /sw.js (not /static/, whose names are hashed and cached for a year): the
    browser checks it for updates, and its scope is the whole site."""
    source = SERVICE_WORKER.read_bytes() if settings.DEBUG else _service_worker_source()
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
