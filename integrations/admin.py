from django.contrib import admin

from .models import ApiToken, Integration


@admin.register(Integration)
class IntegrationAdmin(admin.ModelAdmin):
    list_display = ["name", "callback_url", "is_active", "created_at"]
    filter_horizontal = ["townships"]
    exclude = ["callback_secret"]
    readonly_fields = ["user", "created_at"]


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "prefix", "user", "created_at", "last_used_at", "revoked_at"]
    readonly_fields = ["prefix", "key_hash", "user", "created_at", "last_used_at"]
    search_fields = ["name", "prefix", "user__username"]
