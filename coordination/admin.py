"""Admin for arrivals. Phones are masked in lists; counts are never edited here.

Also the admin site itself: its titles, and an index that leads to the dashboard. Meals have
their own admin (meals/admin.py).
"""

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import StreamingHttpResponse
from django.urls import reverse_lazy
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_celery_beat import admin as beat_admin
from django_celery_beat.models import PeriodicTask

from shelter.access import is_coordinator
from shelter.admin import ReadOnly
from shelter.spreadsheets import csv_lines

from .accounts import admin as accounts_admin  # noqa: F401  (a user's language)
from .alerts import admin as alerts_admin  # noqa: F401  (registers the alert models)
from .asks import admin as asks_admin  # noqa: F401  (online requests, read-only)
from .dashboard import exports
from .dashboard.services import export_record
from .lockouts import admin as lockouts_admin  # noqa: F401  (coordinators unlock logins)
from .meals import admin as meals_admin  # noqa: F401  (offers, claims, providers)
from .models import Hold, Household, Stay
from .offers import admin as offers_admin  # noqa: F401  (offers from residents, read-only)
from .offline import admin as offline_admin  # noqa: F401  (submissions applied once)

admin.site.site_header = _("Shelter coordination")
admin.site.site_title = _("Shelter coordination admin")
admin.site.index_title = _("Administration")
admin.site.site_url = reverse_lazy("coordination:dashboard")  # "View site": the dashboard
admin.site.index_template = "admin/coordination_index.html"


class TaskNameFilter(admin.AllValuesFieldListFilter):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.title = _("Task name")  # the field's own name is not marked for translation


class PeriodicTaskAdmin(beat_admin.PeriodicTaskAdmin):
    """django-celery-beat's page, with the labels it leaves untranslatable translated."""

    list_display = ["name", "enabled", "schedule", "start_time", "last_run_at", "one_off"]
    list_filter = ["enabled", "one_off", ("task", TaskNameFilter), "start_time", "last_run_at"]

    @admin.display(description=_("Schedule"))
    def schedule(self, task: PeriodicTask) -> str:
        return str(task.scheduler)  # the interval, crontab, solar or clocked schedule

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "task" in form.base_fields:
            form.base_fields["task"].label = _("Task name")
        return form


admin.site.unregister(PeriodicTask)
admin.site.register(PeriodicTask, PeriodicTaskAdmin)


class StayInline(admin.TabularInline):
    model = Stay
    extra = 0
    fields = ["space", "people", "checked_in_at", "checked_in_by", "checked_out_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Household)
class HouseholdAdmin(admin.ModelAdmin):
    list_display = [
        "__str__",
        "contact_name",
        "phone_masked",
        "size",
        "children",
        "status",
        "waiting_since",
    ]
    list_filter = [
        "status",
        "created_at",
        "women_children_only",
        "has_infant",
        "has_pets",
        "needs_wheelchair",
        "needs_medical",
    ]
    search_fields = ["contact_name", "phone"]
    list_select_related = ["registered_at"]
    autocomplete_fields = ["registered_at"]  # hundreds of shelters: no select of them all
    readonly_fields = [
        "status",
        "registered_by",
        "created_at",
        "waiting_since",
        "left_at",
        "anonymised_at",
    ]
    inlines = [StayInline]
    actions = ["export_csv"]
    ordering = ["-created_at"]  # newest first, on an index (the model's order sorts them all)
    show_full_result_count = False

    @admin.display(description=_("phone"))
    def phone_masked(self, household: Household) -> str:
        return household.masked_phone

    @admin.action(description=_("Export the selected households (CSV, personal data)"))
    def export_csv(self, request, queryset):
        """Coordinators only, audited: the same file as the dashboard's households export."""
        if not is_coordinator(request.user):
            raise PermissionDenied
        ids = list(queryset.values_list("pk", flat=True))
        rows = exports.households("all").filter(pk__in=ids)
        export_record(
            by=request.user,
            export="households.csv",
            filters={"selected_in_admin": len(ids)},
            rows=len(ids),
        )
        response = StreamingHttpResponse(
            csv_lines(exports.household_rows(rows)), content_type="text/csv; charset=utf-8"
        )
        filename = f"households-selected-{timezone.localdate():%Y-%m-%d}.csv"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        response["Cache-Control"] = "no-store"
        return response


@admin.register(Stay)
class StayAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["household", "space", "people", "checked_in_at", "checked_out_at"]
    list_filter = ["checked_out_at"]
    list_select_related = ["household", "space__shelter"]
    search_fields = ["space__shelter__name", "space__name"]


@admin.register(Hold)
class HoldAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["household", "space", "places", "status", "expires_at"]
    list_filter = ["status", "expires_at"]
    list_select_related = ["household", "space__shelter"]
    search_fields = ["space__shelter__name", "space__name"]
