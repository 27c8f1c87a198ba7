from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import LogAdmin, ReadOnlyInline

from core.models import Department

from .models import Category, CoHandling, Demand, DemandAttachment, DemandEvent, SlaPolicy, SupervisionOrder


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


class CoHandlingInline(ReadOnlyInline):
    """Read-only like the events: departments are added, answered and removed through the demand page's actions."""

    model = CoHandling
    fields = ["department", "state", "due_at", "opinion", "answered_by", "answered_at", "withdrawn_at"]
    readonly_fields = fields


class PublicNumberSearch:
    """Search by the public number (BZ-2026-004213); the tracking code is neither shown nor searchable here."""

    public_no_path = "demand"

    def get_search_results(self, request, queryset, search_term):
        from .selectors import public_no_q

        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        q = public_no_q(search_term)
        if q is not None:
            prefix = f"{self.public_no_path}__" if self.public_no_path else ""
            results |= queryset.filter(**{f"{prefix}{k}": v for k, v in q.children})
        return results, may_have_duplicates


@admin.register(Demand)
class DemandAdmin(PublicNumberSearch, admin.ModelAdmin):
    """Workflow fields are read-only here: state changes go through the workbench and its services."""

    list_display = ["public_no", "status", "type", "category", "township", "channel", "created_at"]
    list_filter = ["status", "type", "channel", "urgency", "township", "flagged"]
    search_fields = ["content", "external_id"]
    public_no_path = ""
    date_hierarchy = "created_at"
    list_select_related = ["category__parent", "township"]
    raw_id_fields = ["category", "township", "community", "grid", "submitted_by"]
    readonly_fields = [
        "public_no", "status", "unit_grid", "unit_department", "unit_deputy", "accepted_by", "at_district_centre",
        "return_count", "rework_count", "dissatisfied_count", "flagged", "merged_into", "dispatched_at",
        "accept_deadline", "resolve_deadline", "extension_used", "extension_requested_days", "accepted_at",
        "resolved_at", "resolved_by_grid", "outcome", "reply", "verified_at", "rating", "rating_comment", "rated_at",
        "closed_at", "created_at", "updated_at",
    ]
    # Both are the resident's credentials.
    exclude = ["rating_token", "tracking_code"]
    inlines = [EventInline, AttachmentInline, CoHandlingInline]

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("demand number"), ordering="pk")
    def public_no(self, obj):
        return obj.public_no


@admin.register(DemandEvent)
class DemandEventAdmin(PublicNumberSearch, LogAdmin):
    list_display = ["demand", "action", "from_status", "to_status", "actor_label", "created_at"]
    list_filter = ["action", "actor_kind"]
    search_fields = ["actor_label"]
    list_select_related = ["demand"]


@admin.register(CoHandling)
class CoHandlingAdmin(PublicNumberSearch, LogAdmin):
    """Joint handling requests across demands (协办), e.g. the departments whose opinions are late; changed only by
    the demand services."""

    list_display = ["demand", "department", "state", "due_at", "answered_at"]
    list_filter = ["state", "department"]
    list_select_related = ["demand", "department"]


@admin.register(SupervisionOrder)
class SupervisionOrderAdmin(admin.ModelAdmin):
    list_display = ["demand", "source", "due_date", "answered_at", "created_at"]
    list_filter = ["source"]
    raw_id_fields = ["demand", "created_by", "answered_by"]
    readonly_fields = ["created_at"]


@admin.register(DemandAttachment)
class DemandAttachmentAdmin(PublicNumberSearch, admin.ModelAdmin):
    list_display = ["original_name", "demand", "purpose", "content_type", "size", "created_at"]
    list_filter = ["purpose", "content_type"]
    search_fields = ["original_name"]
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
