"""The login backend: Django's ModelBackend, reading permissions in one query."""

from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.db.models import Q


class OneQueryPermissionsBackend(ModelBackend):
    """ModelBackend whose `get_all_permissions` reads a user's own and their groups'
    permissions in one query instead of two. Every logged-in page asks at least one
    permission (the menu, the role checks), and Django's two queries were about a tenth of a
    small page's time. The same rules: nothing for an inactive or anonymous user or for an
    object, everything for a superuser, kept on the user object for the request."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            user_obj._perm_cache = self._read_all_permissions(user_obj)
        return user_obj._perm_cache

    def _read_all_permissions(self, user_obj) -> set[str]:
        if user_obj.is_superuser:
            permissions = Permission.objects.all()
        else:
            own = user_obj.user_permissions.through.objects.filter(user=user_obj)
            grouped = Group.permissions.through.objects.filter(group__user=user_obj)
            permissions = Permission.objects.filter(
                Q(pk__in=own.values("permission_id")) | Q(pk__in=grouped.values("permission_id"))
            )
        pairs = permissions.values_list("content_type__app_label", "codename").order_by()
        return {f"{app_label}.{codename}" for app_label, codename in pairs}
