"""Admin for offers from residents: read-only. Checks and decisions go through the
coordinators' pages (/dashboard/offers/), whose services audit them; the admin only lists."""

from django.contrib import admin

from shelter.admin import ReadOnly

from .models import FollowUpCall, HostLink, HostLinkUse, HostOffer


@admin.register(HostOffer)
class HostOfferAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["code", "status", "kind", "places", "district", "created_at", "visited_at"]
    list_filter = ["status", "kind", "district"]
    search_fields = ["code"]
    list_select_related = ["shelter"]
    exclude = ["phone_key"]


@admin.register(HostLink)
class HostLinkAdmin(ReadOnly, admin.ModelAdmin):
    """Links are issued and revoked on the offer's page; the hash is never shown."""

    list_display = ["offer", "created_at", "last_used_at", "revoked_at"]
    list_select_related = ["offer"]
    exclude = ["token_hash"]


@admin.register(HostLinkUse)
class HostLinkUseAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["at", "action", "link"]
    list_filter = ["action"]
    list_select_related = ["link__offer"]


@admin.register(FollowUpCall)
class FollowUpCallAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["stay", "outcome", "called_at", "called_by"]
    list_select_related = ["stay__household", "stay__space__shelter", "called_by"]
