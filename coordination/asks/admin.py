"""Admin: online requests, read-only (they change through their household and the services);
never the token's hash."""

from django.contrib import admin

from shelter.admin import ReadOnly

from .models import Ask


@admin.register(Ask)
class AskAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["code", "household", "where_now", "created_at", "cancelled_at", "closed_at"]
    list_filter = ["where_now"]
    list_select_related = ["household"]
    search_fields = ["code"]
    exclude = ["token_hash"]
