"""Error answers that must be clear to a person and to a program."""

import json

from django.http import HttpResponse
from django.utils.translation import gettext as _


def rate_limited(request, retry_after: int = 60):
    """429 with a plain message, and Retry-After in seconds, when a client asks too often."""
    message = _("Too many requests from your connection. Please wait a minute and try again.")
    if request.path.startswith("/api/"):
        response = HttpResponse(json.dumps({"detail": message}), content_type="application/json")
    else:
        response = HttpResponse(message, content_type="text/plain; charset=utf-8")
    response.status_code = 429
    response["Retry-After"] = str(retry_after)
    return response
