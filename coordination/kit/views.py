"""The printed kit: poster, printable list, hold slip. Public pages, light CSS, A4 print."""

from dataclasses import dataclass

from django.conf import settings
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_cache_control

from .. import public
from ..models import Hold, HoldStatus
from .qr import qr_svg
from .slips import slip_hold_id, slip_token


def site_url(path: str) -> str:
    """An absolute address for paper: SITE_URL (the public one), not this request's host."""
    return settings.SITE_URL.rstrip("/") + path


@dataclass(frozen=True)
class PosterCode:
    url: str
    svg: str


def poster(request):
    """A4 poster for the arrival point: the list and /ask/ as QR codes, the phone."""
    codes = {
        name: PosterCode(url=url, svg=qr_svg(url))
        for name, url in (("list", site_url(reverse("home"))), ("ask", site_url(reverse("ask"))))
    }
    return render(
        request,
        "coordination/kit/poster.html",
        {
            "codes": codes,
            "phone": settings.COORDINATION_PHONE,
            "poster_languages": [code for code, _name in settings.LANGUAGES],
        },
    )


def shelter_list_print(request):
    """Open shelters with free places, and meals tonight, with the time it was printed."""
    snap = public.snapshot()
    now = timezone.now()
    return render(
        request,
        "coordination/kit/shelter_list_print.html",
        {
            "shelters": public.shelters_for_public(snap, public.PublicFilters()),
            "meals": public.meals_now(snap, now),
            "now": now,
            "today": timezone.localdate(now),
            "built_at": snap.built_at,
            "phone": settings.COORDINATION_PHONE,
            "list_url": site_url(reverse("home")),
        },
    )


def _slip_hold(token: str) -> Hold | None:
    hold_id = slip_hold_id(token)
    if hold_id is None:
        return None
    return (
        Hold.objects.select_related("space__shelter", "household__ask")
        .filter(pk=hold_id, status=HoldStatus.ACTIVE)
        .first()
    )


def hold_slip(request, token: str):
    """Where to go, for one hold: shelter, exact address, directions, phone, code, until.

    Only by its signed link (slips.py), only while the hold is active; never cached by
    others, never sending the link on (Referrer-Policy)."""
    hold = _slip_hold(token)
    context = {"hold": hold, "link": site_url(reverse("hold_slip", args=[token]))}
    if hold is not None:
        ask = getattr(hold.household, "ask", None)
        context["code"] = ask.code if ask and ask.code else hold.household.code
    response = render(
        request, "coordination/kit/hold_slip.html", context, status=200 if hold else 404
    )
    patch_cache_control(response, private=True, no_store=True)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex"
    return response


def hold_slip_link(hold: Hold) -> str:
    """The link a volunteer sends (from the household's page)."""
    return site_url(reverse("hold_slip", args=[slip_token(hold.pk)]))
