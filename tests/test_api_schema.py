"""schemathesis over the whole OpenAPI schema, in-process, anonymous and authenticated, with every check: no server
error, no response that contradicts the schema, every request the schema calls valid accepted (2xx or a documented
401/403/404/409/422/429) and every request it calls invalid refused (4xx).

One test per API operation and client; each builds its generated cases (schemathesis' coverage, examples and
fuzzing phases) when it runs, not when the suite is collected, so listing or running other tests stays cheap.
"""

import functools

import pytest
import schemathesis
from django.core.cache import cache
from hypothesis import HealthCheck, settings

from schemathesis.checks import load_all_checks
from schemathesis.core.failures import FailureGroup, as_reported_failure
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.pytest._test_builder import build_operation_test
from schemathesis.python._constants.orchestrator import make_constants_value_source

from portal.wsgi import application

SETTINGS = settings(max_examples=15, deadline=None, derandomize=True,
                    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                           HealthCheck.filter_too_much])


@functools.cache
def api_schema():
    """The schema the portal serves (loading it is cheap; building each operation's cases is not)."""
    schema = schemathesis.openapi.from_wsgi("/api/schema/", application)
    # A body of the schema's shape may still name a township or unit that does not exist: the API answers 422
    # (documented on every operation), which is acceptance of the shape, not a refusal of valid data.
    accepted = schema.config.checks.positive_data_acceptance
    accepted.expected_statuses = [*accepted.expected_statuses, "422"]
    return schema


def _labels() -> list[str]:
    labels = [result.ok().label for result in api_schema().get_all_operations()]
    assert labels, "the API schema lists no operation"
    return labels


OPERATIONS = _labels()


def conforms(label: str, check) -> None:
    """Run `check(case)` on every case schemathesis generates for one operation, as its pytest plugin would."""
    __tracebackhide__ = True
    load_all_checks()
    schema = api_schema()
    method, path = label.split(" ", 1)
    operation = schema[path][method]
    feedback = FeedbackSources(constants_value_source=make_constants_value_source(schema))
    test = build_operation_test(config=schema.config, operation=operation, test_func=check, given_kwargs={},
                                feedback=feedback, explicit_settings=SETTINGS)
    try:
        test()
    except FailureGroup as failures:
        raise as_reported_failure(failures) from None


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
@pytest.mark.parametrize("operation", OPERATIONS)
def test_anonymous_requests_conform(operation, world):
    def check(case):
        cache.clear()
        case.call_and_validate()

    conforms(operation, check)


@pytest.mark.django_db
@pytest.mark.parametrize("operation", OPERATIONS)
def test_authenticated_requests_conform(operation, token):
    def check(case):
        cache.clear()
        case.call_and_validate(headers={"Authorization": f"Token {token}"})

    conforms(operation, check)
