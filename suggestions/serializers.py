"""API shapes of suggestions. Linked demands appear by tracking code, category and content only, never a name
or phone."""

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from demands.models import Category, Rating
from core.validators import MAX_PK
from core.api import (
    NOT_BLANK, QuerySerializer, SafeSlugRelatedField, StrictCharField, StrictChoiceField, StrictIntegerField,
)

from . import services
from .models import Kind, ReplyClass, Suggestion
from .permissions import assignment_of, reply_of
from .selectors import demand_ids_by_numbers
from .states import Action, Status


class SuggestionDepartmentRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class SuggestionProposerSerializer(serializers.Serializer):
    deputy_id = serializers.IntegerField()
    name = serializers.CharField(source="deputy.name")
    is_lead = serializers.BooleanField()


class SuggestionAssignmentSerializer(serializers.Serializer):
    lead_department = SuggestionDepartmentRefSerializer()
    co_departments = SuggestionDepartmentRefSerializer(many=True, source="co_departments.all")
    is_key = serializers.BooleanField()
    leader = serializers.CharField(allow_blank=True, help_text="the leader who leads or supervises a key suggestion")
    leader_role = serializers.CharField(allow_blank=True, help_text="lead, supervise or blank")
    reply_due = serializers.DateField()
    assigned_at = serializers.DateTimeField()


class SuggestionReplySerializer(serializers.Serializer):
    reply_class = serializers.ChoiceField(choices=ReplyClass.choices)
    text = serializers.CharField()
    department = SuggestionDepartmentRefSerializer()
    replied_at = serializers.DateTimeField()


class SuggestionLinkedDemandSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    public_no = serializers.CharField()
    category = serializers.CharField(source="category.code", allow_null=True)
    content = serializers.CharField()
    created_at = serializers.DateTimeField()


class SuggestionOpinionSerializer(serializers.Serializer):
    department = SuggestionDepartmentRefSerializer()
    text = serializers.CharField()
    created_at = serializers.DateTimeField()


class SuggestionEvaluationSerializer(serializers.Serializer):
    deputy_id = serializers.IntegerField()
    name = serializers.CharField(source="deputy.name")
    is_lead = serializers.BooleanField()
    rating = serializers.ChoiceField(choices=Rating.choices)
    comment = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class SuggestionFollowUpSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    note = serializers.CharField()
    resolved = serializers.BooleanField()
    department = SuggestionDepartmentRefSerializer()
    created_at = serializers.DateTimeField()


class SuggestionEventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    action = serializers.CharField(help_text="a suggestion action: " + ", ".join(Action.values))
    from_status = serializers.CharField(allow_blank=True)
    to_status = serializers.CharField(help_text="a suggestion status: " + ", ".join(Status.values))
    actor_label = serializers.CharField(allow_blank=True)
    note = serializers.CharField(allow_blank=True)
    created_at = serializers.DateTimeField()


class SuggestionSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    proposers = SuggestionProposerSerializer(many=True, read_only=True, source="proposers.all")
    assignment = serializers.SerializerMethodField()
    reply = serializers.SerializerMethodField()
    # Blank until the lead proposer evaluates; declared so the schema lists "" as a value.
    result = serializers.ChoiceField(choices=Rating.choices, allow_blank=True, read_only=True)

    class Meta:
        model = Suggestion
        fields = ["id", "code", "kind", "year", "title", "content", "category", "status", "proposers", "assignment", "reply",
                  "result", "created_at", "submitted_at", "updated_at", "closed_at"]
        read_only_fields = fields

    @extend_schema_field(SuggestionAssignmentSerializer(allow_null=True))
    def get_assignment(self, suggestion):
        assignment = assignment_of(suggestion)
        return SuggestionAssignmentSerializer(assignment).data if assignment else None

    @extend_schema_field(SuggestionReplySerializer(allow_null=True))
    def get_reply(self, suggestion):
        reply = reply_of(suggestion)
        return SuggestionReplySerializer(reply).data if reply else None


class SuggestionDetailSerializer(SuggestionSerializer):
    linked_demands = serializers.SerializerMethodField()
    opinions = SuggestionOpinionSerializer(many=True, read_only=True, source="opinions.all")
    evaluations = SuggestionEvaluationSerializer(many=True, read_only=True, source="evaluations.all")
    follow_ups = SuggestionFollowUpSerializer(many=True, read_only=True, source="follow_ups.all")
    events = SuggestionEventSerializer(many=True, read_only=True, source="events.all")
    available_actions = serializers.SerializerMethodField()

    class Meta(SuggestionSerializer.Meta):
        fields = [*SuggestionSerializer.Meta.fields, "linked_demands", "opinions", "evaluations", "follow_ups",
                  "events", "available_actions"]
        read_only_fields = fields

    @extend_schema_field(SuggestionLinkedDemandSerializer(many=True))
    def get_linked_demands(self, suggestion):
        from .selectors import linked_demands

        return SuggestionLinkedDemandSerializer(linked_demands(suggestion), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.CharField(
        help_text="a suggestion action: " + ", ".join(Action.values))))
    def get_available_actions(self, suggestion) -> list[str]:
        return [str(a) for a in services.available_actions(self.context["request"].user, suggestion)]


class SuggestionCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=200, validators=[NOT_BLANK])
    kind = StrictChoiceField(choices=Kind.choices, required=False, default=Kind.SUGGESTION)
    content = StrictCharField(max_length=10000, required=False, allow_blank=True, default="")
    category = SafeSlugRelatedField(slug_field="code", queryset=Category.objects.filter(is_active=True),
                                    required=False, allow_null=True, default=None)
    joint_deputies = serializers.ListField(child=StrictIntegerField(min_value=1, max_value=MAX_PK),
                                           required=False, default=list, max_length=services.MAX_JOINT,
                                           help_text="ids of the joint proposers (deputies)")
    demands = serializers.ListField(child=StrictCharField(max_length=40), required=False, default=list,
                                    max_length=services.MAX_DEMANDS,
                                    help_text="public numbers (BZ-2026-004213) of the demands cited as evidence")

    def validate_title(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("Give the suggestion a title."))
        return value

    def validate_demands(self, numbers):
        ids, malformed = demand_ids_by_numbers(numbers)
        if malformed:
            raise serializers.ValidationError(_("Not a demand number: %(numbers)s. Numbers look like BZ-2026-004213.")
                                              % {"numbers": "、".join(malformed)}, code="unprocessable")
        return ids


class SuggestionRateSerializer(serializers.Serializer):
    numerator = serializers.IntegerField()
    denominator = serializers.IntegerField()
    value = serializers.FloatField(allow_null=True, help_text="null when the denominator is zero")
    display = serializers.CharField(help_text="a percentage, or “—” when the denominator is zero")


class SuggestionFigureRowSerializer(serializers.Serializer):
    label = serializers.CharField()
    key = serializers.IntegerField(allow_null=True)
    assigned = serializers.IntegerField()
    replied = serializers.IntegerField()
    class_a = serializers.IntegerField()
    evaluated = serializers.IntegerField()
    satisfied = serializers.IntegerField()
    reply_rate = SuggestionRateSerializer()
    satisfaction = SuggestionRateSerializer()
    solution_rate = SuggestionRateSerializer()


class SuggestionDefinitionSerializer(serializers.Serializer):
    name = serializers.CharField()
    definition = serializers.CharField()


class SuggestionFiguresSerializer(serializers.Serializer):
    year = serializers.IntegerField(allow_null=True)
    definitions = SuggestionDefinitionSerializer(many=True)
    by_department = SuggestionFigureRowSerializer(many=True)
    department_total = SuggestionFigureRowSerializer()
    by_year = SuggestionFigureRowSerializer(many=True)
    year_total = SuggestionFigureRowSerializer()


class SuggestionFiguresQuerySerializer(QuerySerializer):
    year = serializers.IntegerField(required=False, min_value=2000, max_value=2100)
