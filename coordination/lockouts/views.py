"""The "locked" page at the login, and the coordinators' list of locked logins with Unlock.

The list is for coordinators only (permission shelter.coordinate): anonymous users are sent
to the login page, everyone else gets 403. Unlocking is a POST and is audited.
"""

from axes.helpers import get_client_username
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from shelter.access import is_coordinator

from . import selectors, services
from .forms import LoginUnlockForm


def locked_out(request, original_response=None, credentials=None):
    """django-axes' lockout response (AXES_LOCKOUT_CALLABLE): until when, and whom to call."""
    now = timezone.now()
    lock = selectors.login_lockout(
        username=get_client_username(request, credentials) or "",
        ip_address=getattr(request, "axes_ip_address", None),
        now=now,
    )
    response = render(
        request,
        "registration/locked_out.html",
        {
            "locked_until": lock.locked_until if lock else None,
            "phone": settings.COORDINATION_PHONE,
        },
        status=settings.AXES_HTTP_RESPONSE_CODE,
    )
    if lock:
        response["Retry-After"] = str(max(int((lock.locked_until - now).total_seconds()) + 1, 1))
    return response


@login_required
def logins_locked(request):
    if not is_coordinator(request.user):
        raise PermissionDenied
    search = request.GET.get("username", "").replace("\x00", "")[:150]
    locked, total = selectors.logins_locked(now=timezone.now(), username=search)
    return render(
        request,
        "coordination/dashboard/logins_locked.html",
        {"locked": locked, "total": total, "search": search},
    )


@login_required
@require_POST
def login_unlock(request):
    if not is_coordinator(request.user):
        raise PermissionDenied
    form = LoginUnlockForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a locked login from the list."))
        return redirect("coordination:logins_locked")
    username = form.cleaned_data["username"]
    address = form.cleaned_data["ip_address"] or None
    if services.login_unlock(username=username, ip_address=address, by=request.user):
        messages.success(
            request,
            _("%(user)s can log in again from %(address)s.")
            % {"user": username, "address": address or "?"},
        )
    else:
        messages.info(request, _("This login is not locked (any more): nothing to unlock."))
    return redirect("coordination:logins_locked")
