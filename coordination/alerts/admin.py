"""Admin for alerts: rules are tuned here, subscriptions and webhooks set up; alerts and
deliveries are read (and acknowledged or retried), never edited by hand.

The beat schedule (django-celery-beat's "Periodic tasks") has its own admin pages.
"""

from django.contrib import admin, messages
from django.db.models import Count
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from . import delivery, services
from .models import (
    Alert,
    AlertDelivery,
    AlertRule,
    ShelterAlertThreshold,
)
from .recipients import AlertSubscription, MorningSummary, Webhook


@admin.register(AlertRule)
class AlertRuleAdmin(admin.ModelAdmin):
    """One row per kind, made by a migration: switched and tuned here, never added or removed."""

    list_display = ["kind", "enabled", "level", "threshold", "reset", "help"]
    list_editable = ["enabled", "level", "threshold", "reset"]
    fields = ["kind", "enabled", "level", "threshold", "reset", "help"]
    readonly_fields = ["kind", "help"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ShelterAlertThreshold)
class ShelterAlertThresholdAdmin(admin.ModelAdmin):
    list_display = ["shelter", "nearly_full_percent", "room_again_percent"]
    list_select_related = ["shelter"]
    autocomplete_fields = ["shelter"]
    search_fields = ["shelter__name"]


class DeliveryInline(admin.TabularInline):
    model = AlertDelivery
    extra = 0
    fields = ["channel", "recipient", "status", "attempts", "last_error", "delivered_at"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "level",
        "kind",
        "city",
        "shelter",
        "text",
        "cleared_at",
        "acknowledged_at",
        "acknowledged_by",
    ]
    list_filter = [
        "kind",
        "level",
        "city",
        "created_at",
        "cleared_at",
        "acknowledged_at",
        ("grouped_into", admin.EmptyFieldListFilter),
    ]
    list_select_related = ["shelter", "acknowledged_by"]
    search_fields = ["message", "shelter__name"]  # the text in the site's language
    date_hierarchy = "created_at"
    readonly_fields = ["text", *(f.name for f in Alert._meta.fields)]
    inlines = [DeliveryInline]
    actions = ["acknowledge"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("message"))
    def text(self, alert) -> str:
        return alert.text  # in the reader's language

    @admin.action(description=_("Acknowledge the chosen alerts"))
    def acknowledge(self, request, queryset):
        done = sum(
            services.alert_acknowledge(alert_id=pk, by=request.user)
            for pk in queryset.values_list("pk", flat=True)
        )
        self.message_user(
            request, ngettext("%d alert acknowledged.", "%d alerts acknowledged.", done) % done
        )


@admin.register(AlertDelivery)
class AlertDeliveryAdmin(admin.ModelAdmin):
    list_display = [
        "created_at",
        "alert",
        "channel",
        "recipient",
        "status",
        "attempts",
        "last_error",
        "delivered_at",
    ]
    list_filter = ["status", "channel", "created_at"]
    list_select_related = ["alert"]
    search_fields = ["recipient"]
    readonly_fields = [f.name for f in AlertDelivery._meta.fields]
    actions = ["retry"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.action(description=_("Retry the chosen failed deliveries"))
    def retry(self, request, queryset):
        queued = delivery.deliveries_retry(delivery_ids=list(queryset.values_list("pk", flat=True)))
        self.message_user(request, _("%(n)d deliveries queued again.") % {"n": queued})


@admin.register(AlertSubscription)
class AlertSubscriptionAdmin(admin.ModelAdmin):
    list_display = ["user", "channel", "city", "shelter_count"]
    list_filter = ["channel", "city"]
    list_select_related = ["user"]
    autocomplete_fields = ["user", "shelters"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(shelter_total=Count("shelters"))

    @admin.display(description=_("shelters"), ordering="shelter_total")
    def shelter_count(self, subscription) -> str:
        return str(subscription.shelter_total or _("all of the city"))


@admin.register(Webhook)
class WebhookAdmin(admin.ModelAdmin):
    list_display = ["name", "url", "city", "is_active"]
    list_filter = ["is_active", "city"]
    autocomplete_fields = ["shelters"]
    fields = ["name", "url", "secret", "city", "shelters", "is_active"]

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "url":
            kwargs["assume_scheme"] = "https"
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        if not change:
            messages.info(request, _("Give the secret to the receiver: it verifies the signature."))


@admin.register(MorningSummary)
class MorningSummaryAdmin(admin.ModelAdmin):
    list_display = ["day", "recipient", "sent_at"]
    list_filter = ["day"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
