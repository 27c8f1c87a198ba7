from django.contrib import admin

from core.admin import LogAdmin

from .models import (AnnualReport, AnnualReportEvent, ConstituentContact, ContactLink, Deputy, DeputyGroup, DutyRecord,
                     GroupActivity, Reception, ReportRating, ScoreRule, Station, Term)


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["name", "starts_on", "ends_on"]


@admin.register(Deputy)
class DeputyAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "township", "constituency", "is_standing_member", "is_active"]
    list_filter = ["level", "township", "is_active"]
    search_fields = ["code", "name", "constituency"]
    autocomplete_fields = ["grids"]


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "township", "reception_weekdays", "reception_monthdays", "convener",
                    "is_active"]
    list_filter = ["kind", "township", "is_active"]
    search_fields = ["code", "name", "address"]
    autocomplete_fields = ["members", "convener"]
    raw_id_fields = ["community"]


@admin.register(Reception)
class ReceptionAdmin(admin.ModelAdmin):
    list_display = ["station", "held_on", "visitor_count"]
    list_filter = ["station__township"]
    date_hierarchy = "held_on"
    autocomplete_fields = ["deputies"]
    raw_id_fields = ["station", "demands", "recorded_by"]


@admin.register(DutyRecord)
class DutyRecordAdmin(admin.ModelAdmin):
    list_display = ["deputy", "kind", "occurred_on", "title", "source"]
    list_filter = ["kind", "source"]
    date_hierarchy = "occurred_on"
    search_fields = ["title", "deputy__name", "deputy__code"]
    raw_id_fields = ["deputy", "recorded_by"]
    # Entries the system wrote from a source are evidence; only hand-written ones may be edited.
    readonly_fields = ["source", "source_id"]


@admin.register(ScoreRule)
class ScoreRuleAdmin(admin.ModelAdmin):
    """The 履职积分 rule: the people's congress office edits it here; it is published at /deputy-score-rule/."""

    list_display = ["item", "points", "yearly_cap"]
    list_editable = ["points", "yearly_cap"]


@admin.register(AnnualReport)
class AnnualReportAdmin(admin.ModelAdmin):
    list_display = ["deputy", "year", "status", "published_at"]
    list_filter = ["status", "year"]
    raw_id_fields = ["deputy"]
    # The lifecycle moves through its services (the staff pages), not through this form.
    readonly_fields = ["status", "published_at"]

    def has_add_permission(self, request):
        return False  # a deputy writes their own, and the service records it in the report's history

    def get_readonly_fields(self, request, obj=None):
        # Once published the text is what residents rated (docs/lifecycles.md): not even the admin rewrites it.
        if obj is not None and obj.status != AnnualReport.Status.DRAFT:
            return ["deputy", "year", "body", "status", "published_at", "created_at", "updated_at"]
        return self.readonly_fields


@admin.register(ContactLink)
class ContactLinkAdmin(admin.ModelAdmin):
    """两个联系: which standing-committee member keeps in touch with which grassroots deputy."""

    list_display = ["member", "deputy", "since"]
    autocomplete_fields = ["member", "deputy"]


@admin.register(DeputyGroup)
class DeputyGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "township", "sector", "leader", "is_active"]
    list_filter = ["kind", "township", "is_active"]
    search_fields = ["name"]
    autocomplete_fields = ["members", "leader"]


@admin.register(GroupActivity)
class GroupActivityAdmin(admin.ModelAdmin):
    """Logged on the group's page, where members present get their duty records; here only read."""

    list_display = ["group", "held_on", "kind", "title"]
    list_filter = ["kind", "group"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


# Written by the services only (a report's history, residents' ratings, contact counts): read here, never edited.
@admin.register(AnnualReportEvent)
class AnnualReportEventAdmin(LogAdmin):
    list_display = ["report", "action", "from_status", "to_status", "created_at"]


@admin.register(ReportRating)
class ReportRatingAdmin(LogAdmin):
    list_display = ["report", "verdict", "created_at"]
    exclude = ["voter"]  # a digest of address and browser: of no use to read, and not to be copied around


@admin.register(ConstituentContact)
class ConstituentContactAdmin(LogAdmin):
    list_display = ["deputy", "grid", "households"]
