"""Admin for the ballot. Counters and voter records are read-only: no one edits a tally by hand, and counts stay
hidden here too until the voting window has closed."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from portal.admin import LogAdmin, ReadOnlyInline

from . import selectors
from .models import Candidate, Evaluation, Project, ProjectProgress, ProjectReport, Proposal, Round, VoterRecord


def _hidden_until_closed(round_, value):
    return value if round_ is not None and selectors.results_visible(round_) else _("hidden until voting closes")


@admin.register(Round)
class RoundAdmin(admin.ModelAdmin):
    list_display = ["year", "title", "seats", "status_label", "voting_opens_at", "voting_closes_at", "published_at"]
    readonly_fields = ["screened_at", "published_at", "published_by", "ballots_cast_shown", "blank_ballots_shown",
                       "created_at"]
    exclude = ["ballots_cast", "blank_ballots"]

    @admin.display(description=_("status"))
    def status_label(self, obj):
        return obj.get_status_display()

    @admin.display(description=_("ballots cast"))
    def ballots_cast_shown(self, obj):
        return _hidden_until_closed(obj, obj.ballots_cast) if obj.pk else 0

    @admin.display(description=_("blank ballots"))
    def blank_ballots_shown(self, obj):
        return _hidden_until_closed(obj, obj.blank_ballots) if obj.pk else 0


@admin.register(Proposal)
class ProposalAdmin(admin.ModelAdmin):
    list_display = ["title", "round", "source", "township", "status", "created_at"]
    list_filter = ["round", "source", "status", "township"]
    search_fields = ["title", "content"]
    raw_id_fields = ["deputy", "submitted_by"]
    readonly_fields = ["status", "created_at"]


@admin.register(Candidate)
class CandidateAdmin(admin.ModelAdmin):
    list_display = ["round", "number", "title", "department", "budget", "votes_shown"]
    list_filter = ["round", "department"]
    search_fields = ["title"]
    filter_horizontal = ["proposals"]
    exclude = ["votes"]

    @admin.display(description=_("votes"))
    def votes_shown(self, obj):
        return _hidden_until_closed(obj.round if obj.round_id else None, obj.votes)

    def get_readonly_fields(self, request, obj=None):
        fixed = obj is not None and obj.round.screened_at is not None
        # Once fixed, a candidate is what the deputies voted on.
        return ["round", "number", "title", "description", "budget", "department", "proposals",
                "votes_shown"] if fixed else ["votes_shown"]

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.round.screened_at is None


@admin.register(VoterRecord)
class VoterRecordAdmin(LogAdmin):
    list_display = ["round", "deputy"]
    list_filter = ["round"]
    search_fields = ["deputy__name"]


class ProgressInline(ReadOnlyInline):
    model = ProjectProgress
    fields = ["month", "percent", "note", "recorded_by"]
    readonly_fields = fields


class ReportInline(ReadOnlyInline):
    model = ProjectReport
    fields = ["year", "quarter", "summary", "spent", "recorded_by"]
    readonly_fields = fields


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "round", "rank", "department", "budget"]
    list_filter = ["round", "department"]
    readonly_fields = ["round", "candidate", "rank", "created_at"]
    inlines = [ProgressInline, ReportInline]

    def has_add_permission(self, request):
        return False  # projects come from published results


@admin.register(ProjectProgress)
class ProjectProgressAdmin(admin.ModelAdmin):
    list_display = ["project", "month", "percent", "recorded_by"]
    list_filter = ["project__round", "project"]
    raw_id_fields = ["recorded_by"]


@admin.register(ProjectReport)
class ProjectReportAdmin(admin.ModelAdmin):
    list_display = ["project", "year", "quarter", "spent", "recorded_by"]
    list_filter = ["project__round", "year", "quarter"]
    raw_id_fields = ["recorded_by"]


@admin.register(Evaluation)
class EvaluationAdmin(LogAdmin):
    list_display = ["project", "by", "rating", "created_at"]
    list_filter = ["project__round", "by", "rating"]
