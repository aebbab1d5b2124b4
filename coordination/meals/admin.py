"""Admin for meal offers and claims. Claimed portions are never edited here."""

from django.contrib import admin

from shelter.admin import ReadOnly

from .models import MealClaim, MealOffer


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
class MealClaimAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["offer", "shelter", "portions", "claimed_at", "released_at"]
    list_filter = ["claimed_at", "shelter__city"]
    list_select_related = ["offer", "shelter"]
    search_fields = ["shelter__name", "offer__provider"]
