"""Applied submissions: read only, for tracing a change the phone says it sent."""

from django.contrib import admin

from shelter.admin import ReadOnly

from .models import AppliedSubmission


@admin.register(AppliedSubmission)
class AppliedSubmissionAdmin(ReadOnly, admin.ModelAdmin):
    list_display = ["id", "action", "by", "at"]
    list_filter = ["action"]
    list_select_related = ["by"]
    search_fields = ["id"]
    date_hierarchy = "at"
