from django.contrib import admin

from core.admin import LogAdmin, ReadOnlyInline

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


from .models import CallbackAttempt, CallbackDelivery  # noqa: E402  (appended with the callback models)


class CallbackAttemptInline(ReadOnlyInline):
    model = CallbackAttempt
    fields = readonly_fields = ["attempted_at", "http_status", "error", "duration_ms"]




@admin.register(CallbackDelivery)
class CallbackDeliveryAdmin(LogAdmin):
    """A log of what integration clients were told: readable, never edited."""

    list_display = ["created_at", "integration", "demand", "status", "attempts", "next_attempt_at", "delivered_at"]
    list_filter = ["status", "integration"]
    search_fields = ["demand__external_id"]
    date_hierarchy = "created_at"
    list_select_related = ["integration", "demand"]
    fields = readonly_fields = ["integration", "demand", "event", "status", "attempts", "next_attempt_at",
                                "created_at", "delivered_at", "payload"]
    inlines = [CallbackAttemptInline]



