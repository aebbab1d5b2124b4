from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .models import OccupancyEvent, Shelter, ShelterMembership, Space


class SpaceInline(admin.TabularInline):
    model = Space
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
    list_display = ["name", "kind", "city", "status", "free_of_places", "updated_at"]
    list_filter = ["kind", "status", "city"]
    search_fields = ["name", "address"]
    inlines = [SpaceInline, MembershipInline]
    readonly_fields = ["created_at", "updated_at"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_counts()

    @admin.display(description=_("free / places"), ordering="total_free")
    def free_of_places(self, shelter: Shelter) -> str:
        return f"{shelter.total_free} / {shelter.total_places}"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows that change only through services (which keep counts right): read, never edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(OccupancyEvent)
class OccupancyEventAdmin(ReadOnlyAdmin):
    """The history is evidence: it can be read and filtered, never edited or deleted."""

    list_display = ["at", "shelter", "space", "reason", "before", "after", "places", "by"]
    list_filter = ["reason", "shelter__city", "at"]
    list_select_related = ["shelter", "space", "by"]
    search_fields = ["shelter__name", "space__name"]
    date_hierarchy = "at"
    show_full_result_count = False
