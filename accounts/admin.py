from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


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
