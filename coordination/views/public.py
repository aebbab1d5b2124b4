"""Pages for arriving people: no login, nothing personal asked or shown, light and cached."""

from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from .. import public
from ..forms import PublicFilterForm

FIRST_PAGE = 40  # keeps the first load small on a weak connection; "show all" lists the rest


def shelter_list(request):
    """Where can we sleep and eat tonight: open shelters, most free first, and meals."""
    form = PublicFilterForm(request.GET or None)
    snap = public.snapshot()
    shelters = public.shelters_for_public(snap, form.filters())
    show_all = request.GET.get("all") == "1"
    now = timezone.now()
    return render(
        request,
        "coordination/public/shelter_list.html",
        {
            "form": form,
            "shelters": shelters if show_all else shelters[:FIRST_PAGE],
            "hidden": 0 if show_all else max(len(shelters) - FIRST_PAGE, 0),
            "meals": public.meals_now(snap, now),
            "version": snap.version,
            "now": now,
        },
    )


def shelter_detail(request, pk: int):
    snap = public.snapshot()
    shelter = public.shelter_by_id(snap, pk)
    if shelter is None:
        raise Http404
    meals = [meal for meal in public.meals_now(snap, timezone.now()) if meal.shelter_id == pk]
    return render(
        request,
        "coordination/public/shelter_detail.html",
        {"shelter": shelter, "meals": meals, "now": timezone.now(), "version": snap.version},
    )


def about(request):
    return render(request, "coordination/public/about.html")
