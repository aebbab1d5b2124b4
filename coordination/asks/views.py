"""Pages of a person asking for a place: no login; light (public.css, no Bootstrap).

The status page is opened by its private link only (the token): never cached by anyone but
the person's own browser, and never sending the link on to another site (Referrer-Policy
same-origin: "no-referrer" would make the browser send "Origin: null" with the cancel form,
which the CSRF check refuses).
"""

from django.conf import settings
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from shelter.errors import ShelterError

from ..ratelimit import admit_action
from ..views.errors import rate_limited
from . import selectors, services
from .forms import AskForm


def _private(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, private=True, no_store=True)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


@require_http_methods(["GET", "POST"])
def ask_new(request):
    """/ask/: the form; sending it puts the group on the waiting list and opens its status.

    Only a request that would be saved counts against ASK_RATE_LIMIT_*: a family correcting
    a mistake never uses up the budget of the next family on the same connection (the
    public budgets still count every post). Refused, the form comes back with what was typed.
    """
    form = AskForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        wait = admit_action(
            request,
            action="ask",
            client_rate=settings.ASK_RATE_LIMIT_CLIENT,
            address_rate=settings.ASK_RATE_LIMIT_ADDRESS,
        )
        if not wait:
            created = services.ask_create(
                household=form.save(commit=False), where_now=form.cleaned_data["where_now"]
            )
            url = reverse("ask_status", args=[created.token]) + "?new=1"
            return _private(HttpResponseRedirect(url))  # our own path, built here
        form.add_error(
            None, _("Too many requests from your connection. Wait a minute and send again.")
        )
        response = render(request, "coordination/asks/ask_new.html", {"form": form}, status=429)
        response["Retry-After"] = str(wait)
        return _private(response)
    return _private(render(request, "coordination/asks/ask_new.html", {"form": form}))


def _status_context(request, token: str, ask) -> dict:
    link = request.build_absolute_uri(reverse("ask_status", args=[token]))
    return {"status": selectors.ask_status(ask), "token": token, "link": link}


def ask_status(request, token: str):
    """The person's status; `?fragment=1` is the part the page's script refreshes."""
    wait = admit_action(
        request,
        action="ask-status",
        client_rate=settings.ASK_STATUS_RATE_LIMIT_CLIENT,
        address_rate=settings.ASK_STATUS_RATE_LIMIT_ADDRESS,
    )
    if wait:
        return rate_limited(request, retry_after=wait)
    ask = selectors.ask_by_token(token)
    if ask is None:  # a wrong link, or a request closed and purged: nothing to show
        return _private(render(request, "coordination/asks/ask_gone.html", status=404))
    context = _status_context(request, token, ask)
    if request.GET.get("fragment") == "1":
        body = render_to_string("coordination/asks/partials/ask_state.html", context, request)
        return _private(HttpResponse(body))
    context["new"] = request.GET.get("new") == "1"
    return _private(render(request, "coordination/asks/ask_status.html", context))


@require_http_methods(["GET", "POST"])
def ask_cancel(request, token: str):
    """GET asks "did you find a place?" (no JavaScript needed); POST cancels the request."""
    ask = selectors.ask_by_token(token)
    if ask is None:
        return _private(render(request, "coordination/asks/ask_gone.html", status=404))
    if request.method == "POST":
        try:
            services.ask_cancel(ask_id=ask.pk)
        except ShelterError as exc:
            context = {**_status_context(request, token, ask), "refused": exc.message}
            return _private(
                render(request, "coordination/asks/ask_cancel.html", context, status=409)
            )
        return _private(redirect("ask_status", token=token))
    context = _status_context(request, token, ask)
    return _private(render(request, "coordination/asks/ask_cancel.html", context))
