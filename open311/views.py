"""Open311 GeoReport v2 endpoints. Thin: a form checks the arguments, a selector reads, a service acts."""

from functools import wraps

from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from demands.models import Channel
from demands.services import demand_receive
from integrations.models import token_user
from core.errors import ApplicationError, NotPermitted

from . import forms, render, selectors

# Where a service refuses a field, the client knows it by the spec's name.
SPEC_FIELDS = {"content": "description", "type": "attribute[demand_type]", "grid": "address_id",
               "community": "address_id", "township": "address_id"}


def endpoint(*methods):
    """Format and method checks, and every refusal in the spec's error format, for one view."""
    allowed = {*methods, "HEAD"} if "GET" in methods else set(methods)

    def decorate(view):
        # Clients are servers holding an api_key, not browsers with a session: there is no cookie to forge.
        @csrf_exempt
        @wraps(view)
        def wrapped(request, fmt, **kwargs):
            if fmt not in render.FORMATS:
                return render.errors(fmt, 404, [f"format: {_('Not found.')}"])
            if request.method not in allowed:
                response = render.errors(fmt, 405, [_("The request could not be carried out.")])
                response["Allow"] = ", ".join(sorted(allowed))
                return response
            try:
                response = view(request, fmt, **kwargs)
            except ApplicationError as error:
                descriptions = [f"{SPEC_FIELDS.get(field, field)}: {message}"
                                for field, messages in error.field_errors.items() for message in messages]
                response = render.errors(fmt, error.http_status, descriptions or [error.message])
            if request.method in ("GET", "HEAD"):
                # Readable from a web page on another site (a city's map): the answers carry no cookie and no
                # personal data, and a key travels in the query, never as a credential the browser adds.
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return wrapped

    return decorate


def _viewer(request, source):
    """The account behind api_key; None without one. A key that is given must be valid."""
    raw = source.get("api_key", "")
    if not raw:
        return None
    user = token_user(raw)
    if user is None:
        raise NotPermitted(f"api_key: {_('You may not do this.')}")
    return user


@endpoint("GET")
def discovery(request, fmt):
    services_url = request.build_absolute_uri(reverse("open311:service_list", kwargs={"fmt": fmt}))
    endpoint_url = services_url.rsplit("/", 1)[0]
    return render.respond(fmt, "discovery", selectors.discovery(endpoint_url=endpoint_url))


@endpoint("GET")
def service_list(request, fmt):
    return render.respond(fmt, "services", selectors.service_list())


@endpoint("GET")
def service_definition(request, fmt, service_code):
    return render.respond(fmt, "service_definition", selectors.service_definition(service_code))


@endpoint("GET", "POST")
def requests(request, fmt):
    if request.method == "POST":
        return _request_create(request, fmt)
    viewer = _viewer(request, request.GET)
    form = forms.RequestQueryForm(forms.query_data(request.GET))
    if not form.is_valid():
        return render.errors(fmt, 400, forms.error_descriptions(form))
    c = form.cleaned_data
    services = selectors.services_q(c["service_code"]) if c["service_code"] else None
    items = selectors.request_list(viewer=viewer, ids=c["service_request_id"], services=services,
                                   start=c["start"], end=c["end"], statuses=c["status"])
    return render.respond(fmt, "service_requests", items)


def _request_create(request, fmt):
    actor = _viewer(request, request.POST) or _viewer(request, request.GET)
    if actor is None:
        raise NotPermitted(f"api_key: {_('You may not do this.')}")
    form = forms.RequestCreateForm(request.POST)
    if not form.is_valid():
        return render.errors(fmt, 400, forms.error_descriptions(form))
    category = selectors.service_get(form.cleaned_data["service_code"])
    demand = demand_receive(actor=actor, channel=Channel.API, category=category, **form.demand_fields(category))
    return render.respond(fmt, "service_requests", [selectors.request_created(demand)], status=201)


@endpoint("GET")
def request_updates(request, fmt):
    """The servicerequestupdates extension, as FixMyStreet polls it: the public steps of readable requests."""
    viewer = _viewer(request, request.GET)
    form = forms.UpdateQueryForm(forms.query_data(request.GET))
    if not form.is_valid():
        return render.errors(fmt, 400, forms.error_descriptions(form))
    c = form.cleaned_data
    return render.respond(fmt, "service_request_updates",
                          selectors.request_updates(viewer=viewer, start=c["start"], end=c["end"]))


@endpoint("GET")
def request_detail(request, fmt, service_request_id):
    item = selectors.request_get(viewer=_viewer(request, request.GET), number=service_request_id)
    return render.respond(fmt, "service_requests", [item])


@endpoint("GET")
def token(request, fmt, token):
    return render.respond(fmt, "service_requests", [selectors.request_token(viewer=_viewer(request, request.GET), token=token)])
