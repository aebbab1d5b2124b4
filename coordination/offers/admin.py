"""Admin for offers from residents: read-only. Checks and decisions go through the
coordinators' pages (/dashboard/offers/), whose services audit them; the admin only lists."""

from django.contrib import admin

from shelter.admin import ReadOnly

from .models import FollowUpCall, HostLinkUse, HostOffer


@admin.register(HostOffer)
class HostOfferAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["code", "status", "kind", "places", "district", "created_at", "visited_at"]
    list_filter = ["status", "kind", "district"]
    search_fields = ["code"]
    list_select_related = ["shelter"]
    exclude = ["phone_key"]


@admin.register(HostLinkUse)
class HostLinkUseAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "action", "link"]
    list_filter = ["action"]
    list_select_related = ["link__offer"]


@admin.register(FollowUpCall)
class FollowUpCallAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["stay", "outcome", "called_at", "called_by"]
    list_select_related = ["stay__household", "stay__space__shelter", "called_by"]
