"""One action endpoint for every lifecycle: POST …/{id}/{action}/ runs the action's form, then its service.

A lifecycle's API subclasses `ActionApi` with its table of actions (action -> (form, call)), how it finds the row
for the viewer, and how it shows the row afterwards. Errors are the shared JSON `{code, detail}`: 404 outside the
viewer's scope or for an unknown action, 409 in the wrong state, 403 without the right, 400 for bad input.
"""

from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.views import APIView

from .errors import InvalidInput, NotFound
from .idempotency import idempotent


class ActionApi(APIView):
    actions: dict = {}  # action -> (form class, call(pk, actor, cleaned_data))
    object_kwarg = ""  # the keyword under which the forms receive the row
    serializer_class = None

    def get_object(self, request, pk):
        raise NotImplementedError

    @idempotent
    def post(self, request, pk, action):
        obj = self.get_object(request, pk)
        if action not in self.actions:
            raise NotFound(_("No such action."))
        form_class, call = self.actions[action]
        data = request.data if hasattr(request.data, "get") else {}
        form = form_class(data=data, files=request.FILES, **{self.object_kwarg: obj})
        if not form.is_valid():
            raise InvalidInput(field_errors={k: [str(m) for m in v] for k, v in form.errors.items()})
        call(obj.pk, request.user, form.cleaned_data)
        obj = self.get_object(request, pk)
        return Response(self.serializer_class(obj, context={"request": request}).data)
