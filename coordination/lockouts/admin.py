"""Admin -> Access attempts (django-axes' own page) for coordinators, with an audited Unlock.

Axes registers the page for superusers; coordinators need it on the worst night too. Deleting
rows there would unlock without a trace, so delete is replaced by the "Unlock" action, which
goes through the same audited service as the dashboard's button.
"""

from axes.admin import AccessAttemptAdmin
from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from shelter.access import is_coordinator

from . import services


class LockedLoginAdmin(AccessAttemptAdmin):
    actions = ["unlock_selected", "cleanup_expired_attempts"]

    def has_module_permission(self, request) -> bool:
        return is_coordinator(request.user) or super().has_module_permission(request)

    def has_view_permission(self, request, obj=None) -> bool:
        return is_coordinator(request.user) or super().has_view_permission(request, obj)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # unlock with the action: it is recorded in the audit log

    @admin.action(description=_("Unlock the selected logins"))
    def unlock_selected(self, request, queryset):
        if not is_coordinator(request.user):
            raise PermissionDenied
        pairs = sorted(set(queryset.values_list("username", "ip_address")), key=str)
        unlocked = sum(
            1
            for username, address in pairs
            if services.login_unlock(username=username or "", ip_address=address, by=request.user)
        )
        self.message_user(
            request,
            ngettext("%(n)d login unlocked.", "%(n)d logins unlocked.", unlocked) % {"n": unlocked},
        )

    # django-axes' "Clean up expired attempts" reads the attempt time from the request, which
    # only its login path sets: from the admin the action always failed with a server error.
    @admin.action(description=AccessAttemptAdmin.cleanup_expired_attempts.short_description)
    def cleanup_expired_attempts(self, request, queryset):
        AxesProxyHandler.update_request(request)
        return super().cleanup_expired_attempts(request, queryset)


if admin.site.is_registered(AccessAttempt):
    admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, LockedLoginAdmin)
