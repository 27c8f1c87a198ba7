"""API plumbing shared by every endpoint: the error format of docs/workflow.md#errors, paging, throttles, and the
typed fields and filters that hold input to what the schema says."""

import copy
import re
import time
from decimal import Decimal

import django_filters
from django import forms
from django.core.validators import RegexValidator
from django.http import Http404
from django.utils.translation import gettext as _, gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.contrib.django_filters import DjangoFilterExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import exceptions, pagination, serializers, status
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ApplicationError, InvalidInput, Unprocessable
from core.validators import PHONE_RE
from . import versions
from .ratelimit import AnonClientThrottle

DRF_CODES = {
    status.HTTP_400_BAD_REQUEST: "invalid",
    status.HTTP_401_UNAUTHORIZED: "not_authenticated",
    status.HTTP_403_FORBIDDEN: "forbidden",
    status.HTTP_404_NOT_FOUND: "not_found",
    status.HTTP_405_METHOD_NOT_ALLOWED: "method_not_allowed",
    status.HTTP_406_NOT_ACCEPTABLE: "not_acceptable",
    status.HTTP_409_CONFLICT: "conflict",
    status.HTTP_415_UNSUPPORTED_MEDIA_TYPE: "unsupported_media_type",
    status.HTTP_422_UNPROCESSABLE_ENTITY: "unprocessable",
    status.HTTP_429_TOO_MANY_REQUESTS: "throttled",
}


# Well-formed input (the schema's types and bounds hold) that names nothing known: 422, where a malformed body is 400.
UNPROCESSABLE_CODES = frozenset({"does_not_exist", "unprocessable"})


def _codes(tree) -> set:
    if isinstance(tree, dict):
        return set().union(*map(_codes, tree.values())) if tree else set()
    if isinstance(tree, list):
        return set().union(*map(_codes, tree)) if tree else set()
    return {str(tree)}


def error_body(code: str, detail, fields: dict | None = None) -> dict:
    body = {"code": code, "detail": str(detail)}
    if fields:
        body["fields"] = {name: [str(m) for m in messages] for name, messages in fields.items()}
    return body


def exception_handler(exc, context):
    """Every error as {"code", "detail"} (+ "fields" keyed by field), whichever layer raised it."""
    if isinstance(exc, InvalidInput):
        # Bodies and queries are checked against their schema first (400); a service refusing the values is 422.
        return Response(error_body(Unprocessable.code, exc.message, exc.field_errors),
                        status=Unprocessable.http_status)
    if isinstance(exc, ApplicationError):
        return Response(error_body(exc.code, exc.message, exc.field_errors), status=exc.http_status)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", _("Not found.")), status=404)
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = DRF_CODES.get(response.status_code, "error")
    if isinstance(exc, exceptions.Throttled):
        # DRF's own text mixes languages ("… Expected available in N seconds."); one message, wait in a header.
        wait = int(exc.wait or 0)
        response.data = error_body(code, _("Too many requests. Please try again in %(seconds)s seconds.")
                                   % {"seconds": wait} if wait else _("Too many requests. Please try again later."))
    elif isinstance(exc, exceptions.ValidationError):
        data = exc.detail if isinstance(exc.detail, dict) else {"non_field_errors": exc.detail}
        fields = {k: v if isinstance(v, list) else [v] for k, v in data.items()}
        if _codes(exc.get_codes()) <= UNPROCESSABLE_CODES:
            response.status_code, code = status.HTTP_422_UNPROCESSABLE_ENTITY, "unprocessable"
        response.data = error_body(code, _("Please correct the errors below."), fields)
    else:
        detail = exc.detail if isinstance(exc, exceptions.APIException) else exc
        response.data = error_body(code, detail if not isinstance(detail, (list, dict)) else _("Request failed."))
    return response


class Pagination(pagination.CursorPagination):
    """Stable under inserts, which polling clients need."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request):
        # A page size that is not a whole number within bounds is refused, not silently replaced by the default.
        asked = request.query_params.get(self.page_size_query_param)
        if asked is None:
            return self.page_size
        if not (asked.isascii() and asked.isdigit() and 1 <= int(asked) <= self.max_page_size):
            raise exceptions.ValidationError({self.page_size_query_param: [
                _("Give a whole number from 1 to %(max)s.") % {"max": self.max_page_size}]})
        return int(asked)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters
    ordering = ("-created_at", "-id")


class SubmitThrottle(AnonClientThrottle):
    scope = "anon_submit"


class TrackThrottle(AnonClientThrottle):
    scope = "anon_track"


ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "code": {"type": "string"},
        "detail": {"type": "string"},
        "fields": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
    },
    "required": ["code", "detail"],
}
ERROR_STATUSES = {"400": "Bad input", "401": "Not authenticated", "403": "Not allowed", "404": "Unknown or not yours",
                  "405": "Method not allowed", "406": "Not acceptable", "409": "Wrong state or lost race",
                  "415": "Unsupported media type (bodies are JSON)",
                  "422": "Well-formed but refused: names something that does not exist or is not yours to name, or an "
                         "Idempotency-Key reused with another body",
                  "429": "Throttled"}


# What core.middleware.ControlCharacterMiddleware refuses in any query string (tab is allowed).
QUERY_TEXT = "^[^\\x00-\\x08\\x0a-\\x1f\\x7f]*$"


def add_error_responses(result, generator, request, public):
    """drf-spectacular postprocessing hook: document the error format on every operation, and that no text in a
    query string may hold a control character (the middleware answers 400 before any view)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = ERROR_SCHEMA
    for path in result.get("paths", {}).values():
        for operation in path.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            for parameter in operation.get("parameters", []):
                schema = parameter.get("schema", {})
                texts = [schema.get("items", {})] if schema.get("type") == "array" else [schema]
                for text in texts:
                    if parameter["in"] == "query" and text.get("type") == "string" and not (
                            {"enum", "format", "pattern"} & set(text)):
                        text["pattern"] = QUERY_TEXT
            for code, description in ERROR_STATUSES.items():
                operation["responses"].setdefault(code, {
                    "description": description,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                })
    return result


class CodePagination(Pagination):
    ordering = ("code",)


# The codes of places, categories, deputies and stations: letters, digits, dots, dashes and underscores. A value of
# another form names nothing (400, as any malformed value); one of this form that names nothing is 422.
CODE_PATTERN = r"^[A-Za-z0-9][A-Za-z0-9._-]{0,59}$"
_CODE_RE = re.compile(CODE_PATTERN)


def _malformed_code(data) -> bool:
    return not isinstance(data, str) or _CODE_RE.fullmatch(data) is None


@extend_schema_field({"type": "string", "pattern": CODE_PATTERN})
class CachedSlugRelatedField(serializers.SlugRelatedField):
    """A slug lookup in a small reference table (townships, categories) from a per-process map.

    Intake names its township on every call; the map saves that query. It is rebuilt when any process changed a
    row of the table (core.versions, checked once per request), and every five minutes at least.
    """

    maps: dict = {}
    SECONDS = 300

    def to_internal_value(self, data):
        if _malformed_code(data):
            self.fail("invalid")
        queryset = self.get_queryset()
        stamp = versions.current(versions.REFERENCE)
        if stamp is None:  # the shared cache is unreachable: whatever this process kept may be stale
            obj = queryset.filter(**{self.slug_field: str(data)}).first()
        else:
            key = (queryset.model, self.slug_field)
            entry = self.maps.get(key)
            if entry is None or entry[1] != stamp or entry[2] < time.monotonic():
                entry = ({str(getattr(o, self.slug_field)): o for o in queryset}, stamp,
                         time.monotonic() + self.SECONDS)
                self.maps[key] = entry
            obj = entry[0].get(str(data))
        if obj is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data))
        return obj

    @classmethod
    def forget(cls, **_kwargs):
        """This process only; `changed` tells every process."""
        cls.maps.clear()

    @classmethod
    def changed(cls, **_kwargs):
        """Receiver of a township's or category's save and delete: every process rebuilds once it is committed."""
        cls.forget()
        versions.bump_on_commit(versions.REFERENCE)


class ShallowFieldsMixin:
    """Copy declared fields shallowly per serializer instance.

    DRF deep-copies every declared field for every instance, which was a third of a hotline intake request.
    Only for serializers whose fields are never changed after declaration (binding sets attributes on the copy).
    """

    def get_fields(self):
        return {name: copy.copy(field) for name, field in self._declared_fields.items()}


@extend_schema_field({"type": "string", "pattern": CODE_PATTERN})
class SafeSlugRelatedField(serializers.SlugRelatedField):
    """Refuses NUL characters before querying: PostgreSQL cannot compare them and would answer with an error."""

    def to_internal_value(self, data):
        if _malformed_code(data):
            self.fail("invalid")  # never a NUL, which PostgreSQL cannot compare
        return super().to_internal_value(data)


# JSON bodies are typed: a number is not text and "1" is not a number. DRF's own fields coerce (0 becomes "0"),
# which let a client's wrong type through as if it were meant; these refuse it with the field named.
class StrictCharField(serializers.CharField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictChoiceField(serializers.ChoiceField):
    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid_choice", input=data)
        return super().to_internal_value(data)


class StrictIntegerField(serializers.IntegerField):
    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictBooleanField(serializers.BooleanField):
    def to_internal_value(self, data):
        if not isinstance(data, bool):
            self.fail("invalid", input=data)
        return data


class CoordinateField(serializers.FloatField):
    """Decimal degrees as a JSON number, kept to the six places the database stores."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            self.fail("invalid")
        value = super().to_internal_value(data)
        if not -1000 < value < 1000:
            return value  # far out of range: the min/max validators name it (and quantizing would overflow)
        return Decimal(repr(value)).quantize(Decimal("0.000001"))


PHONE = RegexValidator(PHONE_RE, gettext_lazy("Enter an 11-digit mobile number or a landline such as 0827-5221234."))
NOT_BLANK = RegexValidator(r"\S", gettext_lazy("This field may not be blank."))


class FilterBackend(DjangoFilterBackend):
    """django-filter, strict: a typed filter (a date, a number, a choice) given an empty value is refused with its
    name, as any other value it cannot read is, instead of being ignored."""

    def filter_queryset(self, request, queryset, view):
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None:
            blank = [name for name, field in filterset_class.base_filters.items()
                     if not isinstance(field, django_filters.CharFilter) and name in request.query_params
                     and "" in request.query_params.getlist(name)]
            if blank:
                raise exceptions.ValidationError({name: [_("This field may not be blank.")] for name in blank})
            # django-filter reads "null", "unknown" or "2" as "not given"; the schema says true or false.
            unreadable = [name for name, field in filterset_class.base_filters.items()
                          if isinstance(field, django_filters.BooleanFilter) and name in request.query_params
                          and request.query_params[name] not in ("true", "false")]
            if unreadable:
                raise exceptions.ValidationError({name: [_("Give true or false.")] for name in unreadable})
        return super().filter_queryset(request, queryset, view)


class FilterSchema(DjangoFilterExtension):
    """The bounds a number filter checks (min_value, max_value) are in the schema too."""

    target_class = "core.api.FilterBackend"
    priority = 1

    def resolve_filter_field(self, auto_schema, model, filterset_class, field_name, filter_field):
        parameters = super().resolve_filter_field(auto_schema, model, filterset_class, field_name, filter_field)
        bounds = {"minimum": filter_field.extra.get("min_value"), "maximum": filter_field.extra.get("max_value")}
        for parameter in parameters:
            parameter["schema"].update({k: v for k, v in bounds.items() if v is not None})
        return parameters


class QuerySerializer(serializers.Serializer):
    """Query parameters, typed: a parameter given with an empty value is refused with its name. (DRF reads an empty
    form value as "not given", which let `?year=` or `?township=` through where the schema promises a value.)"""

    def to_internal_value(self, data):
        blank = [name for name, field in self.fields.items()
                 if not field.read_only and name in data and data.get(name) == ""
                 and not getattr(field, "allow_blank", False)]
        if blank:
            raise exceptions.ValidationError({name: [_("This field may not be blank.")] for name in blank})
        return super().to_internal_value(data)


class IntegerFilter(django_filters.NumberFilter):
    """A whole-number filter: "0.5" is refused, as the schema's integer type says (NumberFilter reads decimals)."""

    field_class = forms.IntegerField
