"""The coordinators' alerts page: open alerts, newest first, each with an acknowledge button."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shelter.access import is_coordinator
from shelter.redirects import redirect_next

from . import selectors, services
from .models import Alert


@login_required
def alerts_open(request):
    if not is_coordinator(request.user):
        raise PermissionDenied
    alerts = selectors.alerts_open_for(request.user)
    return render(request, "coordination/alerts_open.html", {"alerts": alerts})


@login_required
@require_POST
def alert_acknowledge(request, pk: int):
    if not is_coordinator(request.user):
        raise PermissionDenied
    alert = get_object_or_404(Alert, pk=pk)
    if services.alert_acknowledge(alert_id=alert.pk, by=request.user):
        messages.success(request, _("Acknowledged: %(message)s") % {"message": alert.text})
    else:
        messages.info(request, _("Someone acknowledged this alert already."))
    # Back to the page it was sent from, e.g. the dashboard's alerts panel.
    return redirect_next(request, reverse("coordination:alerts"))
