"""The user's language: on the user's own admin page (Django's, one inline more) and a list."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import UserProfile


class UserProfileInline(admin.StackedInline):
    model = UserProfile
    can_delete = False
    fields = ["language"]
    extra = 1
    max_num = 1


User = get_user_model()
BaseUserAdmin = type(admin.site._registry[User]) if admin.site.is_registered(User) else UserAdmin


class UserWithLanguageAdmin(BaseUserAdmin):
    inlines = [*BaseUserAdmin.inlines, UserProfileInline]


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, UserWithLanguageAdmin)


@admin.register(UserProfile)
class UserProfileAdmin(admin.ModelAdmin):
    """Every user's language at a glance (also on each user's own page)."""

    list_display = ["user", "language", "updated_at"]
    list_filter = ["language"]
    list_select_related = ["user"]
    search_fields = ["user__username"]
    autocomplete_fields = ["user"]
