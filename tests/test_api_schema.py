"""schemathesis over the whole OpenAPI schema, in-process, anonymous and authenticated: no server error and no
response that contradicts the schema."""

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, settings

from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from portal.wsgi import application

# Judged: server errors, status codes, content types, response bodies and headers, auth. Left out: whether every
# schema-valid body is accepted (a valid-looking township code may not exist) and whether loosely typed input is
# refused (DRF coerces 0 to "0" for text fields).
EXCLUDED = [negative_data_rejection, positive_data_acceptance]

schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
SETTINGS = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.filter_too_much])


@pytest.fixture(autouse=True)
def keep_test_connection():
    """Requests go through the WSGI app in-process; like Django's test client, keep the test's database
    connection open between them (it holds the test transaction)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def token(walk, staff):
    from integrations.models import ApiToken

    walk("dispatched")
    return ApiToken.issue(user=staff.dispatcher, name="schemathesis")[1]


@pytest.mark.django_db
@schema.parametrize()
@SETTINGS
def test_anonymous_requests_conform(case, world):
    cache.clear()
    case.call_and_validate(excluded_checks=EXCLUDED)


@pytest.mark.django_db
@schema.parametrize()
@SETTINGS
def test_authenticated_requests_conform(case, token):
    cache.clear()
    case.call_and_validate(headers={"Authorization": f"Token {token}"}, excluded_checks=EXCLUDED)
