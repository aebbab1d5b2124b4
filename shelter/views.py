"""Pages for volunteers and shelter managers: my shelters, bed counts, shelter editing."""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import access, sections, selectors, services
from .errors import AlreadySubmitted, ShelterError
from .forms import (
    ShelterForm,
    SpaceFormSet,
    StatusActionForm,
    SubmissionForm,
    apply_step,
    bed_count_forms,
    status_done_message,
)
from .models import Shelter, StatusAction
from .replies import form_errors, json_answer, wants_json


@login_required
def shelter_mine(request):
    shelters = selectors.shelters_for_user(request.user)
    return render(
        request,
        "shelter/shelter_mine.html",
        {"shelters": shelters, "can_register": access.can_register_shelter(request.user)},
    )


def _shelter_for(request, pk: int, allowed) -> Shelter:
    try:
        shelter = selectors.shelter_with_spaces(pk, member=request.user)
    except Shelter.DoesNotExist:
        shelter = get_object_or_404(Shelter, pk=pk)  # raises 404 with the usual page
    if not allowed(request.user, shelter):
        raise PermissionDenied
    return shelter


@login_required
def shelter_detail(request, pk: int):
    """The shelter page: the quick bed-count form (one row per space) and recent history."""
    shelter = _shelter_for(request, pk, access.can_log_beds)
    spaces = list(shelter.spaces.all())
    submission = uuid.uuid4()
    if request.method != "POST":
        forms = bed_count_forms(spaces)
    elif "step" in request.POST:  # a +/- button pressed without JavaScript: adjust, don't save
        forms = bed_count_forms(spaces, apply_step(request.POST, request.POST["step"]))
        submission = request.POST.get("submission", submission)
    else:
        forms = bed_count_forms(spaces, request.POST)
        token = SubmissionForm(request.POST)
        valid = token.is_valid() and forms and all(form.is_valid() for form in forms)
        saved = valid and _save_counts(request, shelter, forms, token.cleaned_data["submission"])
        if wants_json(request):  # a count kept offline and sent now (static/js/offline.js)
            errors = [e for form in forms for e in form_errors(form, f"{form.space.name}, ")]
            return json_answer(request, ok=bool(saved), errors=form_errors(token) + errors)
        if saved:
            return redirect("shelter:detail", pk=shelter.pk)
        if token.errors:  # the rows' own errors are shown by each row
            messages.error(request, SubmissionForm.OUT_OF_DATE)
    return render(
        request,
        "shelter/shelter_detail.html",
        {
            "shelter": shelter,
            "forms": forms,
            "submission": submission,
            "events": selectors.shelter_recent_events(shelter.pk),
            "sections": sections.sections_for(request, shelter),
            **_history(shelter),
            "can_manage": access.can_manage(request.user, shelter),
        },
    )


def _history(shelter: Shelter) -> dict:
    """The shelter's places and people over the last day and week, for the charts."""
    week = selectors.occupancy_history(
        now=timezone.now(),
        places_now=shelter.total_places,
        occupied_now=shelter.total_occupied,
        shelter_id=shelter.pk,
    )
    return {"history_week": week, "history_day": selectors.last_hours(week, 24)}


def _save_counts(request, shelter, forms, submission) -> bool:
    """Save all rows or none; put a refusal next to its field. True when saved."""
    try:
        events = services.shelter_count(
            shelter_id=shelter.pk,
            counts=[form.to_count() for form in forms],
            by=request.user,
            submission=submission,
        )
    except AlreadySubmitted as exc:
        messages.info(request, exc.message)
        return True
    except ShelterError as exc:
        form = next((f for f in forms if f.space.pk == exc.space_id), None)
        if form is None:
            messages.error(request, exc.message)
        else:
            form.add_error(exc.field, exc.message)
        return False
    summary, merged = _count_summary(forms, events)
    # A row someone else changed meanwhile is a warning: the figure is not the one typed.
    (messages.warning if merged else messages.success)(request, summary)
    return True


def _count_summary(forms, events) -> tuple[str, bool]:
    """What the save changed, row by row; and whether a row ended other than typed (another
    volunteer's change to it, saved since the page was opened, was kept too: the form sends
    the difference from what was seen)."""
    lines = []
    merged = False
    for form, event in zip(forms, events, strict=True):
        data = form.cleaned_data
        if not form.changes():
            continue
        if (event.after, event.places) != (data["occupied"], data["places"]):
            merged = True
            lines.append(
                _(
                    "%(space)s: you entered %(entered)d occupied of %(entered_places)d places, "
                    "but another volunteer changed it since you opened the page: it is now "
                    "%(after)d of %(places)d. Count again if that is not right."
                )
                % {
                    "space": form.space.name,
                    "entered": data["occupied"],
                    "entered_places": data["places"],
                    "after": event.after,
                    "places": event.places,
                }
            )
            continue
        # Only what changed: "occupied 41 → 41" would read as a change that did nothing.
        places = {"before": data["seen_places"], "after": event.places}
        if event.after == data["seen_occupied"]:
            line = _("%(space)s: places %(before)d → %(after)d") % {
                "space": form.space.name,
                **places,
            }
        else:
            line = _("%(space)s: occupied %(before)d → %(after)d") % {
                "space": form.space.name,
                "before": data["seen_occupied"],
                "after": event.after,
            }
            if event.places != data["seen_places"]:
                line += ", " + _("places %(before)d → %(after)d") % places
        lines.append(line)
    if not lines:
        return _("Counts confirmed, nothing changed."), False
    return _("Saved.") + " " + "; ".join(lines), merged


@login_required
def shelter_create(request):
    if not access.can_register_shelter(request.user):
        raise PermissionDenied
    return _shelter_edit_page(request, Shelter())


@login_required
def shelter_edit(request, pk: int):
    return _shelter_edit_page(request, _shelter_for(request, pk, access.can_manage))


def _shelter_edit_page(request, shelter: Shelter):
    form = ShelterForm(request.POST or None, instance=shelter)
    formset = SpaceFormSet(request.POST or None, instance=shelter, prefix="spaces")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        try:
            _save_shelter(request, form, formset)
        except ShelterError as exc:
            _attach_space_error(form, formset, exc)
        else:
            messages.success(request, _("%(shelter)s saved.") % {"shelter": form.instance.name})
            return redirect("shelter:detail", pk=form.instance.pk)
    return render(request, "shelter/shelter_form.html", {"form": form, "formset": formset})


def _save_shelter(request, form, formset) -> None:
    """The shelter and all its space rows in one transaction: nothing half-saved."""
    with transaction.atomic():
        if form.instance.pk is None:
            services.shelter_create(shelter=form.save(commit=False), by=request.user)
        else:
            form.save()
        spaces = formset.save(commit=False)
        for space in formset.deleted_objects:
            services.space_delete(space_id=space.pk)
        changed = {space.pk: fields for space, fields in formset.changed_objects}
        for space in spaces:
            space.shelter = form.instance
            fields = changed.get(space.pk, []) if space.pk else []
            services.space_save(space=space, fields=fields, by=request.user)


def _attach_space_error(form, formset, exc: ShelterError) -> None:
    """Put a refusal from the database (a race the form could not foresee) at its field."""
    if form.instance.pk and not Shelter.objects.filter(pk=form.instance.pk).exists():
        form.instance.pk = None  # its creation was rolled back: still a new shelter
    for space_form in formset.forms:
        same_space = (
            space_form.instance.pk == exc.space_id
            if exc.space_id
            else (space_form.cleaned_data.get("name") == exc.space_name)
        )
        if same_space and exc.field in space_form.fields:
            space_form.add_error(exc.field, exc.message)
            return
    form.add_error(None, exc.message)


@login_required
@require_POST
def shelter_set_status(request, pk: int):
    """Open, mark full, standby or close: managers of the shelter and coordinators."""
    shelter = _shelter_for(request, pk, access.can_manage)
    form = StatusActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose open, mark full, standby or close."))
        return redirect("shelter:detail", pk=pk)
    apply_status_action(request, shelter.pk, form.cleaned_data["action"])
    return redirect("shelter:detail", pk=pk)


def apply_status_action(request, shelter_id: int, action: str) -> None:
    """Run a status action and say what it did, or why it was refused (shared with the
    coordinators' panel)."""
    action = StatusAction(action)
    try:
        shelter = services.shelter_status_action(
            shelter_id=shelter_id, action=action, by=request.user
        )
    except ShelterError as exc:
        messages.error(request, exc.message)
        return
    people = services.shelter_people(shelter_id) if action == StatusAction.STANDBY else 0
    messages.success(request, status_done_message(shelter, action=action, people=people))
