"""The API takes typed JSON and typed query parameters: a wrong type is a 400 naming the field, a well-formed value
that names nothing known is a 422, and the schema says both (one content type per body, bounds, patterns)."""

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from demands.models import Demand
from demands.states import Status
from integrations.models import ApiToken

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def client_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(user=user, name='t')[1]}")
    return client


@pytest.fixture(scope="module")
def schema(django_db_blocker):
    with django_db_blocker.unblock():
        return APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()


def test_a_number_where_text_is_expected_is_refused_with_the_field_named(world):
    response = client_for().post("/api/v1/classify/", {"content": 0}, format="json")
    assert response.status_code == 400 and "content" in response.json()["fields"]
    created = client_for().post("/api/v1/demands/", {"type": "help", "content": 12345, "is_public": "yes"},
                                format="json")
    assert created.status_code == 400 and set(created.json()["fields"]) == {"content", "is_public"}
    assert not Demand.objects.exists()


def test_a_form_encoded_body_is_refused_as_unsupported(world):
    response = client_for().post("/api/v1/demands/", {"type": "help", "content": "路灯坏了"})
    assert response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
    assert not Demand.objects.exists()


def test_null_in_an_optional_text_field_is_refused_never_stored_as_text(world):
    response = client_for().post("/api/v1/demands/", {"type": "help", "content": "路灯坏了一周。", "address": None},
                                 format="json")
    assert response.status_code == 400 and "address" in response.json()["fields"]
    placed = client_for().post("/api/v1/demands/", {"type": "help", "content": "路灯坏了一周。", "township": None,
                                                    "lat": None, "lng": None}, format="json")
    assert placed.status_code == 201
    assert not Demand.objects.filter(address__contains="None").exists()


def test_an_unknown_township_code_is_422_a_malformed_one_400(world):
    unknown = client_for().post("/api/v1/demands/", {"type": "help", "content": "路灯坏了。", "township": "999"},
                                format="json")
    assert unknown.status_code == 422 and unknown.json()["code"] == "unprocessable"
    assert "township" in unknown.json()["fields"]
    malformed = client_for().post("/api/v1/demands/", {"type": "help", "content": "路灯坏了。", "township": 999},
                                  format="json")
    assert malformed.status_code == 400 and "township" in malformed.json()["fields"]


@pytest.mark.parametrize("size", ["-5", "0", "abc", "201", ""])
def test_a_page_size_out_of_bounds_or_not_a_number_is_400_naming_it(world, staff, size):
    response = client_for(staff.dispatcher).get("/api/v1/demands/", {"page_size": size})
    assert response.status_code == 400 and "page_size" in response.json()["fields"]


def test_an_action_body_of_the_wrong_type_is_400_and_changes_nothing(walk, staff, world):
    demand = walk(Status.RECEIVED)
    response = client_for(staff.dispatcher).post(f"/api/v1/demands/{demand.pk}/classify/", {
        "type": "help", "category": str(world.category.pk), "urgency": "normal", "grid": world.grid.pk},
        format="json")
    assert response.status_code == 400 and set(response.json()["fields"]) == {"category"}
    unknown_unit = client_for(staff.dispatcher).post(f"/api/v1/demands/{demand.pk}/classify_dispatch/", {
        "type": "help", "category": world.category.pk, "urgency": "normal", "grid": world.grid.pk,
        "unit": "department:999999"}, format="json")
    assert unknown_unit.status_code == 422 and "unit" in unknown_unit.json()["fields"]
    demand.refresh_from_db()
    assert demand.status == Status.RECEIVED


def test_an_unknown_action_is_still_404(walk, staff):
    demand = walk(Status.RECEIVED)
    response = client_for(staff.dispatcher).post(f"/api/v1/demands/{demand.pk}/fly/", {}, format="json")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_schema_lists_only_json_bodies_except_the_photo_upload(schema):
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            body = operation.get("requestBody")
            if body is None:
                continue
            expected = ["multipart/form-data"] if path.endswith("/attachments/") else ["application/json"]
            assert list(body["content"]) == expected, (method, path)


def test_the_schema_types_every_action_body(schema):
    for name in ("classify", "dispatch", "note", "resolve"):
        body = schema["paths"][f"/api/v1/demands/{{id}}/{name}/"]["post"]["requestBody"]["content"]
        ref = body["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
        assert schema["components"]["schemas"][ref]["properties"], name
    assert "/api/v1/demands/{id}/{action}/" not in schema["paths"]
    unit = schema["components"]["schemas"]["DemandDispatchRequest"]["properties"]["unit"]
    assert unit["pattern"].startswith("^(grid|department|deputy)")


def test_the_schema_bounds_page_size_and_forbids_control_characters_in_query_text(schema):
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/demands/"]["get"]["parameters"]}
    assert (parameters["page_size"]["minimum"], parameters["page_size"]["maximum"]) == (1, 200)
    assert parameters["external_id"]["pattern"] == "^[^\\x00-\\x08\\x0a-\\x1f\\x7f]*$"


def test_internal_notes_do_not_leak_into_the_schema(schema):
    text = str(schema)
    for note in ("ModelSerializer", "deep-copies", "registry.py", "action_routes"):
        assert note not in text


def test_locate_refuses_a_point_off_the_globe_naming_the_coordinate(world, schema):
    response = client_for().get("/api/v1/locate/", {"lat": "31.87", "lng": "5.6e+16"})
    assert response.status_code == 400 and set(response.json()["fields"]) == {"lng"}
    bounds = {p["name"]: (p["schema"]["minimum"], p["schema"]["maximum"])
              for p in schema["paths"]["/api/v1/locate/"]["get"]["parameters"]}
    assert bounds == {"lat": (-90, 90), "lng": (-180, 180)}


@pytest.mark.parametrize("query", [{"updated_since": ""}, {"created_after": "yesterday"}, {"escalation_level": "x"},
                                   {"escalation_level": "0.5"}, {"escalation_level": "9"}])
def test_a_typed_filter_given_a_blank_or_unreadable_value_is_400_naming_it(world, staff, query):
    response = client_for(staff.dispatcher).get("/api/v1/demands/", query)
    assert response.status_code == 400 and set(response.json()["fields"]) == set(query)


def test_a_year_that_is_not_one_is_400_for_the_projects_and_the_suggestions(world, staff):
    assert client_for().get("/api/v1/ballot/projects/", {"year": "abc"}).status_code == 400
    response = client_for(staff.supervisor).get("/api/v1/suggestions/", {"year": "1999"})
    assert response.status_code == 400 and "year" in response.json()["fields"]


def test_the_schema_carries_the_bounds_of_number_filters(schema):
    parameters = {p["name"]: p["schema"] for p in schema["paths"]["/api/v1/suggestions/"]["get"]["parameters"]}
    assert (parameters["year"]["minimum"], parameters["year"]["maximum"]) == (2000, 2100)
    assert parameters["department"]["minimum"] == 1


def test_a_flag_filter_takes_only_true_or_false(world, staff):
    client = client_for(staff.dispatcher)
    assert client.get("/api/v1/demands/", {"overdue": "true"}).status_code == 200
    response = client.get("/api/v1/demands/", {"overdue": "null"})
    assert response.status_code == 400 and "overdue" in response.json()["fields"]


def test_a_code_of_the_wrong_form_is_400_one_naming_nothing_is_422(world, staff):
    client = client_for(staff.supervisor)
    body = {"station": "ST\x00", "held_on": "2026-03-01", "deputies": [], "topics": "接待群众"}
    malformed = client.post("/api/v1/receptions/", body, format="json")
    assert malformed.status_code == 400 and "station" in malformed.json()["fields"]
    unknown = client.post("/api/v1/receptions/", {**body, "station": "NO-SUCH-STATION"}, format="json")
    assert unknown.status_code == 422 and "station" in unknown.json()["fields"]


def test_the_schema_gives_codes_and_idempotency_keys_their_form(schema):
    components = schema["components"]["schemas"]
    assert components["DemandCreateRequest"]["properties"]["township"]["pattern"].startswith("^[A-Za-z0-9]")
    header = next(p for p in schema["paths"]["/api/v1/demands/{id}/accept/"]["post"]["parameters"]
                  if p["name"] == "Idempotency-Key")
    assert header["schema"]["pattern"] == "^[^\\x00-\\x1f\\x7f]*$"
