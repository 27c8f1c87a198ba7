"""Admin for the ballot. Counters and voter records are read-only: no one edits a tally by hand, counts stay hidden
here too until they are counted after the close, and no list filters, orders or searches on a count. Once voting
opens, a round's dates and seats and its candidates are read-only; the services refuse them too.
Sealed ballots have no admin: there is nothing in them to read."""

from django import forms
from django.contrib import admin
from django.db.models.constants import LOOKUP_SEP
from django.utils.translation import gettext_lazy as _

from core.admin import LogAdmin, ReadOnlyInline
from core.errors import ApplicationError

from . import selectors, services
from .models import (
    BallotEvent, Candidate, Evaluation, Project, ProjectProgress, ProjectReport, Proposal, Round, VoterRecord,
)
from .states import ROUND_ALLOWS, RoundAction

# Fields that say how the deputies voted.
TALLY_FIELDS = frozenset({"votes", "ballots_cast", "blank_ballots"})


def _hidden_until_closed(round_, value):
    counted = round_ is not None and round_.tallied_at is not None and selectors.results_visible(round_)
    return value if counted or (round_ is not None and round_.published_at) else _("hidden until voting closes")


def _refusal(error: ApplicationError) -> forms.ValidationError:
    return forms.ValidationError([str(error.message)] + [str(m) for ms in error.field_errors.values() for m in ms])


class NoTallyLookups:
    """A changelist never filters on a count (`?votes__gte=1`, `?round__ballots_cast=0`): it would read the tally."""

    def lookup_allowed(self, lookup, value, request):
        if TALLY_FIELDS & set(lookup.split(LOOKUP_SEP)):
            return False
        return super().lookup_allowed(lookup, value, request)


class RoundAdminForm(forms.ModelForm):
    class Meta:
        model = Round
        exclude = ["ballots_cast", "blank_ballots", "tallied_at"]

    def __init__(self, *args, request=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.request = request

    def clean(self):
        cleaned = super().clean()
        if self.instance.pk and not self.errors:
            changes = {name: cleaned[name] for name in self.changed_data if name in services.ROUND_EDITABLE}
            try:
                services.round_update_check(round_=self.instance, actor=self.request.user, changes=changes)
            except ApplicationError as error:
                raise _refusal(error) from None
        return cleaned


@admin.register(Round)
class RoundAdmin(NoTallyLookups, admin.ModelAdmin):
    form = RoundAdminForm
    list_display = ["year", "title", "seats", "status_label", "voting_opens_at", "voting_closes_at", "published_at"]
    readonly_fields = ["screened_at", "tallied_at", "published_at", "published_by", "ballots_cast_shown",
                       "blank_ballots_shown", "created_at"]

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)

        class RequestForm(form):
            def __init__(self, *args, **kw):
                super().__init__(*args, request=request, **kw)

        return RequestForm

    def get_readonly_fields(self, request, obj=None):
        frozen = obj is not None and (obj.status not in ROUND_ALLOWS[RoundAction.EDIT_TERMS] or obj.voters.exists())
        return [*services.BALLOT_TERMS, *self.readonly_fields] if frozen else self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            return super().save_model(request, obj, form, change)
        # Through the service, which checks again under the round's lock.
        changes = {name: form.cleaned_data[name] for name in form.changed_data if name in services.ROUND_EDITABLE}
        fresh = services.round_update(round_id=obj.pk, actor=request.user, **changes)
        obj.refresh_from_db()
        return fresh

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.screened_at is None

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
class ProposalAdmin(NoTallyLookups, admin.ModelAdmin):
    list_display = ["title", "round", "source", "township", "status", "created_at"]
    list_filter = ["round", "source", "status", "township"]
    search_fields = ["title", "content"]
    raw_id_fields = ["deputy", "submitted_by"]
    readonly_fields = ["status", "created_at"]


class CandidateAdminForm(forms.ModelForm):
    class Meta:
        model = Candidate
        exclude = ["votes"]

    def clean(self):
        cleaned = super().clean()
        round_ = cleaned.get("round") or (self.instance.round if self.instance.round_id else None)
        if round_ is not None and round_.status not in ROUND_ALLOWS[RoundAction.EDIT_CANDIDATES]:
            raise forms.ValidationError(_("The candidates of this round are fixed."))
        return cleaned


@admin.register(Candidate)
class CandidateAdmin(NoTallyLookups, admin.ModelAdmin):
    form = CandidateAdminForm
    list_display = ["round", "number", "title", "department", "budget", "votes_shown"]
    list_filter = ["round", "department"]
    search_fields = ["title"]
    filter_horizontal = ["proposals"]

    @admin.display(description=_("votes"))
    def votes_shown(self, obj):
        return _hidden_until_closed(obj.round if obj.round_id else None, obj.votes)

    def get_readonly_fields(self, request, obj=None):
        fixed = obj is not None and (obj.round.screened_at is not None
                                     or obj.round.status not in ROUND_ALLOWS[RoundAction.EDIT_CANDIDATES])
        # Once fixed, a candidate is what the deputies voted on.
        return ["round", "number", "title", "description", "budget", "department", "proposals",
                "votes_shown"] if fixed else ["votes_shown"]

    def has_delete_permission(self, request, obj=None):
        return obj is None or obj.round.screened_at is None


@admin.register(BallotEvent)
class BallotEventAdmin(NoTallyLookups, LogAdmin):
    list_display = ["created_at", "round", "action", "actor_label", "proposal"]
    list_filter = ["round", "action"]


@admin.register(VoterRecord)
class VoterRecordAdmin(NoTallyLookups, LogAdmin):
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
class ProjectAdmin(NoTallyLookups, admin.ModelAdmin):
    list_display = ["title", "round", "rank", "department", "budget"]
    list_filter = ["round", "department"]
    readonly_fields = ["round", "candidate", "rank", "created_at"]
    inlines = [ProgressInline, ReportInline]

    def has_add_permission(self, request):
        return False  # projects come from published results


@admin.register(ProjectProgress)
class ProjectProgressAdmin(NoTallyLookups, admin.ModelAdmin):
    list_display = ["project", "month", "percent", "recorded_by"]
    list_filter = ["project__round", "project"]
    raw_id_fields = ["recorded_by"]


@admin.register(ProjectReport)
class ProjectReportAdmin(NoTallyLookups, admin.ModelAdmin):
    list_display = ["project", "year", "quarter", "spent", "recorded_by"]
    list_filter = ["project__round", "year", "quarter"]
    raw_id_fields = ["recorded_by"]


@admin.register(Evaluation)
class EvaluationAdmin(NoTallyLookups, LogAdmin):
    list_display = ["project", "by", "rating", "created_at"]
    list_filter = ["project__round", "by", "rating"]
