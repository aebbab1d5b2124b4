"""Pages for arrivals: register a household, find it a place, hold, check in, out and move."""

import logging
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from shelter.access import is_coordinator, member_shelter_ids
from shelter.errors import ShelterError, SpaceFull
from shelter.models import Shelter, Space
from shelter.redirects import redirect_next
from shelter.replies import json_answer, wants_json
from shelter.sections import Section
from shelter.selectors import shelters_to_choose

from .. import access
from ..errors import AlreadyCheckedIn, HoldLimitReached, NotCheckedIn
from ..kit.views import hold_slip_link
from ..models import Hold, Household, Stay
from ..offline.models import SubmissionAction
from ..offline.services import AlreadyApplied, applied_once, submission_from
from . import places, selectors, services
from .forms import HouseholdForm, SpaceChoiceForm, WaitingFilterForm

# Who looked at whose personal data: one line per access, ids only.
audit = logging.getLogger("coordination.audit")


def _household_for(request, pk: int) -> Household:
    household = get_object_or_404(Household, pk=pk)
    if not access.can_see_household(request.user, household):
        raise PermissionDenied
    return household


@login_required
def household_register(request):
    if not access.can_register_households(request.user):
        raise PermissionDenied
    shelters = shelters_to_choose(request.user)
    form = HouseholdForm(
        request.POST or None, shelters=shelters, initial=_arrival_point(request, shelters)
    )
    duplicates = None
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if not data["register_anyway"]:
            duplicates = selectors.household_duplicates_for(
                request.user,
                contact_name=data["contact_name"],
                phone=data["phone"],
                size=data["size"],
            )
        if not duplicates:
            household = services.household_register(
                household=form.save(commit=False), by=request.user
            )
            messages.success(request, _("Registered. Now find them a place."))
            return redirect("coordination:find_place", pk=household.pk)
        form.data = form.data.copy()
        form.data["register_anyway"] = "on"  # a second submit registers anyway
    return render(
        request, "coordination/household_register.html", {"form": form, "duplicates": duplicates}
    )


def _arrival_point(request, shelters) -> dict:
    """ "Register an arrival here" on a shelter's page: that shelter, if one of the user's."""
    here = WaitingFilterForm(request.GET).fitting()  # "²" or past bigint: none, never a 500
    if here is not None and shelters.filter(pk=here.pk).exists():
        return {"registered_at": here.pk}
    return {}


@login_required
def household_find_place(request, pk: int):
    household = _household_for(request, pk)
    return _find_place_page(request, household)


def _find_place_page(request, household: Household, status: int = 200):
    options = places.places_for_household(household) if household.status == "waiting" else []
    allowed = member_shelter_ids(request.user)
    for option in options:
        option.can_check_in = allowed is None or option.space.shelter_id in allowed
    return render(
        request,
        "coordination/household_find_place.html",
        {
            "household": household,
            "active_hold": selectors.household_active_hold(household.pk),
            "options": options,
            "fresh_options": [o for o in options if not o.stale],
            "stale_options": [o for o in options if o.stale],
            "stale_hours": settings.SHELTER_STALE_AFTER_HOURS,
        },
        status=status,
    )


def _answer(request, response, *, ok: bool):
    """The page's answer (a response, or a function making it: a page not rendered for
    nothing); JSON for a change kept offline and sent now (static/js/offline.js)."""
    if wants_json(request):
        return json_answer(request, ok=ok)
    return response() if callable(response) else response


def _once(request, action: str):
    """The form's submission applied at most once (coordination.offline.services)."""
    return applied_once(
        submission=submission_from(request.POST.get("submission")), action=action, by=request.user
    )


def _chosen_space(request) -> Space | None:
    """The space the form chose; None (with a message for the page) when it chose none."""
    form = SpaceChoiceForm(request.POST, spaces=Space.objects.select_related("shelter"))
    if form.is_valid():
        return form.cleaned_data["space"]
    messages.error(request, _("Choose one of the listed spaces."))
    return None


@login_required
@require_POST
def household_hold(request, pk: int):
    household = get_object_or_404(Household, pk=pk)
    visible = access.can_see_household(request.user, household)
    space = _chosen_space(request)
    if not visible and (space is None or not access.can_hold_for(request.user, household, space)):
        raise PermissionDenied
    if space is None:
        return _answer(request, redirect("coordination:find_place", pk=pk), ok=False)
    try:
        # From the city's waiting list (not theirs to see): never over someone else's hold.
        with _once(request, SubmissionAction.HOLD):
            hold = services.hold_create(
                household_id=household.pk, space_id=space.pk, by=request.user, replace=visible
            )
    except AlreadyApplied as exc:
        messages.info(request, exc.message)
        return _answer(request, redirect("coordination:household", pk=pk), ok=True)
    except ShelterError as exc:
        if wants_json(request):
            messages.error(request, exc.message)
            return json_answer(request, ok=False)
        return _hold_refused(request, household, exc, visible=visible)
    messages.success(
        request,
        _("%(n)d places held at %(space)s until %(time)s. Give them the address: %(address)s.")
        % {
            "n": hold.places,
            "space": space,
            "time": timezone.localtime(hold.expires_at).strftime("%H:%M"),
            "address": space.shelter.address,
        },
    )
    return _answer(request, redirect("coordination:household", pk=pk), ok=True)


def _hold_refused(request, household: Household, exc: ShelterError, *, visible: bool):
    """Say why; where the household is the user's to see, with the next best places."""
    if visible and isinstance(exc, SpaceFull):
        messages.error(request, exc.message + " " + _("Here are the next best places."))
        return _find_place_page(request, household, status=409)
    messages.error(request, exc.message)
    if not visible:  # taken from the city's waiting list: back to it
        return redirect("coordination:waiting")
    if isinstance(exc, HoldLimitReached):  # on the page with the hold buttons
        return _find_place_page(request, household, status=409)
    return redirect("coordination:household", pk=household.pk)


@login_required
@require_POST
def household_check_in(request, pk: int):
    household = _household_for(request, pk)
    space = _chosen_space(request)
    if space is None:
        return _answer(request, redirect("coordination:household", pk=pk), ok=False)
    if not access.can_check_in_at(request.user, space.shelter):
        raise PermissionDenied
    # Back to the page the form came from (the shelter's "They arrived"), this site only.
    back = redirect_next(request, reverse("coordination:household", args=[pk]))
    try:
        with _once(request, SubmissionAction.CHECK_IN):
            services.stay_check_in(household_id=household.pk, space_id=space.pk, by=request.user)
    except AlreadyApplied as exc:
        messages.info(request, exc.message)  # a retried submit: nothing happened twice
        return _answer(request, back, ok=True)
    except AlreadyCheckedIn as exc:  # here by another's hand, or elsewhere: the phone says so
        messages.info(request, exc.message)
        return _answer(request, back, ok=False)
    except SpaceFull as exc:
        messages.error(request, exc.message + " " + _("Here are the next best places."))
        return _answer(request, lambda: _find_place_page(request, household, status=409), ok=False)
    except ShelterError as exc:
        messages.error(request, exc.message)
        return _answer(request, back, ok=False)
    # Named: with several families on their way, the volunteer sees it was the right one.
    messages.success(
        request,
        _("%(household)s checked in at %(space)s.")
        % {"household": f"{household.contact_name} {household.code}", "space": space},
    )
    return _answer(request, back, ok=True)


@login_required
def household_detail(request, pk: int):
    household = _household_for(request, pk)
    audit.info("user %s viewed household %s", request.user.pk, household.pk)
    household = selectors.household_detail(household.pk)
    open_stay = next((s for s in household.stays.all() if s.is_open), None)
    active_hold = next((h for h in household.holds.all() if h.status == "active"), None)
    can_act = open_stay and access.can_check_in_at(request.user, open_stay.space.shelter)
    move_spaces = places.spaces_for_move(request.user, open_stay) if can_act else None
    return render(
        request,
        "coordination/household_detail.html",
        {
            "household": household,
            "open_stay": open_stay,
            "active_hold": active_hold,
            "can_act_on_stay": can_act,
            "can_check_in_hold": active_hold
            and access.can_check_in_at(request.user, active_hold.space.shelter),
            "slip_link": hold_slip_link(active_hold) if active_hold else "",
            "move_form": (
                SpaceChoiceForm(spaces=move_spaces) if can_act and move_spaces.exists() else None
            ),
        },
    )


def _stay_for(request, pk: int) -> Stay:
    stay = get_object_or_404(Stay.objects.select_related("space__shelter", "household"), pk=pk)
    if not access.can_check_in_at(request.user, stay.space.shelter):
        raise PermissionDenied
    return stay


@login_required
@require_http_methods(["GET", "POST"])
def stay_check_out(request, pk: int):
    """GET asks "did they leave?" (a page: no JavaScript needed); POST checks them out."""
    stay = _stay_for(request, pk)
    if request.method == "GET":
        if not stay.is_open:  # no longer theirs to see: nothing to ask
            messages.info(request, NotCheckedIn().message)
            return redirect("shelter:detail", pk=stay.space.shelter_id)
        return render(
            request,
            "coordination/stay_check_out.html",
            {"stay": stay, "undo_minutes": settings.CHECK_OUT_UNDO_MINUTES},
        )
    try:
        with _once(request, SubmissionAction.CHECK_OUT):
            services.stay_check_out(stay_id=stay.pk, by=request.user)
    except ShelterError as exc:  # left already (or this very form was applied): no change
        messages.info(request, exc.message)
    else:
        messages.success(
            request, _("Checked out: %(n)d places are free again.") % {"n": stay.people}
        )
    # Once they left, their details are no longer this shelter's to see: back to the shelter,
    # whose page lists the check-out with its "Undo" button for CHECK_OUT_UNDO_MINUTES.
    return _answer(request, redirect("shelter:detail", pk=stay.space.shelter_id), ok=True)


@login_required
@require_POST
def stay_check_out_undo(request, pk: int):
    stay = _stay_for(request, pk)
    try:
        services.stay_check_out_undo(stay_id=stay.pk, by=request.user)
    except SpaceFull as exc:
        messages.error(
            request,
            _("The check-out cannot be undone: the places were taken meanwhile. %(why)s")
            % {"why": exc.message},
        )
    except ShelterError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request, _("Check-out undone: they are at %(space)s again.") % {"space": stay.space}
        )
        return redirect("coordination:household", pk=stay.household_id)
    return redirect("shelter:detail", pk=stay.space.shelter_id)


@login_required
@require_POST
def stay_move(request, pk: int):
    stay = _stay_for(request, pk)
    space = _chosen_space(request)
    if space is None:
        return redirect("coordination:household", pk=stay.household_id)
    if not access.can_check_in_at(request.user, space.shelter):
        raise PermissionDenied
    try:
        services.stay_move(stay_id=stay.pk, space_id=space.pk, by=request.user)
    except ShelterError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Moved to %(space)s.") % {"space": space})
    return redirect("coordination:household", pk=stay.household_id)


@login_required
@require_POST
def hold_release(request, pk: int):
    hold = get_object_or_404(Hold, pk=pk)
    _household_for(request, hold.household_id)
    try:
        services.hold_release(hold_id=hold.pk, by=request.user)
    except ShelterError as exc:
        messages.info(request, exc.message)
    else:
        messages.success(request, _("Hold released; the household is waiting again."))
    return redirect("coordination:household", pk=hold.household_id)


@login_required
def waiting_list(request):
    fitting = WaitingFilterForm(request.GET).fitting()
    search = selectors.household_search(request.GET.get("q", ""))
    data = selectors.waiting_list(
        request.user, fitting_shelter=fitting, search=search, page=request.GET.get("page")
    )
    kept = {key: request.GET[key] for key in ("q", "shelter") if request.GET.get(key)}
    # (id, name, free places) of each: a coordinator's select lists 500 shelters.
    shelters = list(
        shelters_to_choose(request.user).with_counts().values_list("pk", "name", "total_free")
    )
    return render(
        request,
        "coordination/waiting_list.html",
        {
            "data": data,
            "households": list(data.households),
            "page": data.households,
            "page_query": f"&{urlencode(kept)}" if kept else "",
            "fitting": fitting,
            "shelters": shelters,
            "can_register": access.can_register_households(request.user),
            # a meal provider, or a volunteer not assigned yet: say why the list is empty
            "unassigned": not shelters and not is_coordinator(request.user),
        },
    )


def shelter_arrivals_section(request, shelter: Shelter) -> Section | None:
    """The receiving shelter's page (shelter.sections): who is on the way, with "They
    arrived: check in"; check-outs to undo; "Register an arrival here"."""
    if not access.can_check_in_at(request.user, shelter):
        return None
    return Section(
        template="coordination/partials/shelter_arrivals.html",
        context={
            "arrivals": selectors.shelter_arrivals(
                shelter.pk, now=timezone.now(), held=shelter.total_held
            ),
            "can_register": access.can_register_households(request.user),
        },
    )
