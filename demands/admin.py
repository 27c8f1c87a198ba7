from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from portal.admin import LogAdmin, ReadOnlyInline

from .models import Category, Demand, DemandAttachment, DemandEvent, Department, SlaPolicy, SupervisionOrder


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "parent", "sort", "is_active"]
    list_filter = ["parent", "is_active"]
    search_fields = ["code", "name"]


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "short_name", "is_active"]
    search_fields = ["code", "name"]
    filter_horizontal = ["categories"]


@admin.register(SlaPolicy)
class SlaPolicyAdmin(admin.ModelAdmin):
    list_display = ["type", "urgency", "accept_within", "accept_unit", "resolve_within", "resolve_unit", "auto_verify"]
    list_editable = ["accept_within", "accept_unit", "resolve_within", "resolve_unit", "auto_verify"]


class EventInline(ReadOnlyInline):
    model = DemandEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor_label", "note", "public"]
    readonly_fields = fields


class AttachmentInline(ReadOnlyInline):
    model = DemandAttachment
    fields = ["purpose", "original_name", "content_type", "size", "width", "height"]
    readonly_fields = fields


@admin.register(Demand)
class DemandAdmin(admin.ModelAdmin):
    """Workflow fields are read-only here: state changes go through the workbench and its services."""

    list_display = ["tracking_code", "status", "type", "category", "township", "channel", "created_at"]
    list_filter = ["status", "type", "channel", "urgency", "township", "flagged"]
    search_fields = ["tracking_code", "content", "external_id"]
    date_hierarchy = "created_at"
    list_select_related = ["category__parent", "township"]
    raw_id_fields = ["category", "township", "community", "grid", "submitted_by"]
    readonly_fields = [
        "tracking_code", "status", "unit_grid", "unit_department", "unit_deputy", "accepted_by", "at_district_centre",
        "return_count", "rework_count", "dissatisfied_count", "flagged", "merged_into", "dispatched_at",
        "accept_deadline", "resolve_deadline", "extension_used", "extension_requested_days", "accepted_at",
        "resolved_at", "resolved_by_grid", "outcome", "reply", "verified_at", "rating", "rating_comment", "rated_at",
        "closed_at", "created_at", "updated_at",
    ]
    exclude = ["rating_token"]
    inlines = [EventInline, AttachmentInline]

    def has_add_permission(self, request):
        return False


@admin.register(DemandEvent)
class DemandEventAdmin(LogAdmin):
    list_display = ["demand", "action", "from_status", "to_status", "actor_label", "created_at"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["demand__tracking_code"]
    list_select_related = ["demand"]


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(admin.ModelAdmin):
    list_display = ["demand", "source", "due_date", "answered_at", "created_at"]
    list_filter = ["source"]
    raw_id_fields = ["demand", "created_by", "answered_by"]
    readonly_fields = ["created_at"]


@admin.register(DemandAttachment)
class DemandAttachmentAdmin(admin.ModelAdmin):
    list_display = ["original_name", "demand", "purpose", "content_type", "size", "created_at"]
    list_filter = ["purpose", "content_type"]
    search_fields = ["demand__tracking_code", "original_name"]
    raw_id_fields = ["demand", "event"]
    # Files come in only through demands.uploads (decoded, re-encoded) and go out only through the checked view.
    exclude = ["file"]
    readonly_fields = ["photo", "token", "extension", "content_type", "size", "width", "height", "created_at"]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("photo"))
    def photo(self, attachment):
        from .photos import photo_url

        return format_html('<a href="{}">{}</a>', photo_url(attachment), attachment.original_name)
