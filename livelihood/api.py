"""REST API of the livelihood-project ballot (/api/v1/ballot/). Thin: serializers validate, services act.

Counts appear only in the results endpoint, which answers 409 until the voting window has closed.
"""

from django.conf import settings
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import permissions, serializers, status, throttling
from rest_framework.response import Response
from rest_framework.views import APIView

from grids.models import Township
from core.api import NOT_BLANK, PHONE, QuerySerializer, SafeSlugRelatedField, StrictCharField, StrictIntegerField

from . import selectors, services
from .models import Candidate, Project, ProjectProgress, ProjectReport, Round
from .states import RoundStatus


class ProposalThrottle(throttling.AnonRateThrottle):
    """Anonymous proposals per client address; shares the rate of the demand submission form."""

    scope = "anon_ballot_proposal"

    def get_rate(self):
        rates = settings.REST_FRAMEWORK.get("DEFAULT_THROTTLE_RATES", {})
        return rates.get(self.scope) or rates.get("anon_submit") or "20/hour"


class BallotRoundSerializer(serializers.ModelSerializer):
    status = serializers.ChoiceField(choices=RoundStatus.choices, read_only=True)
    candidate_count = serializers.IntegerField(read_only=True)
    results_public = serializers.SerializerMethodField()

    class Meta:
        model = Round
        fields = ["year", "title", "seats", "status", "proposals_open_at", "proposals_close_at", "voting_opens_at",
                  "voting_closes_at", "evaluation_opens_at", "evaluation_closes_at", "candidate_count",
                  "results_public"]
        read_only_fields = fields

    def get_results_public(self, round_) -> bool:
        return selectors.results_visible(round_)


class BallotCandidateSerializer(serializers.ModelSerializer):
    """A candidate as voters and the public see it: never with its votes."""

    department = serializers.CharField(source="department.name", read_only=True)
    resident_proposals = serializers.IntegerField(read_only=True)

    class Meta:
        model = Candidate
        fields = ["id", "number", "title", "description", "budget", "department", "resident_proposals"]
        read_only_fields = fields


class BallotRoundDetailSerializer(BallotRoundSerializer):
    candidates = serializers.SerializerMethodField()

    class Meta(BallotRoundSerializer.Meta):
        fields = BallotRoundSerializer.Meta.fields + ["candidates"]
        read_only_fields = fields

    @extend_schema_field(BallotCandidateSerializer(many=True))
    def get_candidates(self, round_):
        return BallotCandidateSerializer(selectors.public_candidates(round_), many=True).data


class BallotProposalCreateSerializer(serializers.Serializer):
    title = StrictCharField(max_length=100, validators=[NOT_BLANK])
    content = StrictCharField(max_length=2000, validators=[NOT_BLANK])
    township = SafeSlugRelatedField(slug_field="code", queryset=Township.objects.all(), required=False,
                                    allow_null=True, help_text="Township code; a deputy's own township by default.")
    contact_name = StrictCharField(max_length=50, required=False, allow_blank=True, default="")
    contact_phone = StrictCharField(max_length=20, required=False, allow_blank=True, default="",
                                    validators=[PHONE])


class BallotProposalReceiptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    source = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class BallotSerializer(serializers.Serializer):
    candidates = serializers.ListField(
        child=StrictIntegerField(min_value=1, max_value=2**63 - 1), max_length=100, allow_empty=True,
        help_text="Ids of the chosen candidates, at most `seats` of them; an empty list is a blank ballot.",
    )


class BallotResultRowSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    title = serializers.CharField()
    department = serializers.CharField()
    votes = serializers.IntegerField()
    resident_proposals = serializers.IntegerField()
    elected = serializers.BooleanField()


class BallotResultsSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    seats = serializers.IntegerField()
    ballots_cast = serializers.IntegerField()
    blank_ballots = serializers.IntegerField()
    eligible_voters = serializers.IntegerField()
    published = serializers.BooleanField()
    tie_rule = serializers.CharField()
    candidates = BallotResultRowSerializer(many=True)


class ProjectProgressSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectProgress
        fields = ["month", "percent", "note"]
        read_only_fields = fields


class ProjectReportSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProjectReport
        fields = ["year", "quarter", "summary", "spent"]
        read_only_fields = fields


class LivelihoodProjectSerializer(serializers.ModelSerializer):
    year = serializers.IntegerField(source="round.year", read_only=True)
    department = serializers.CharField(source="department.name", read_only=True)
    percent = serializers.IntegerField(read_only=True)
    progress = ProjectProgressSerializer(many=True, read_only=True)
    reports = ProjectReportSerializer(many=True, read_only=True)

    class Meta:
        model = Project
        fields = ["id", "year", "rank", "title", "description", "budget", "department", "percent", "progress",
                  "reports"]
        read_only_fields = fields


class RoundListApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: BallotRoundSerializer(many=True)}, summary="Ballot rounds, newest first")
    def get(self, request):
        return Response(BallotRoundSerializer(selectors.round_list(), many=True).data)


class RoundDetailApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: BallotRoundDetailSerializer},
                   summary="A round with its status and candidates (candidates once fixed, never with counts)")
    def get(self, request, year):
        round_ = selectors.round_get(year=year)
        round_.candidate_count = round_.candidates.count()
        return Response(BallotRoundDetailSerializer(round_).data)


class ProposalCreateApi(APIView):
    permission_classes = [permissions.AllowAny]

    def get_throttles(self):
        return [] if self.request.user.is_authenticated else [ProposalThrottle()]

    @extend_schema(request=BallotProposalCreateSerializer, responses={201: BallotProposalReceiptSerializer},
                   summary="Submit a proposal while the round collects them (anonymous allowed, throttled)")
    def post(self, request, year):
        round_ = selectors.round_get(year=year)
        payload = BallotProposalCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        proposal = services.proposal_submit(round_id=round_.pk, actor=request.user, **payload.validated_data)
        return Response(BallotProposalReceiptSerializer(proposal).data, status=status.HTTP_201_CREATED)


class BallotApi(APIView):
    @extend_schema(
        request=BallotSerializer,
        responses={201: inline_serializer("BallotCastReceipt", {"voted": serializers.BooleanField(),
                                                            "year": serializers.IntegerField()})},
        summary="Cast the signed-in deputy's secret ballot (once per round)",
        description="403 for anyone but an eligible deputy; 409 outside the voting window or for a second ballot; "
                    "422 for more choices than seats or a candidate of another round. The answer never repeats "
                    "the choice.",
    )
    def post(self, request, year):
        round_ = selectors.round_get(year=year)
        payload = BallotSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.ballot_cast(round_id=round_.pk, actor=request.user, candidate_ids=payload.validated_data["candidates"])
        return Response({"voted": True, "year": round_.year}, status=status.HTTP_201_CREATED)


class ResultsApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(responses={200: BallotResultsSerializer}, summary="The tally and the winners (409 until voting closes)")
    def get(self, request, year):
        round_ = selectors.round_get(year=year)
        results = selectors.round_results(round_=round_)
        return Response(BallotResultsSerializer({
            "year": round_.year, "seats": round_.seats, "ballots_cast": results.ballots_cast,
            "blank_ballots": results.blank_ballots, "eligible_voters": results.eligible,
            "published": round_.published_at is not None, "tie_rule": str(selectors.TIE_RULE),
            "candidates": [
                {"rank": rank, "id": c.pk, "number": c.number, "title": c.title, "department": c.department.name,
                 "votes": c.votes, "resident_proposals": c.resident_proposals, "elected": elected}
                for rank, c, elected in results.rows
            ],
        }).data)


class ProjectQuerySerializer(QuerySerializer):
    year = serializers.IntegerField(min_value=1, max_value=9999, required=False,
                                    help_text="Only the projects of this year")


class ProjectListApi(APIView):
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        parameters=[ProjectQuerySerializer],
        responses={200: LivelihoodProjectSerializer(many=True)}, summary="Livelihood projects with progress and reports",
    )
    def get(self, request):
        query = ProjectQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)  # a year that is not one: 400 naming it, not every year's projects
        year = query.validated_data.get("year")
        projects = selectors.project_list(year=year).prefetch_related("reports")
        return Response(LivelihoodProjectSerializer(projects, many=True).data)
