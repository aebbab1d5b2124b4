"""Marks HTML pages for the service worker (static/js/sw.js): whose they are, and which to keep."""

from django.conf import settings

from .keys import ANONYMOUS, offline_user_key


class OfflineHeadersMiddleware:
    """`X-Offline-User` on every HTML page: the worker files kept pages under that user (and the
    page's Content-Language) and forgets another user's at once. `X-Offline-Keep: 1` only on the
    pages a volunteer needs without a connection (settings.OFFLINE_PAGES), answered 200 to a GET:
    never an error page, a form, the admin or the dashboard."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        user = getattr(request, "user", None)
        response["X-Offline-User"] = offline_user_key(user) if user is not None else ANONYMOUS
        match = request.resolver_match
        if (
            request.method == "GET"
            and response.status_code == 200
            and match is not None
            and match.view_name in settings.OFFLINE_PAGES
        ):
            response["X-Offline-Keep"] = "1"
        return response
