"""Admin for meal providers and their members, offers and claims.

Claimed portions are never edited here; cancelling goes through the service, which releases
the claims and tells their shelters.
"""

from django.contrib import admin, messages
from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from shelter.admin import ReadOnly
from shelter.errors import ShelterError

from . import services
from .models import MealClaim, MealOffer, MealProvider, MealProviderMember


def _count_of(model, field: str):
    """Rows of `model` pointing at the provider, one subquery each (no join of members with
    offers, which would multiply them)."""
    rows = (
        model.objects.filter(**{field: OuterRef("pk")})
        .order_by()
        .values(field)
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(rows[:1], output_field=IntegerField()), 0)


class MealProviderMemberInline(admin.TabularInline):
    model = MealProviderMember
    extra = 1
    fields = ["user", "created_at"]
    readonly_fields = ["created_at"]
    autocomplete_fields = ["user"]


@admin.register(MealProvider)
class MealProviderAdmin(admin.ModelAdmin):
    list_display = ["name", "city", "phone", "members_count", "offers_count"]
    list_filter = ["city"]
    search_fields = ["name"]
    fields = ["name", "city", "phone", "created_at"]
    readonly_fields = ["created_at"]
    inlines = [MealProviderMemberInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                members_count=_count_of(MealProviderMember, "provider"),
                offers_count=_count_of(MealOffer, "provider"),
            )
        )

    @admin.display(description=_("members"), ordering="members_count")
    def members_count(self, provider: MealProvider) -> int:
        return provider.members_count

    @admin.display(description=_("offers"), ordering="offers_count")
    def offers_count(self, provider: MealProvider) -> int:
        return provider.offers_count


@admin.register(MealProviderMember)
class MealProviderMemberAdmin(admin.ModelAdmin):
    """Who posts for which provider; usually edited on the provider's page."""

    list_display = ["user", "provider", "created_at"]
    list_select_related = ["user", "provider"]
    search_fields = ["user__username", "provider__name"]
    autocomplete_fields = ["user", "provider"]


class MealClaimInline(admin.TabularInline):
    model = MealClaim
    extra = 0
    fields = ["shelter", "portions", "claimed_by", "claimed_at", "released_at", "offer_cancelled"]
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
        "cancelled_at",
    ]
    list_filter = [
        "date",
        "city",
        ("cancelled_at", admin.EmptyFieldListFilter),
        "hot_meal",
        "vegetarian",
        "halal",
        "for_children",
        "delivery",
    ]
    search_fields = ["provider__name", "address", "shelter__name"]
    list_select_related = ["provider", "shelter"]
    readonly_fields = [
        "claimed",
        "created_by",
        "created_at",
        "updated_at",
        "cancelled_at",
        "cancelled_by",
    ]
    autocomplete_fields = ["provider", "shelter"]
    inlines = [MealClaimInline]
    actions = ["cancel_offers"]

    @admin.action(description=_("Cancel the selected offers (their shelters are told)"))
    def cancel_offers(self, request, queryset):
        cancelled = 0
        for offer_id in queryset.order_by("pk").values_list("pk", flat=True):
            try:
                services.meal_offer_cancel(offer_id=offer_id, by=request.user)
            except ShelterError as exc:
                self.message_user(request, exc.message, messages.WARNING)
            else:
                cancelled += 1
        if cancelled:
            self.message_user(
                request,
                ngettext("%(n)d offer cancelled.", "%(n)d offers cancelled.", cancelled)
                % {"n": cancelled},
                messages.SUCCESS,
            )


@admin.register(MealClaim)
class MealClaimAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["offer", "shelter", "portions", "claimed_at", "released_at", "offer_cancelled"]
    list_filter = ["claimed_at", "offer_cancelled", "shelter__city"]
    list_select_related = ["offer__provider", "shelter"]
    search_fields = ["shelter__name", "offer__provider__name"]
