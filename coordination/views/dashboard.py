"""The coordinators' dashboard: the city at a glance, a shelter's panel, actions and exports.

Coordinators only (permission shelter.coordinate): anonymous users are sent to the login
page, everyone else gets 403. Every action and every export is audited.
"""

import itertools
from datetime import timedelta
from functools import wraps
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shelter import services as shelter_services
from shelter.access import is_coordinator
from shelter.forms import StatusActionForm
from shelter.models import Shelter, ShelterMembership
from shelter.redirects import redirect_next
from shelter.spreadsheets import csv_lines
from shelter.views import apply_status_action

from .. import public
from ..dashboard import exports, selectors, services
from ..dashboard.forms import HouseholdExportForm, MemberAssignForm
from ..offers.selectors import dashboard_offers

SHELTERS_PER_PAGE = 50


def coordinator_required(view):
    @login_required
    @wraps(view)
    def check(request, *args, **kwargs):
        if not is_coordinator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return check


@coordinator_required
def dashboard(request):
    data = selectors.dashboard(request.GET, user=request.user)
    # The most urgent first: a page of them answers "what now" and keeps the page quick.
    page = Paginator(data.shelters, SHELTERS_PER_PAGE).get_page(request.GET.get("page"))
    filters = urlencode(data.filters.as_dict())
    return render(
        request,
        "coordination/dashboard/dashboard.html",
        {
            "data": data,
            "page": page,
            "page_query": f"&{filters}" if filters else "",
            "kinds": Shelter.Kind.choices,
            "statuses": Shelter.Status.choices,
            "arrivals_url": _arrivals_today_url(data.now),
            "export_query": f"?{filters}" if filters else "",
            "open_alerts": data.open_alerts,
            "open_alerts_count": data.open_alerts_count,
            "offers": dashboard_offers(now=data.now),
        },
    )


def _arrivals_today_url(now) -> str:
    """The admin's households registered today (its date filter's own "Today" parameters)."""
    midnight = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    query = {
        "created_at__gte": str(midnight),
        "created_at__lt": str(timezone.localtime(midnight + timedelta(days=1))),
    }
    return reverse("admin:coordination_household_changelist") + _query(query)


def _query(params: dict) -> str:
    return ("?" + urlencode(params)) if params else ""


@coordinator_required
def dashboard_shelter(request, pk: int):
    """One shelter for a coordinator: figures, charts, status actions, assignments, audit."""
    try:
        panel = selectors.shelter_panel(pk, now=timezone.now())
    except Shelter.DoesNotExist as exc:
        raise Http404 from exc
    return render(
        request,
        "coordination/dashboard/shelter.html",
        {**vars(panel), "member_form": MemberAssignForm()},
    )


def _back(request, shelter_id: int):
    """To the page the action was sent from (the dashboard or the shelter's panel)."""
    return redirect_next(request, reverse("coordination:dashboard_shelter", args=[shelter_id]))


@coordinator_required
@require_POST
def dashboard_shelter_status(request, pk: int):
    get_object_or_404(Shelter, pk=pk)
    form = StatusActionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose open, mark full, standby or close."))
        return _back(request, pk)
    apply_status_action(request, pk, form.cleaned_data["action"])
    return _back(request, pk)


@coordinator_required
@require_POST
def dashboard_member_assign(request, pk: int):
    shelter = get_object_or_404(Shelter, pk=pk)
    form = MemberAssignForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, " ".join(errors))
        return _back(request, pk)
    role = form.cleaned_data["role"]
    shelter_services.shelter_member_assign(
        shelter_id=shelter.pk, user=form.user, role=role, by=request.user
    )
    messages.success(
        request,
        _("%(user)s works at %(shelter)s as %(role)s.")
        % {
            "user": form.user.get_username(),
            "shelter": shelter.name,
            "role": ShelterMembership.Role(role).label,
        },
    )
    return _back(request, pk)


@coordinator_required
@require_POST
def dashboard_member_remove(request, pk: int):
    membership = get_object_or_404(ShelterMembership.objects.select_related("user"), pk=pk)
    shelter_id = membership.shelter_id
    if shelter_services.shelter_member_remove(membership_id=pk, by=request.user):
        messages.success(
            request,
            _("%(user)s no longer works at this shelter.")
            % {"user": membership.user.get_username()},
        )
    return _back(request, shelter_id)


# Excel on Windows reads a CSV as the local code page unless it starts with a byte-order mark:
# the coordinators' files open with Cyrillic names readable. The HXL file goes without one,
# byte for byte the public file, for the tools that read it.
EXCEL_BOM = "\ufeff"


def _csv_response(
    lines, filename: str, *, stream: bool = False, for_excel: bool = True
) -> HttpResponse:
    response_class = StreamingHttpResponse if stream else HttpResponse
    lines = itertools.chain([EXCEL_BOM] if for_excel else [], lines)
    body = lines if stream else "".join(lines)
    response = response_class(body, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@coordinator_required
def export_shelters(request):
    """Shelters with their occupancy now, as in the dashboard's table (no personal data)."""
    city = selectors.city_shelters(request.GET, now=timezone.now())
    shelters = city.table()
    services.export_record(
        by=request.user, export="shelters.csv", filters=city.filters.as_dict(), rows=len(shelters)
    )
    return _csv_response(csv_lines(exports.shelter_rows(shelters)), "shelters.csv")


@coordinator_required
def export_shelters_hxl(request):
    """The public HXL export with the dashboard's filters (no personal data)."""
    snapshot = public.snapshot()
    cities = sorted({s.city for s in snapshot.shelters})
    filters = selectors.DashboardFilters.from_query(request.GET, cities)
    rows = list(exports.shelter_hxl_rows(snapshot, filters))
    services.export_record(
        by=request.user, export="shelters-hxl.csv", filters=filters.as_dict(), rows=len(rows) - 2
    )
    return _csv_response(csv_lines(rows), "shelters-hxl.csv", for_excel=False)


@coordinator_required
def export_history(request):
    """Places and people hour by hour over the last week, as in the city's chart."""
    now = timezone.now()
    city = selectors.city_shelters(request.GET, now=now)
    points = city.history(now)
    services.export_record(
        by=request.user, export="occupancy.csv", filters=city.filters.as_dict(), rows=len(points)
    )
    return _csv_response(csv_lines(exports.history_rows(points)), "occupancy.csv")


@coordinator_required
def export_households(request):
    """Households with names and phones: a warning to confirm first, then the file (POST)."""
    form = HouseholdExportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        status = form.cleaned_data["status"]
        rows = exports.households(status)
        services.export_record(
            by=request.user,
            export="households.csv",
            filters={"status": status, "personal_data": "confirmed"},
            rows=rows.count(),
        )
        filename = f"households-{status}-{timezone.localdate():%Y-%m-%d}.csv"
        return _csv_response(csv_lines(exports.household_rows(rows)), filename, stream=True)
    return render(
        request,
        "coordination/dashboard/export_households.html",
        {"form": form, "dashboard_url": reverse("coordination:dashboard")},
    )
