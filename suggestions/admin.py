from django.contrib import admin

from core.admin import LogAdmin, ReadOnlyInline

from .models import (
    Assignment, CoHandlingOpinion, Evaluation, FollowUp, ProposerContact, Reply, Suggestion, SuggestionEvent,
    NumberCounter, SuggestionProposer,
)


class ProposerInline(admin.TabularInline):
    model = SuggestionProposer
    extra = 0
    raw_id_fields = ["deputy"]


class EventInline(ReadOnlyInline):
    model = SuggestionEvent
    fields = ["created_at", "action", "from_status", "to_status", "actor_label", "note"]
    readonly_fields = fields


@admin.register(Suggestion)
class SuggestionAdmin(admin.ModelAdmin):
    """Workflow fields are read-only here: state changes go through the suggestion pages and their services."""

    list_display = ["code", "title", "year", "status", "result", "created_at"]
    list_filter = ["status", "year", "result"]
    search_fields = ["code", "title", "content"]
    raw_id_fields = ["category", "created_by", "demands"]
    readonly_fields = ["code", "year", "seq", "status", "result", "created_at", "updated_at", "submitted_at",
                       "evaluated_at", "closed_at"]
    inlines = [ProposerInline, EventInline]

    def has_add_permission(self, request):
        return False


@admin.register(SuggestionProposer)
class SuggestionProposerAdmin(admin.ModelAdmin):
    list_display = ["suggestion", "deputy", "is_lead"]
    list_filter = ["is_lead"]
    raw_id_fields = ["suggestion", "deputy"]


@admin.register(Assignment)
class AssignmentAdmin(admin.ModelAdmin):
    list_display = ["suggestion", "lead_department", "is_key", "reply_due", "assigned_at"]
    list_filter = ["is_key", "lead_department"]
    raw_id_fields = ["suggestion", "assigned_by"]
    filter_horizontal = ["co_departments"]


@admin.register(Reply)
class ReplyAdmin(admin.ModelAdmin):
    list_display = ["suggestion", "department", "reply_class", "replied_at"]
    list_filter = ["reply_class", "department"]
    raw_id_fields = ["suggestion", "replied_by"]


@admin.register(CoHandlingOpinion)
class CoHandlingOpinionAdmin(admin.ModelAdmin):
    list_display = ["suggestion", "department", "created_at"]
    raw_id_fields = ["suggestion", "written_by"]


@admin.register(Evaluation)
class EvaluationAdmin(admin.ModelAdmin):
    list_display = ["suggestion", "deputy", "is_lead", "rating", "created_at"]
    list_filter = ["rating", "is_lead"]
    raw_id_fields = ["suggestion", "deputy"]


@admin.register(FollowUp)
class FollowUpAdmin(admin.ModelAdmin):
    list_display = ["suggestion", "year", "department", "resolved", "created_at"]
    list_filter = ["year", "resolved"]
    raw_id_fields = ["suggestion", "written_by"]


@admin.register(ProposerContact)
class ProposerContactAdmin(admin.ModelAdmin):
    list_display = ["suggestion", "stage", "held_on", "form", "department"]
    list_filter = ["stage", "form"]
    raw_id_fields = ["suggestion", "written_by"]


@admin.register(SuggestionEvent)
class SuggestionEventAdmin(LogAdmin):
    list_display = ["suggestion", "action", "from_status", "to_status", "actor_label", "created_at"]
    list_filter = ["action"]
    search_fields = ["suggestion__code", "suggestion__title"]
    list_select_related = ["suggestion"]


@admin.register(NumberCounter)
class NumberCounterAdmin(admin.ModelAdmin):
    list_display = ["year", "kind", "last"]

    def has_change_permission(self, request, obj=None):
        return False  # numbers already given must never be given again
