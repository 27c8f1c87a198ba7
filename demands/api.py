"""REST API for demands (docs/architecture.md#interfaces). Thin: serializers and the page forms validate, the services act."""

import django_filters
from django.conf import settings
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from drf_spectacular.utils import (
    extend_schema, extend_schema_field, inline_serializer,
)
from rest_framework import generics, parsers, permissions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from grids.models import Community, Grid, MicroGrid, Township
from core.api import (
    NOT_BLANK, PHONE, CachedSlugRelatedField, CoordinateField, IntegerFilter, SafeSlugRelatedField, ShallowFieldsMixin,
    StrictBooleanField, StrictCharField, StrictChoiceField, SubmitThrottle, TrackThrottle,
)
from core.workflow_api import ActionApi

from . import selectors, services
from .actions import STAFF_ACTIONS
from .filters import DemandFilterMethods
from .models import Category, Channel, Demand, DemandAttachment, DemandEvent, DemandType, Outcome, Rating, Urgency
from .models import CoHandling
from core.actors import is_staff_user
from .permissions import can_see_personal_data, can_see_system_checks, sees_internal_history
from .quality import REPLY_FLAG_CHOICES
from .states import Status
from .templatetags.demand_tags import mask_name, mask_phone, public_note, public_phrase


class UnitSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    name = serializers.CharField()


def _unit(demand):
    unit = demand.unit
    if unit is None:
        return None
    return {"kind": type(unit).__name__.lower(), "id": unit.pk, "name": str(unit)}


_COORDINATE = serializers.DecimalField(max_digits=9, decimal_places=6, read_only=True)


def _code(codes, pk):
    return codes[pk] if pk is not None else None


def _when(value, tz):
    # What DRF's DateTimeField writes (ISO 8601 in the current time zone) without its lookups on every call.
    if value is None:
        return None
    text = value.astimezone(tz).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _page_unit(demand, lookups):
    for rows, pk in ((lookups.grids, demand.unit_grid_id), (lookups.departments, demand.unit_department_id),
                     (lookups.deputies, demand.unit_deputy_id)):
        if pk is not None:
            unit = rows[pk]
            return {"kind": type(unit).__name__.lower(), "id": pk, "name": str(unit)}
    return None


class DemandListSerializer(serializers.ListSerializer):
    """A page of demands, each row exactly as DemandSerializer shows the demand alone, written out by hand: DRF's
    field-by-field path cost more than the whole query, and the small tables come from demand_page_lookups."""

    def to_representation(self, data):
        demands = list(data)
        lookups = selectors.demand_page_lookups(demands)
        viewer = self.context["request"].user
        system_checks = can_see_system_checks(viewer)
        tz = timezone.get_current_timezone()
        return [self._row(demand, viewer, lookups, system_checks, tz) for demand in demands]

    @staticmethod
    def _row(demand, viewer, lookups, system_checks, tz):
        personal = can_see_personal_data(viewer, demand)
        return {
            "id": demand.pk,
            "public_no": demand.public_no,
            "external_id": demand.external_id,
            "channel": demand.channel,
            "type": demand.type,
            "category": _code(lookups.categories, demand.category_id),
            "urgency": demand.urgency,
            "content": demand.content,
            "address": demand.address,
            "lat": _COORDINATE.to_representation(demand.lat) if demand.lat is not None else None,
            "lng": _COORDINATE.to_representation(demand.lng) if demand.lng is not None else None,
            "township": _code(lookups.townships, demand.township_id),
            "community": _code(lookups.communities, demand.community_id),
            "grid": lookups.grids[demand.grid_id].code if demand.grid_id is not None else None,
            "micro_grid": _code(lookups.micro_grids, demand.micro_grid_id),
            "contact_name": demand.contact_name if personal else mask_name(demand.contact_name),
            "contact_phone": demand.contact_phone if personal else mask_phone(demand.contact_phone),
            "is_public": demand.is_public,
            "status": demand.status,
            "unit": _page_unit(demand, lookups),
            "escalation_level": demand.escalation_level,
            "overdue": demand.is_overdue,
            "accept_deadline": _when(demand.accept_deadline, tz),
            "resolve_deadline": _when(demand.resolve_deadline, tz),
            "outcome": demand.outcome,
            "reply": demand.reply,
            "rating": demand.rating,
            "return_count": demand.return_count,
            "rework_count": demand.rework_count,
            "flagged": demand.flagged,
            "reply_flags": demand.reply_flags if system_checks else [],
            "created_at": _when(demand.created_at, tz),
            "updated_at": _when(demand.updated_at, tz),
        }


class DemandSerializer(serializers.ModelSerializer):
    category = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    township = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    community = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    grid = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    micro_grid = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    unit = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()
    contact_name = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()
    # Blank until resolved / rated; declared so the schema lists "" as a value.
    outcome = serializers.ChoiceField(choices=Outcome.choices, allow_blank=True, read_only=True)
    rating = serializers.ChoiceField(choices=Rating.choices, allow_blank=True, read_only=True)
    # Reply-quality flags raised at resolve (demands.quality), cleared on reopen.
    reply_flags = serializers.SerializerMethodField()
    public_no = serializers.CharField(read_only=True, help_text="The demand's public number, e.g. BZ-2026-004213.")

    class Meta:
        model = Demand
        fields = [
            "id", "public_no", "external_id", "channel", "type", "category", "urgency", "content", "address", "lat",
            "lng", "township", "community", "grid", "micro_grid", "contact_name", "contact_phone", "is_public",
            "status", "unit",
            "escalation_level", "overdue", "accept_deadline", "resolve_deadline", "outcome", "reply", "rating",
            "return_count", "rework_count", "flagged", "reply_flags", "created_at", "updated_at",
        ]
        read_only_fields = fields
        list_serializer_class = DemandListSerializer

    @extend_schema_field(UnitSerializer(allow_null=True))
    def get_unit(self, demand):
        return _unit(demand)

    def get_overdue(self, demand) -> bool:
        return demand.is_overdue

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(choices=REPLY_FLAG_CHOICES)))
    def get_reply_flags(self, demand):
        # The system's doubts about a reply are for staff, not for the resident who asked.
        return demand.reply_flags if can_see_system_checks(self.context["request"].user) else []

    def _personal(self, demand) -> bool:
        return can_see_personal_data(self.context["request"].user, demand)

    def get_contact_name(self, demand) -> str:
        return demand.contact_name if self._personal(demand) else mask_name(demand.contact_name)

    def get_contact_phone(self, demand) -> str:
        return demand.contact_phone if self._personal(demand) else mask_phone(demand.contact_phone)


class DemandReceiptSerializer(ShallowFieldsMixin, serializers.Serializer):
    """What intake answers: enough to follow the demand."""

    # A plain Serializer: building the full ModelSerializer's fields cost more than the whole insert.

    id = serializers.IntegerField()
    public_no = serializers.CharField()
    tracking_code = serializers.CharField(
        required=False, help_text="Only to a resident submitting for themselves: the credential to follow and rate "
                                  "the demand. Client systems never receive it; the resident gets it by SMS.")
    external_id = serializers.CharField()
    channel = serializers.CharField()
    status = serializers.CharField()
    created_at = serializers.DateTimeField()


class DemandCreateSerializer(ShallowFieldsMixin, serializers.Serializer):
    """A new demand: what the resident asks for, where, and how to reach them."""

    type = StrictChoiceField(choices=DemandType.choices)
    urgency = StrictChoiceField(choices=Urgency.choices, required=False, default=Urgency.NORMAL)
    content = StrictCharField(max_length=2000, validators=[NOT_BLANK])
    category = CachedSlugRelatedField(slug_field="code", queryset=Category.objects.filter(is_active=True),
                                      required=False, allow_null=True)
    township = CachedSlugRelatedField(slug_field="code", queryset=Township.objects.all(), required=False,
                                      allow_null=True)
    community = SafeSlugRelatedField(slug_field="code", queryset=Community.objects.all(), required=False,
                                     allow_null=True)
    grid = SafeSlugRelatedField(slug_field="code", queryset=Grid.objects.all(), required=False, allow_null=True)
    micro_grid = SafeSlugRelatedField(slug_field="code", queryset=MicroGrid.objects.all(), required=False,
                                      allow_null=True, help_text="code of a micro-grid of `grid` (which it implies)")
    address = StrictCharField(max_length=200, required=False, allow_blank=True, default="")
    lat = CoordinateField(required=False, allow_null=True, min_value=-90, max_value=90)
    lng = CoordinateField(required=False, allow_null=True, min_value=-180, max_value=180)
    contact_name = StrictCharField(max_length=50, required=False, allow_blank=True, default="")
    contact_phone = StrictCharField(max_length=20, required=False, allow_blank=True, default="",
                                    validators=[PHONE])
    is_public = StrictBooleanField(required=False, default=False)
    channel = StrictChoiceField(
        choices=[Channel.API, Channel.HOTLINE, Channel.PHONE, Channel.WALK_IN, Channel.PATROL, Channel.DEPUTY],
        required=False,
        help_text="Where the demand came in. Each account has its own: an integration api (the default) or hotline, a "
                  "dispatcher phone (default) or walk_in, a grid worker patrol, a deputy deputy. Anonymous posts are api.")
    external_id = StrictCharField(max_length=100, required=False, allow_blank=True, default="")

    def validate_content(self, value):
        if not value.strip():
            raise serializers.ValidationError(_("Please describe your demand."))
        return value


class EventSerializer(serializers.ModelSerializer):
    # Blank on the receive event: the demand had no state before it.
    from_status = serializers.ChoiceField(choices=Status.choices, allow_blank=True, read_only=True)

    class Meta:
        model = DemandEvent
        fields = ["id", "action", "from_status", "to_status", "actor_kind", "actor_label", "note", "data", "public",
                  "created_at"]
        read_only_fields = fields


class AttachmentSerializer(serializers.ModelSerializer):
    url = serializers.SerializerMethodField(help_text="The photo itself, for the same viewers as the demand.")

    class Meta:
        model = DemandAttachment
        fields = ["token", "url", "purpose", "original_name", "content_type", "size", "width", "height",
                  "created_at"]
        read_only_fields = fields

    def get_url(self, attachment) -> str:
        from .photos import photo_url

        path = photo_url(attachment)
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class DemandFilter(DemandFilterMethods, django_filters.FilterSet):
    # No join repeats a demand; DISTINCT made PostgreSQL sort every match on every column before the page.
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, distinct=False)
    type = django_filters.ChoiceFilter(choices=DemandType.choices)
    category = django_filters.CharFilter(method="by_category")
    township = django_filters.CharFilter(field_name="township__code")
    grid = django_filters.CharFilter(method="by_grid")
    micro_grid = django_filters.CharFilter(method="by_micro_grid", help_text="code of the micro-grid it is located in")
    unit = django_filters.CharFilter(method="by_unit", help_text="department:<id>, grid:<id> or deputy:<id>")
    channel = django_filters.ChoiceFilter(choices=Channel.choices)
    escalation_level = IntegerFilter(method="by_escalation", min_value=0, max_value=3)
    overdue = django_filters.BooleanFilter(method="by_overdue")
    created_after = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = django_filters.IsoDateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_since = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = django_filters.IsoDateTimeFilter(field_name="updated_at", lookup_expr="lt")
    external_id = django_filters.CharFilter()

    class Meta:
        model = Demand
        fields = []

    # No choice depends on the viewer, so the form class is built once per language instead of on every request.
    _form_classes: dict = {}

    def get_form_class(self):
        language = translation.get_language()
        if language not in self._form_classes:
            self._form_classes[language] = super().get_form_class()
        return self._form_classes[language]


class DemandListCreateApi(generics.ListCreateAPIView):
    """List the demands you may see; create one (hotline intake is idempotent on `external_id`)."""

    serializer_class = DemandSerializer
    filterset_class = DemandFilter

    def get_permissions(self):
        if self.request.method == "POST":
            return [permissions.AllowAny()]
        return super().get_permissions()

    def get_throttles(self):
        if self.request.method == "POST" and not self.request.user.is_authenticated:
            return [SubmitThrottle()]
        return super().get_throttles()

    def get_queryset(self):
        return selectors.demand_list(viewer=self.request.user, related=False)

    @extend_schema(request=DemandCreateSerializer,
                   responses={200: DemandReceiptSerializer, 201: DemandReceiptSerializer})
    def post(self, request, *args, **kwargs):
        payload = DemandCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        demand, created = services.demand_intake(actor=request.user, **payload.validated_data)
        return Response(self._out(demand), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _out(self, demand):
        data = DemandReceiptSerializer(demand).data
        if is_staff_user(self.request.user) and self.request.user.role != Role.RESIDENT:
            del data["tracking_code"]  # the code is the resident's credential, not the client's
        return data


class DemandDetailApi(generics.RetrieveAPIView):
    serializer_class = DemandSerializer

    def get_object(self):
        return selectors.demand_get_for(viewer=self.request.user, pk=self.kwargs["pk"])


class DemandEventsApi(generics.ListAPIView):
    serializer_class = EventSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DemandEvent.objects.none()
        demand = selectors.demand_get_for(viewer=self.request.user, pk=self.kwargs["pk"])
        return demand.events.order_by("created_at", "id")

    def list(self, request, *args, **kwargs):
        if sees_internal_history(request.user):
            return super().list(request, *args, **kwargs)
        # A registered resident gets their demand's public timeline, as on the tracking page.
        demand = selectors.demand_get_for(viewer=request.user, pk=self.kwargs["pk"])
        return Response([_public_event(e) for e in selectors.public_events(demand)])


class AttachmentUploadSerializer(serializers.Serializer):
    photos = serializers.ListField(child=serializers.FileField(), max_length=settings.MAX_PHOTOS)


class DemandAttachmentsApi(generics.ListAPIView):
    """Photos of a demand; POST adds up to three (the submitter's evidence or the unit's result photos)."""

    serializer_class = AttachmentSerializer
    pagination_class = None
    # Photos come as multipart (the schema says only that). JSON is read too so that a JSON post is judged like any
    # other: refused by the CSRF check without a token, else answered "no photos", never 415 before the check.
    parser_classes = [parsers.MultiPartParser, parsers.JSONParser]

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer},
                   responses={201: AttachmentSerializer(many=True)})
    def post(self, request, pk):
        files = request.FILES.getlist("photos") if hasattr(request.FILES, "getlist") else []
        stored = services.demand_attach_photos(demand_id=pk, actor=request.user, photos=files)
        return Response(AttachmentSerializer(stored, many=True, context=self.get_serializer_context()).data,
                        status=status.HTTP_201_CREATED)

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return DemandAttachment.objects.none()
        demand = selectors.demand_get_for(viewer=self.request.user, pk=self.kwargs["pk"])
        return demand.attachments.all()


class DemandActionApi(ActionApi):
    # Every lifecycle action, through the same services as the pages; each gets its own route (action_routes).

    actions = STAFF_ACTIONS
    object_kwarg = "demand"
    serializer_class = DemandSerializer

    def get_object(self, request, pk):
        return selectors.demand_get_for(viewer=request.user, pk=pk)


class TrackEventSerializer(serializers.Serializer):
    at = serializers.DateTimeField()
    text = serializers.CharField()
    note = serializers.CharField(allow_blank=True)


def _public_event(event) -> dict:
    return {"at": event.created_at, "text": public_phrase(event), "note": public_note(event)}


class TrackSerializer(serializers.Serializer):
    tracking_code = serializers.CharField()
    public_no = serializers.CharField()
    status = serializers.CharField()
    status_label = serializers.CharField()
    type = serializers.CharField()
    category = serializers.CharField(allow_null=True)
    township = serializers.CharField(allow_null=True)
    created_at = serializers.DateTimeField()
    reply = serializers.CharField(allow_blank=True)
    timeline = TrackEventSerializer(many=True)


class TrackApi(APIView):
    """Public tracking by code: status and public timeline, never personal data."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [TrackThrottle]

    @extend_schema(responses={200: TrackSerializer})
    def get(self, request, code):
        demand = selectors.demand_get_by_code(code)
        followed = demand.merged_into or demand
        return Response({
            "tracking_code": demand.tracking_code,
            "public_no": demand.public_no,
            "status": followed.status,
            "status_label": str(Status(followed.status).label),
            "type": demand.type,
            "category": demand.category.code if demand.category_id else None,
            "township": demand.township.name if demand.township_id else None,
            "created_at": demand.created_at,
            "reply": followed.reply,
            "timeline": [_public_event(e) for e in selectors.public_events(demand)],
        })


class ClassifyRequest(serializers.Serializer):
    content = StrictCharField(max_length=2000, validators=[NOT_BLANK])


class ClassifyApi(APIView):
    """Suggest type and category for a text; the same suggestion the intake form shows.

    `category` is a sub-category code (null when the text matches none); `confidence` is the lower of
    `type_confidence` and `category_confidence`, each in [0, 1]."""

    permission_classes = [permissions.AllowAny]
    throttle_classes = [SubmitThrottle]

    @extend_schema(
        request=ClassifyRequest,
        responses={200: inline_serializer("ClassifyResponse", {
            "type": serializers.ChoiceField(choices=DemandType.choices),
            "category": serializers.CharField(allow_null=True),
            "confidence": serializers.FloatField(min_value=0, max_value=1),
            "type_confidence": serializers.FloatField(min_value=0, max_value=1),
            "category_confidence": serializers.FloatField(min_value=0, max_value=1)})},
    )
    def post(self, request):
        from .classify import suggest

        payload = ClassifyRequest(data=request.data)
        payload.is_valid(raise_exception=True)
        return Response(suggest(payload.validated_data["content"]))


class CategorySerializer(serializers.ModelSerializer):
    parent = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)

    class Meta:
        model = Category
        fields = ["code", "name", "parent", "sort"]


class CategoryListApi(generics.ListAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = CategorySerializer
    pagination_class = None

    def get_queryset(self):
        return Category.objects.filter(is_active=True).select_related("parent").order_by("parent__sort", "sort")


class DepartmentSerializer(serializers.ModelSerializer):
    categories = serializers.SlugRelatedField(slug_field="code", many=True, read_only=True)

    class Meta:
        from core.models import Department

        model = Department
        fields = ["id", "code", "name", "short_name", "categories"]


class DepartmentListApi(generics.ListAPIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = DepartmentSerializer
    pagination_class = None

    def get_queryset(self):
        from core.models import Department

        return Department.objects.filter(is_active=True).prefetch_related("categories")


# ---------------------------------------------------------------- joint handling (主办/协办)


class CoHandlingSerializer(serializers.Serializer):
    """One department asked to co-handle a demand: its deadline, state and opinion (staff only)."""

    department = UnitSerializer()
    state = serializers.ChoiceField(choices=CoHandling.State.choices)
    due_at = serializers.DateTimeField()
    overdue = serializers.BooleanField(help_text="Still no opinion past its deadline.")
    request_note = serializers.CharField(allow_blank=True)
    opinion = serializers.CharField(allow_blank=True)
    answered_by = serializers.CharField(allow_null=True)
    answered_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()

    def to_representation(self, row):
        return super().to_representation({
            "department": {"kind": "department", "id": row.department_id, "name": str(row.department)},
            "state": row.state, "due_at": row.due_at, "overdue": row.is_overdue, "request_note": row.request_note,
            "opinion": row.opinion, "answered_by": str(row.answered_by) if row.answered_by_id else None,
            "answered_at": row.answered_at, "created_at": row.created_at,
        })


class DemandCoHandlingsApi(generics.ListAPIView):
    """The departments asked to co-handle a demand (协办), withdrawn ones included; for staff who see the demand."""

    serializer_class = CoHandlingSerializer
    pagination_class = None

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return CoHandling.objects.none()
        demand = selectors.demand_get_for(viewer=self.request.user, pk=self.kwargs["pk"])
        if not sees_internal_history(self.request.user):
            return CoHandling.objects.none()  # a registered resident reads the public timeline instead
        return demand.cohandlings.select_related("department", "answered_by")
