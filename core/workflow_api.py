"""One action endpoint for every lifecycle: POST …/{id}/{action}/ runs the action's form, then its service.

A lifecycle's API subclasses `ActionApi` with its table of actions (action -> (form, call)), how it finds the row
for the viewer, and how it shows the row afterwards. `action_routes` gives each action its own route, so the schema
names each action's body (typed fields, derived from the action's form) and a generated client gets one typed call
per action. Errors are the shared JSON `{code, detail}`: 404 outside the viewer's scope or for an unknown action,
409 in the wrong state, 403 without the right, 400 for a body of the wrong shape, 422 for a well-formed body that
names something unknown (a unit, a category, a demand number).
"""

from django import forms
from django.core.validators import RegexValidator
from django.urls import path
from django.utils.translation import gettext as _, gettext_lazy
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import NOT_BLANK, StrictBooleanField, StrictCharField, StrictChoiceField, StrictIntegerField
from .errors import InvalidInput, NotFound, Unprocessable
from .idempotency import idempotent
from .validators import MAX_PK

# A unit as the forms name it: grid:<id>, department:<id> or deputy:<id>.
UNIT = RegexValidator(r"^(grid|department|deputy):[1-9][0-9]{0,17}$",
                      gettext_lazy("Name a unit as department:<id>, grid:<id> or deputy:<id>."))


# core.idempotency refuses a key holding a control character (and reads at most its first 200 characters).
IDEMPOTENCY_KEY = {"type": "string", "pattern": "^[^\\x00-\\x1f\\x7f]*$"}


def _body_field(field: forms.Field):
    """The JSON field a form field reads, or None for what JSON cannot carry (files)."""
    required = field.required
    if isinstance(field, forms.FileField):
        return None
    if isinstance(field, forms.BooleanField):
        return StrictBooleanField(required=False)
    if isinstance(field, forms.DateField):
        return serializers.DateField(required=required)
    if isinstance(field, forms.IntegerField):
        return StrictIntegerField(required=required, min_value=field.min_value, max_value=field.max_value)
    if isinstance(field, forms.ModelMultipleChoiceField):
        return serializers.ListField(child=StrictIntegerField(min_value=1, max_value=MAX_PK), required=required,
                                     max_length=100)
    if isinstance(field, forms.ModelChoiceField) or type(field).__name__ == "CategoryField":
        return StrictIntegerField(required=required, min_value=1, max_value=MAX_PK, help_text="id")
    if type(field).__name__ == "UnitField":
        return StrictCharField(required=required, allow_blank=not required, validators=[UNIT],
                               help_text="department:<id>, grid:<id> or deputy:<id>")
    if isinstance(field, forms.ChoiceField):
        return StrictChoiceField(choices=field.choices, required=required)
    return StrictCharField(required=required, allow_blank=not required, max_length=field.max_length,
                           validators=[NOT_BLANK] if required else [])


def action_body(form_class, name: str) -> type[serializers.Serializer]:
    fields = {n: f for n, f in ((n, _body_field(f)) for n, f in form_class.base_fields.items()) if f is not None}
    return type(name, (serializers.Serializer,), {**fields, "__doc__": None, "__module__": __name__})


class ActionApi(APIView):
    actions: dict = {}  # action -> (form class, call(pk, actor, cleaned_data))
    object_kwarg = ""  # the keyword under which the forms receive the row
    serializer_class = None
    body_class = None  # the typed body of one action (set by action_routes)

    def get_object(self, request, pk):
        raise NotImplementedError

    @idempotent
    def post(self, request, pk, action):
        obj = self.get_object(request, pk)
        if action not in self.actions:
            raise NotFound(_("No such action."))
        form_class, call = self.actions[action]
        data = request.data if hasattr(request.data, "get") else {}
        body_class = self.body_class or action_body(form_class, "Body")
        body = body_class(data=data)
        body.is_valid(raise_exception=True)  # the wrong shape: 400, before any look-up
        form = form_class(data=data, files={}, **{self.object_kwarg: obj})
        if not form.is_valid():
            raise Unprocessable(field_errors={k: [str(m) for m in v] for k, v in form.errors.items()})
        try:
            call(obj.pk, request.user, form.cleaned_data)
        except InvalidInput as refused:  # the body had the right shape: what it names is refused, as by the form
            raise Unprocessable(refused.message, field_errors=refused.field_errors) from None
        obj = self.get_object(request, pk)
        return Response(self.serializer_class(obj, context={"request": request}).data)


def _camel(action: str) -> str:
    return "".join(part.capitalize() for part in action.split("_"))


def action_routes(prefix: str, view: type[ActionApi], *, noun: str, name: str) -> list:
    """One route per action of `view` (named `name`, reversed with pk and action as before), then one for any other
    action name, left out of the schema, that answers 404."""
    routes = []
    for action, (form_class, _call) in view.actions.items():
        body = action_body(form_class, f"{noun}{_camel(action)}")
        one = type(f"{view.__name__}{_camel(action)}", (view,), {"body_class": body})
        one = extend_schema(
            request=body, responses={200: view.serializer_class},
            parameters=[OpenApiParameter("Idempotency-Key", IDEMPOTENCY_KEY, OpenApiParameter.HEADER, required=False)],
            description=f"The `{action}` action. With an `Idempotency-Key` header the first answer is stored and "
                        "replayed; the same key with another body is 422.",
        )(one)
        routes.append(path(f"{prefix}<int:pk>/{action}/", one.as_view(), {"action": action}, name=name))
    unknown = extend_schema(exclude=True)(type(f"{view.__name__}Unknown", (view,), {}))
    routes.append(path(f"{prefix}<int:pk>/<action:action>/", unknown.as_view(), name=name))
    return routes
