"""GeoReport v2 resources, each as .json or .xml (https://wiki.open311.org/GeoReport_v2)."""

from django.urls import re_path

from . import views

app_name = "open311"

# Any word is taken as a format so that an unsupported one gets the spec's 404 body, not an HTML page.
# Identifiers accept only the characters they are made of, with a bounded length (as core.converters do).
FMT = r"\.(?P<fmt>[A-Za-z0-9]+)$"

urlpatterns = [
    re_path(rf"^discovery{FMT}", views.discovery, name="discovery"),
    re_path(rf"^v2/services{FMT}", views.service_list, name="service_list"),
    # Service codes contain dots (sanitation.garbage); the format is what follows the last one.
    re_path(rf"^v2/services/(?P<service_code>[A-Za-z0-9_.-]{{1,60}}){FMT}", views.service_definition,
            name="service_definition"),
    re_path(rf"^v2/requests{FMT}", views.requests, name="requests"),
    re_path(rf"^v2/requests/(?P<service_request_id>[A-Za-z0-9_-]{{1,40}}){FMT}", views.request_detail,
            name="request_detail"),
    # An extension beside the spec's resources (FixMyStreet's client reads it): the public steps of requests.
    re_path(rf"^v2/servicerequestupdates{FMT}", views.request_updates, name="request_updates"),
    re_path(rf"^v2/tokens/(?P<token>[A-Za-z0-9_-]{{1,64}}){FMT}", views.token, name="token"),
]
