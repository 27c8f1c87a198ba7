"""REST API for suggestions. Thin: serializers and the page forms validate, the services act."""

import django_filters
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.exceptions import PermissionDenied
from rest_framework.response import Response
from rest_framework.views import APIView

from core.actors import is_staff_user
from core.api import IntegerFilter
from core.validators import MAX_PK
from core.workflow_api import ActionApi

from . import figures, selectors, services
from .actions import ACTIONS
from .forms import EditForm
from .models import Kind, Suggestion
from .serializers import (
    SuggestionCreateSerializer, SuggestionDetailSerializer, SuggestionFiguresQuerySerializer,
    SuggestionFiguresSerializer,
    SuggestionSerializer,
)
from .states import Action, Status


class SuggestionFilter(django_filters.FilterSet):
    year = IntegerFilter(min_value=2000, max_value=2100)
    status = django_filters.ChoiceFilter(choices=Status.choices)
    kind = django_filters.ChoiceFilter(choices=Kind.choices)
    department = IntegerFilter(field_name="assignment__lead_department", min_value=1,
                                             max_value=MAX_PK, help_text="id of the lead department")

    class Meta:
        model = Suggestion
        fields = []


class SuggestionListCreateApi(generics.ListCreateAPIView):
    """Suggestions you may see (a deputy: their own; supervisors: all submitted; handlers: assigned to their
    department). POST: a deputy drafts a suggestion as its lead proposer."""

    serializer_class = SuggestionSerializer
    filterset_class = SuggestionFilter

    def get_queryset(self):
        return selectors.suggestion_list(viewer=self.request.user)

    @extend_schema(request=SuggestionCreateSerializer, responses={201: SuggestionDetailSerializer})
    def post(self, request, *args, **kwargs):
        payload = SuggestionCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        c = payload.validated_data
        suggestion = services.suggestion_draft(actor=request.user, title=c["title"], content=c["content"],
                                               category=c["category"], joint_deputies=c["joint_deputies"],
                                               demand_ids=c["demands"], kind=c["kind"])
        suggestion = selectors.suggestion_get_for(viewer=request.user, pk=suggestion.pk)
        return Response(SuggestionDetailSerializer(suggestion, context={"request": request}).data,
                        status=status.HTTP_201_CREATED)


class SuggestionDetailApi(generics.RetrieveAPIView):
    serializer_class = SuggestionDetailSerializer

    def get_object(self):
        return selectors.suggestion_get_for(viewer=self.request.user, pk=self.kwargs["pk"])


def _edit(pk, actor, c):
    return services.suggestion_edit(suggestion_id=pk, actor=actor, title=c["title"], content=c["content"],
                                    category=c["category"], joint_deputies=list(c["joint_deputies"]),
                                    kind=c.get("kind"))


class _EditForm(EditForm):
    def __init__(self, *args, suggestion, **kwargs):
        super().__init__(*args, suggestion=None, **kwargs)


API_ACTIONS = {Action.EDIT: (_EditForm, _edit), **ACTIONS}


class SuggestionActionApi(ActionApi):
    # Every suggestion action, through the same services as the pages; each gets its own route (action_routes).

    actions = API_ACTIONS
    object_kwarg = "suggestion"
    serializer_class = SuggestionDetailSerializer

    def get_object(self, request, pk):
        return selectors.suggestion_get_for(viewer=request.user, pk=pk)


class SuggestionFiguresApi(APIView):
    """办复率, 满意率 and 解决率 per lead department (for `year`, or all years) and per year, with totals.
    A rate whose denominator is zero has value null and display "—"."""

    @extend_schema(parameters=[SuggestionFiguresQuerySerializer], responses={200: SuggestionFiguresSerializer})
    def get(self, request):
        if not is_staff_user(request.user):
            raise PermissionDenied()
        query = SuggestionFiguresQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        year = query.validated_data.get("year")
        body = {
            "year": year,
            "definitions": [{"name": str(n), "definition": str(d)} for n, d in figures.DEFINITIONS],
            "by_department": figures.by_department(year=year),
            "department_total": figures.total(year=year),
            "by_year": figures.by_year(),
            "year_total": figures.total(),
        }
        return Response(SuggestionFiguresSerializer(body).data)
