"""Admin for shelters, spaces, assignments, the occupancy history and the audit log.

Changes go through the services here too (status actions, space edits, assignments), so the
history, the audit log and the rules are the same as on the site. Lists stay fast with large
data: sums annotated in one query, related rows selected, autocomplete for big foreign keys.
"""

from django.contrib import admin, messages
from django.db import transaction
from django.http import HttpResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from . import services
from .errors import ShelterError
from .forms import SpaceForm
from .models import (
    AuditAction,
    AuditEntry,
    OccupancyEvent,
    OccupancyOutbox,
    Shelter,
    ShelterMembership,
    Space,
)
from .spreadsheets import csv_lines


class SpaceInline(admin.TabularInline):
    model = Space
    form = SpaceForm  # the same checks as the shelter page (places cover the people in it)
    extra = 0
    fields = ["name", "places", "blocked", "occupied", "held", "floor_area_m2", "counted_at"]
    # Counts change only through the occupancy service (and its history), never by hand here.
    readonly_fields = ["occupied", "held", "counted_at"]


class MembershipInline(admin.TabularInline):
    model = ShelterMembership
    extra = 0
    autocomplete_fields = ["user"]


@admin.register(Shelter)
class ShelterAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "kind",
        "city",
        "status",
        "marked_full",
        "free_of_places",
        "occupied",
        "updated_at",
    ]
    list_filter = ["status", "marked_full", "kind", "city"]
    search_fields = ["name", "address", "city", "district"]
    inlines = [SpaceInline, MembershipInline]
    # Status changes only through the actions (services: refused with people inside, audited).
    readonly_fields = ["status", "marked_full", "history", "created_at", "updated_at"]
    actions = ["open_shelters", "close_shelters", "mark_full", "export_csv"]

    def get_queryset(self, request):
        # The sums group the rows, and a grouped query drops Meta.ordering: the admin's
        # autocomplete would page an unordered list.
        return super().get_queryset(request).with_counts().order_by("name", "pk")

    @admin.display(description=_("free / places"), ordering="total_free")
    def free_of_places(self, shelter: Shelter) -> str:
        return f"{shelter.total_free} / {shelter.total_places}"

    @admin.display(description=_("occupied"), ordering="total_occupied")
    def occupied(self, shelter: Shelter) -> int:
        return shelter.total_occupied

    @admin.display(description=_("history"))
    def history(self, shelter: Shelter) -> str:
        if not shelter.pk:
            return "-"
        return format_html(
            '<a href="{}?shelter__id__exact={}">{}</a> · <a href="{}?shelter__id__exact={}">{}</a>'
            ' · <a href="{}">{}</a>',
            reverse("admin:shelter_occupancyevent_changelist"),
            shelter.pk,
            _("occupancy history"),
            reverse("admin:shelter_auditentry_changelist"),
            shelter.pk,
            _("audit log"),
            reverse("coordination:dashboard_shelter", args=[shelter.pk]),
            _("on the dashboard"),
        )

    def save_formset(self, request, form, formset, change):
        """Spaces and assignments through their services: history and audit log stay whole."""
        if formset.model is Space:
            with transaction.atomic():
                spaces = formset.save(commit=False)
                for space in formset.deleted_objects:
                    services.space_delete(space_id=space.pk)
                changed = {space.pk: fields for space, fields in formset.changed_objects}
                for space in spaces:
                    fields = changed.get(space.pk, []) if space.pk else []
                    services.space_save(space=space, fields=fields, by=request.user)
        elif formset.model is ShelterMembership:
            memberships = formset.save(commit=False)
            changed = {m.pk: fields for m, fields in formset.changed_objects}
            for membership in formset.deleted_objects:
                services.shelter_member_remove(membership_id=membership.pk, by=request.user)
            for membership in memberships:
                if "user" in changed.get(membership.pk, []):  # another person on this row
                    services.shelter_member_remove(membership_id=membership.pk, by=request.user)
                services.shelter_member_assign(
                    shelter_id=form.instance.pk,
                    user=membership.user,
                    role=membership.role,
                    by=request.user,
                )
        else:  # pragma: no cover  (no other inline)
            super().save_formset(request, form, formset, change)

    def _set_status(self, request, queryset, act, done: str) -> None:
        changed = 0
        for shelter_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                act(shelter_id)
            except ShelterError as exc:
                self.message_user(request, exc.message, messages.ERROR)
            else:
                changed += 1
        if changed:
            self.message_user(request, done % {"n": changed}, messages.SUCCESS)

    @admin.action(description=_("Open the selected shelters"), permissions=["change"])
    def open_shelters(self, request, queryset):
        self._set_status(
            request,
            queryset,
            lambda pk: services.shelter_set_status(
                shelter_id=pk, status=Shelter.Status.OPEN, by=request.user
            ),
            _("%(n)d shelters opened."),
        )

    @admin.action(description=_("Close the selected shelters"), permissions=["change"])
    def close_shelters(self, request, queryset):
        self._set_status(
            request,
            queryset,
            lambda pk: services.shelter_set_status(
                shelter_id=pk, status=Shelter.Status.CLOSED, by=request.user
            ),
            _("%(n)d shelters closed."),
        )

    @admin.action(description=_("Mark the selected shelters full"), permissions=["change"])
    def mark_full(self, request, queryset):
        self._set_status(
            request,
            queryset,
            lambda pk: services.shelter_mark_full(shelter_id=pk, by=request.user),
            _("%(n)d shelters marked full."),
        )

    @admin.action(description=_("Export the selected shelters (CSV)"), permissions=["view"])
    def export_csv(self, request, queryset):
        """Figures of the selected shelters; no personal data. Audited like the dashboard's."""
        rows = list(queryset.order_by("name", "pk"))
        services.audit_record(
            action=AuditAction.EXPORT,
            by=request.user,
            what=f"admin shelters.csv ids={','.join(str(s.pk) for s in rows)[:200]}: "
            f"{len(rows)} rows",
            details={"export": "admin-shelters.csv", "ids": [s.pk for s in rows]},
        )
        header = ["id", "name", "kind", "status", "city", "places", "occupied", "free"]
        lines = csv_lines(
            [header, *(self._export_row(shelter) for shelter in rows)],
        )
        response = HttpResponse("".join(lines), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="shelters.csv"'
        return response

    @staticmethod
    def _export_row(s: Shelter) -> list:
        free = 0 if s.marked_full else max(s.total_free, 0)
        return [s.pk, s.name, s.kind, s.status, s.city, s.total_places, s.total_occupied, free]


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    form = SpaceForm
    list_display = [
        "name",
        "shelter",
        "places",
        "blocked",
        "held",
        "occupied",
        "free",
        "counted_at",
        "counted_by",
    ]
    list_filter = ["shelter__city", "shelter__kind", "shelter__status"]
    list_select_related = ["shelter", "counted_by"]
    search_fields = ["name", "shelter__name"]
    autocomplete_fields = ["shelter"]
    fields = ["shelter", "name", "places", "blocked", "floor_area_m2"]
    readonly_fields = ["occupied", "held", "counted_at", "counted_by"]
    show_full_result_count = False

    @admin.display(description=_("free"))
    def free(self, space: Space) -> int:
        return space.free

    def get_fields(self, request, obj=None):
        return self.fields + (self.readonly_fields if obj else [])

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, "shelter"] if obj else []

    def save_model(self, request, obj, form, change):
        services.space_save(space=obj, fields=form.changed_data if change else [], by=request.user)

    def delete_model(self, request, obj):
        services.space_delete(space_id=obj.pk)

    def delete_queryset(self, request, queryset):
        for space_id in queryset.values_list("pk", flat=True):
            services.space_delete(space_id=space_id)


@admin.register(ShelterMembership)
class ShelterMembershipAdmin(admin.ModelAdmin):
    """Who works where. Assignments go through the service, so each one is audited."""

    list_display = ["user", "shelter", "role", "created_at"]
    list_filter = ["role", "shelter__city"]
    list_select_related = ["user", "shelter"]
    search_fields = ["user__username", "shelter__name"]
    autocomplete_fields = ["user", "shelter"]

    def save_model(self, request, obj, form, change):
        if change and {"user", "shelter"} & set(form.changed_data):
            services.shelter_member_remove(membership_id=obj.pk, by=request.user)
        membership = services.shelter_member_assign(
            shelter_id=obj.shelter_id, user=obj.user, role=obj.role, by=request.user
        )
        obj.pk = membership.pk

    def delete_model(self, request, obj):
        services.shelter_member_remove(membership_id=obj.pk, by=request.user)

    def delete_queryset(self, request, queryset):
        for membership_id in queryset.values_list("pk", flat=True):
            services.shelter_member_remove(membership_id=membership_id, by=request.user)


class ReadOnly:
    """Rows that change only through services (which keep counts right): read, never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OccupancyEvent)
class OccupancyEventAdmin(ReadOnly, admin.ModelAdmin):
    """The history is evidence: it can be read and filtered, never edited or deleted.

    Millions of rows: no date hierarchy (its SELECT DISTINCT reads them all) and no text
    search; filter by a shelter from its admin page instead ("occupancy history").
    """

    list_display = [
        "at",
        "shelter",
        "space",
        "reason",
        "before",
        "after",
        "places_before",
        "places",
        "by",
    ]
    list_filter = ["reason", "at", "shelter__city"]
    list_select_related = ["shelter", "space__shelter", "by"]  # a space's name shows its shelter
    show_full_result_count = False


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "action", "what", "by", "shelter", "subject"]
    list_filter = ["action", "at"]
    list_select_related = ["by", "shelter", "subject"]
    search_fields = ["what", "by__username"]
    show_full_result_count = False

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "title": _("Audit log: who did what, when")}
        return super().changelist_view(request, extra_context)


@admin.register(OccupancyOutbox)
class OccupancyOutboxAdmin(ReadOnly, admin.ModelAdmin):
    """Changes waiting for the alert rules: normally empty within seconds.

    Rows older than a minute or two mean no worker is running (see /readyz).
    """

    list_display = ["created_at", "shelter", "taken", "places", "takes_people"]
    list_select_related = ["shelter"]
    show_full_result_count = False
