"""Admin for hosts."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from accounts.forms import HostChangeForm, HostCreationForm
from accounts.models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    form = HostChangeForm
    add_form = HostCreationForm
    ordering = ["email"]
    list_display = ["email", "display_name", "handle", "timezone", "is_staff", "is_active"]
    list_filter = ["is_staff", "is_superuser", "is_active", "timezone"]
    search_fields = ["email", "display_name", "handle"]
    fieldsets = (
        (None, {"fields": ("email", "password")}),
        ("Public profile", {"fields": ("display_name", "handle", "timezone")}),
        (
            "Permissions",
            {"fields": ("is_active", "is_staff", "is_superuser", "groups", "user_permissions")},
        ),
        ("Dates", {"fields": ("last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("email", "password1", "password2")}),)
