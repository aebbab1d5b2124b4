"""Pages for arriving people: no login, nothing personal asked or shown, light and cached.

The pages hold nothing specific to a visitor (no CSRF token, no session), so one rendering is
shared by everyone asking for the same page in the same language (`public.cached_page`).
"""

from django.conf import settings
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import get_language
from django.views.decorators.http import require_POST

from shelter.redirects import redirect_next

from .. import public
from ..accounts.services import user_language_remember
from ..forms import PublicFilterForm, public_filters

FIRST_PAGE = 40  # keeps the first load small on a weak connection; "show all" lists the rest
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600


def shelter_list(request):
    """Where can we sleep and eat tonight: open shelters, most free first, and meals."""
    show_all = request.GET.get("all") == "1"
    filters = public_filters(request.META.get("QUERY_STRING", ""))
    if filters is None:  # an invalid filter: shows the visitor's own input back, not shared
        form = PublicFilterForm(request.GET)
        body = _render_list(request, form, form.filters(), show_all, public.snapshot())
        return HttpResponse(body)

    def build(snap: public.Snapshot) -> bytes:
        form = PublicFilterForm(request.GET or None)
        return _render_list(request, form, filters, show_all, snap)

    # The variant is built from the cleaned filters, so made-up parameters share one entry.
    variant = f"page:{get_language()}:{filters.key}:{int(show_all)}"
    return public.page_response(request, public.cached_page(variant, build))


def _render_list(request, form, filters, show_all: bool, snap: public.Snapshot) -> bytes:
    shelters = public.shelters_for_public(snap, filters)
    now = timezone.now()
    context = {
        "form": form,
        "filters": filters,
        "districts": public.districts(snap),
        "shelters": shelters if show_all else shelters[:FIRST_PAGE],
        "hidden": 0 if show_all else max(len(shelters) - FIRST_PAGE, 0),
        "meals": public.meals_now(snap, now),
        "now": now,
        "today": timezone.localdate(now),  # the city's date: a meal "today" shows no date
        # Residents' places: sums, in the snapshot like the rest (a snapshot cached before
        # this field existed, for its last seconds after a deploy, has none).
        "offers": getattr(snap, "offers", None) or public.OfferFigures(),
        **_snapshot_context(snap, now),
    }
    return render_to_string("coordination/public/shelter_list.html", context, request).encode()


def shelter_detail(request, pk: int):
    snap = public.snapshot()
    shelter = public.shelter_by_id(snap, pk)
    if shelter is None:
        raise Http404
    now = timezone.now()
    meals = [meal for meal in public.meals_now(snap, now) if meal.shelter_id == pk]
    return render(
        request,
        "coordination/public/shelter_detail.html",
        {
            "shelter": shelter,
            "meals": meals,
            "now": now,
            "today": timezone.localdate(now),
            **_snapshot_context(snap, now),
        },
    )


def _snapshot_context(snap: public.Snapshot, now) -> dict:
    """The version for "refresh by itself", and the figures' time when it is unusually old."""
    return {"version": snap.version, "snapshot_old": snap.is_old(now), "built_at": snap.built_at}


def about(request):
    return render(request, "coordination/public/about.html")


def choose_language(request, code: str):
    """The language switcher: a plain link (no form, no token), back to the same page."""
    if code not in dict(settings.LANGUAGES):
        raise Http404
    return language_response(request, code)


def language_response(request, code: str) -> HttpResponseRedirect:
    """Back to the page the switcher was on, with the language cookie set."""
    if request.user.is_authenticated:  # alert emails follow the language they read
        user_language_remember(user=request.user, language=code)
    response = redirect_next(request, "/")
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME, code, max_age=LANGUAGE_COOKIE_AGE, samesite="Lax"
    )
    return response


@require_POST
def set_language(request):
    """The logged-in pages' switcher (a form): as Django's set_language, with `next` checked
    like every other (shelter.redirects) and no guess from the Referer."""
    code = request.POST.get("language", "")
    if code not in dict(settings.LANGUAGES):
        return redirect_next(request, "/")
    return language_response(request, code)
