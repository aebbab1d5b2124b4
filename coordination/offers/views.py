"""Pages of the offers: /offer/ for residents, /dashboard/offers/ for coordinators, and the
host's own page at /host/<token>/.

The host's page has no login and sets no session: the token in the link is checked on every
request (services.host_link_check), and the page shows that host's place and guests only.
"""

from urllib.parse import quote, urlencode

from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from shelter.errors import PlacesBelowTaken, ShelterError

from .. import ratelimit
from ..models import Stay
from ..views.dashboard import coordinator_required
from . import selectors, services
from .errors import HostLinkInvalid
from .forms import FollowUpForm, OfferFilterForm, OfferForm, OfferRejectForm
from .models import FollowUpOutcome, HostOffer, OfferStatus

# --- Residents ------------------------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def offer_form(request):
    """Offer a room or a flat: no login; a confirmation with a reference code."""
    form = OfferForm(request.POST or None)
    status = 200
    if request.method == "POST" and not form.is_valid():
        status = 400
    elif request.method == "POST":
        # Only an offer that would be saved counts: corrections never use up the budget.
        wait = ratelimit.admit_action(
            request,
            action="offer",
            client_rate=settings.OFFER_RATE_LIMIT,
            address_rate=settings.OFFER_RATE_LIMIT_ADDRESS,
        )
        if not wait:
            submitted = services.offer_submit(data=form.offer_data())
            receipt = signing.dumps([submitted.offer.code, submitted.updated], salt=RECEIPT_SALT)
            return HttpResponseRedirect(reverse("offer_sent") + "?" + urlencode({"r": receipt}))
        form.add_error(
            None, _("Too many offers from your connection. Wait a minute and send again.")
        )
        status = 429
    return render(request, "coordination/offers/offer_form.html", {"form": form}, status=status)


RECEIPT_SALT = "coordination.offers.receipt"
RECEIPT_MAX_AGE = 3600  # the confirmation can be reloaded for an hour; it shows the code only


@never_cache
def offer_sent(request):
    """The confirmation after the form (post, then redirect: a reload sends nothing again).

    The reference comes signed in the address, so nobody reads another's by guessing."""
    try:
        code, updated = signing.loads(
            request.GET.get("r", ""), salt=RECEIPT_SALT, max_age=RECEIPT_MAX_AGE
        )
    except (signing.BadSignature, ValueError, TypeError):
        code, updated = "", False  # an old or altered address: the page says so
    return render(
        request, "coordination/offers/offer_sent.html", {"code": code, "updated": updated}
    )


# --- Coordinators ---------------------------------------------------------------------------


@coordinator_required
def offers_list(request):
    """New offers oldest first (or of a status), with places, district, rules and age."""
    filter_form = OfferFilterForm(request.GET or None)
    filters = filter_form.filters()
    return render(
        request,
        "coordination/offers/offers_list.html",
        {
            "offers": selectors.offers_list(filters),
            "filter_form": filter_form,
            "filters": filters,
            "districts": selectors.offer_districts(),
            "statuses": OfferStatus.choices,
            "figures": selectors.offer_figures(),
            "now": timezone.now(),
        },
    )


def _detail(request, offer_id: int, *, new_token: str = "", reject_form=None, status=200):
    offer = selectors.offer_detail(offer_id)
    context = {
        "offer": offer,
        "link": selectors.offer_link(offer),
        "uses": selectors.offer_link_uses(offer),
        "same_phone": selectors.offers_same_phone(offer),
        "reject_form": reject_form or OfferRejectForm(),
        "idle_days": settings.HOST_LINK_IDLE_DAYS,
    }
    if new_token:
        context.update(_share(request, offer, new_token))
    return render(request, "coordination/offers/offer_detail.html", context, status=status)


def _share(request, offer: HostOffer, token: str) -> dict:
    """The new link and ways to send it: SMS, Telegram, WhatsApp (plain links, no JS)."""
    url = request.build_absolute_uri(reverse("host", args=[token]))
    text = _("Your page for your place (keep it to yourself): %(url)s") % {"url": url}
    phone = "".join(ch for ch in offer.contact if ch.isdigit() or ch == "+")
    return {
        "host_url": url,
        "share_text": text,
        "sms_url": f"sms:{phone if len(phone) >= 5 else ''}?body={quote(text)}",
        "telegram_url": f"https://t.me/share/url?url={quote(url, safe='')}&text={quote(text)}",
        "whatsapp_url": f"https://wa.me/?text={quote(text)}",
    }


def _new_link_key(offer_id: int) -> str:
    return f"offers:new_link:{offer_id}"


@coordinator_required
def offer_detail(request, pk: int):
    get_object_or_404(HostOffer, pk=pk)
    return _detail(request, pk, new_token=request.session.pop(_new_link_key(pk), ""))


ACTIONS = {
    "called": lambda pk, by: services.offer_step(offer_id=pk, step="called", by=by),
    "address": lambda pk, by: services.offer_step(offer_id=pk, step="address", by=by),
    "visited": lambda pk, by: services.offer_step(offer_id=pk, step="visited", by=by),
    "approve": lambda pk, by: services.offer_approve(offer_id=pk, by=by),
    "suspend": lambda pk, by: services.host_suspend(offer_id=pk, by=by),
    "reinstate": lambda pk, by: services.host_reinstate(offer_id=pk, by=by),
    "withdraw": lambda pk, by: services.offer_withdraw(offer_id=pk, by=by),
    "link_revoke": lambda pk, by: services.host_link_revoke(offer_id=pk, by=by),
}


def _done_message(action: str) -> str:
    return {
        "called": _("Recorded: called back."),
        "address": _("Recorded: address confirmed."),
        "visited": _("Recorded: visited."),
        "approve": _("Approved: the place is on the map with its district only."),
        "suspend": _("Host suspended: the place takes nobody now and the link is off."),
        "reinstate": _("The host takes guests again. Issue a new link for them."),
        "withdraw": _("The offer is withdrawn and the place closed."),
        "link_revoke": _("The host's link is switched off."),
        "reject": _("The offer is rejected."),
    }[action]


@coordinator_required
@require_POST
def offer_action(request, pk: int):
    """A check step, a decision, or the host's link: every one audited by its service."""
    get_object_or_404(HostOffer, pk=pk)
    action = request.POST.get("action", "")
    try:
        if action == "link_issue":
            token = services.host_link_issue(offer_id=pk, by=request.user)
            # Shown once, on the page this redirects to, then gone from the session too.
            request.session[_new_link_key(pk)] = token
            messages.success(request, _("A new link is ready: send it to the host now."))
            return HttpResponseRedirect(reverse("coordination:offer", args=[pk]) + "#new-link")
        if action == "reject":
            form = OfferRejectForm(request.POST)
            if not form.is_valid():
                return _detail(request, pk, reject_form=form, status=400)
            services.offer_reject(offer_id=pk, reason=form.cleaned_data["reason"], by=request.user)
        elif action in ACTIONS:
            ACTIONS[action](pk, request.user)
        else:
            messages.error(request, _("Choose one of the buttons."))
            return redirect("coordination:offer", pk=pk)
    except ShelterError as exc:
        messages.error(request, exc.message)
        return redirect("coordination:offer", pk=pk)
    messages.success(request, _done_message(action))
    return redirect("coordination:offer", pk=pk)


@coordinator_required
@require_POST
def follow_up_record(request, pk: int):
    """The family of stay `pk` in a private home was called on day 2."""
    get_object_or_404(Stay, pk=pk)
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose how the call went."))
    elif services.follow_up_record(
        stay_id=pk, outcome=FollowUpOutcome(form.cleaned_data["outcome"]), by=request.user
    ):
        messages.success(request, _("Follow-up call recorded."))
    else:
        messages.info(request, _("This call was recorded already."))
    return HttpResponseRedirect(reverse("coordination:dashboard") + "#offers")


# --- Hosts ----------------------------------------------------------------------------------


def _host_response(response):
    # The token is the key: never sent on to another site, never kept by a shared cache.
    # (Not "no-referrer": Chrome then sends "Origin: null" and the CSRF check refuses posts.)
    response["Referrer-Policy"] = "same-origin"
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex"
    return response


HOST_ACTIONS = ("minus", "plus", "pause", "resume", "stop", "arrived", "left")


@require_http_methods(["GET", "POST"])
def host_page(request, token: str):
    """The host's own page: free places tonight (-/+), pause or stop, who is coming, arrivals
    and departures. A wrong, revoked or expired link gets a page saying so, and nothing else."""
    try:
        link = services.host_link_check(token)
    except HostLinkInvalid as exc:
        response = render(
            request,
            "coordination/offers/host_invalid.html",
            {"error": exc, "coordination_phone": settings.COORDINATION_PHONE},
            status=404,
        )
        return _host_response(response)
    if request.method == "POST":
        _host_act(request, link, request.POST.get("action", ""))
        return _host_response(redirect("host", token=token))
    services.host_link_opened(link)
    view = selectors.host_view(link.offer)
    if view.space is None:
        raise Http404
    return _host_response(
        render(
            request,
            "coordination/offers/host_page.html",
            {"view": view, "shelter": view.space.shelter, "token": token, "now": timezone.now()},
        )
    )


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _host_act(request, link, action: str) -> None:
    try:
        if action in ("minus", "plus"):
            space = services.host_free_change(link=link, step=1 if action == "plus" else -1)
            messages.success(request, _("Saved: %(n)d free tonight.") % {"n": max(space.free, 0)})
        elif action in ("pause", "resume"):
            services.host_pause(link=link, pause=action == "pause")
            messages.success(
                request,
                _("Paused: nobody new is sent to you.")
                if action == "pause"
                else _("You take guests again."),
            )
        elif action == "stop":
            services.host_stop(link=link)
            messages.success(request, _("Thank you for hosting. Your place is closed."))
        elif action == "arrived" and _int(request.POST.get("hold")):
            services.host_arrival(link=link, hold_id=_int(request.POST["hold"]))
            messages.success(request, _("Arrival confirmed. Thank you."))
        elif action == "left" and _int(request.POST.get("stay")):
            services.host_departure(link=link, stay_id=_int(request.POST["stay"]))
            messages.success(request, _("Departure confirmed."))
        else:
            messages.error(request, _("Choose one of the buttons."))
    except PlacesBelowTaken:
        messages.error(request, _("No free place left to take away: the others are your guests'."))
    except ShelterError as exc:
        messages.error(request, exc.message)
