"""Error answers that must be clear to a person and to a program."""

import json

from django.http import HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from shelter.replies import wants_json


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


def csrf_failure(request, reason: str = ""):
    """403 for a form refused by the CSRF check (a page kept open past a login or logout,
    cookies blocked, a request made by another site): nothing was saved, said in the user's
    language on the app's own page, not Django's English one. JSON for the API and the
    offline app (which takes any 403 as "log in again"). `reason` is Django's, for the log."""
    message = _(
        "This form could not be accepted: the page was open too long, or your browser did not "
        "send its cookie. Nothing was saved. Reload the page and send it again."
    )
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": message}, status=403, json_dumps_params={"ensure_ascii": False}
        )
    if wants_json(request):
        return JsonResponse(
            {"ok": False, "message": message}, status=403, json_dumps_params={"ensure_ascii": False}
        )
    return render(request, "403_csrf.html", {"message": message}, status=403)
