from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import PhoneCode, User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    list_display = ["username", "display_name", "role", "township", "grid", "department", "deputy", "is_active"]
    list_filter = ["role", "is_active", "is_superuser", "township"]
    search_fields = ["username", "display_name", "phone"]
    raw_id_fields = ["grid", "micro_grid", "deputy"]
    fieldsets = BaseUserAdmin.fieldsets + (
        (_("Role and scope"), {"fields": ["role", "display_name", "phone", "township", "grid", "micro_grid", "department", "deputy"]}),
    )
    add_fieldsets = BaseUserAdmin.add_fieldsets + (
        (_("Role and scope"), {"fields": ["role", "display_name", "township", "grid", "micro_grid", "department", "deputy"]}),
    )


@admin.register(PhoneCode)
class PhoneCodeAdmin(admin.ModelAdmin):
    """SMS sign-in codes, to see whether a resident's code was sent, tried or spent. Only the digest is kept, and
    nobody edits one: a code is issued and spent by demands.phone_signin alone."""

    list_display = ["__str__", "expires_at", "attempts", "used_at"]
    fields = list_display[1:] + ["created_at"]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
