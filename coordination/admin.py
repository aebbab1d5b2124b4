"""Admin for arrivals and meals. Phones are masked in lists; counts are never edited here."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from .alerts import admin as alerts_admin  # noqa: F401  (registers the alert models)
from .models import Hold, Household, MealClaim, MealOffer, Stay


class ReadOnlyAdmin(admin.ModelAdmin):
    """Holds, stays and claims change only through the services that keep counts right."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


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
        "women_children_only",
        "has_infant",
        "has_pets",
        "needs_wheelchair",
        "needs_medical",
    ]
    search_fields = ["contact_name", "phone"]
    list_select_related = ["registered_at"]
    readonly_fields = [
        "status",
        "registered_by",
        "created_at",
        "waiting_since",
        "left_at",
        "anonymised_at",
    ]
    inlines = [StayInline]

    @admin.display(description=_("phone"))
    def phone_masked(self, household: Household) -> str:
        return household.masked_phone


@admin.register(Stay)
class StayAdmin(ReadOnlyAdmin):
    list_display = ["household", "space", "people", "checked_in_at", "checked_out_at"]
    list_filter = ["checked_out_at"]
    list_select_related = ["household", "space__shelter"]
    search_fields = ["space__shelter__name", "space__name"]


@admin.register(Hold)
class HoldAdmin(ReadOnlyAdmin):
    list_display = ["household", "space", "places", "status", "expires_at"]
    list_filter = ["status"]
    list_select_related = ["household", "space__shelter"]


class MealClaimInline(admin.TabularInline):
    model = MealClaim
    extra = 0
    fields = ["shelter", "portions", "claimed_by", "claimed_at", "released_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(MealOffer)
class MealOfferAdmin(admin.ModelAdmin):
    list_display = [
        "provider",
        "date",
        "starts_at",
        "ends_at",
        "portions",
        "claimed",
        "shelter",
        "city",
    ]
    list_filter = ["date", "city", "hot_meal", "vegetarian", "halal", "for_children", "delivery"]
    search_fields = ["provider", "address", "shelter__name"]
    list_select_related = ["shelter"]
    readonly_fields = ["claimed", "created_by", "created_at", "updated_at"]
    autocomplete_fields = ["shelter"]
    inlines = [MealClaimInline]


@admin.register(MealClaim)
class MealClaimAdmin(ReadOnlyAdmin):
    list_display = ["offer", "shelter", "portions", "claimed_at", "released_at"]
    list_select_related = ["offer", "shelter"]
