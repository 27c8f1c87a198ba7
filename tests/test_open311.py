"""Open311 GeoReport v2 (https://wiki.open311.org/GeoReport_v2): services are categories, requests are demands.

Written from the spec: every resource in JSON and XML, the required arguments, the error document, the 90-day and
1000-request defaults, the open/closed statuses, and what must never leave the portal (names and phones).
"""

import datetime as dt
import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from django.test import Client
from django.utils import timezone

from demands import services
from demands.codes import ALPHABET, new_tracking_code, public_number
from demands.models import Channel, Demand, DemandType
from core.actors import ResidentActor
from demands.states import Status
from integrations.models import ApiToken
from integrations.services import integration_create

from .factories import CategoryFactory, GridFactory

pytestmark = pytest.mark.django_db

BASE = "/open311/v2"
LAMP = "小区门口路灯不亮了，晚上出行不便"
NAME, PHONE = "王秀英", "13812345678"
# Anything shaped like a tracking code (BQ7-2MX-...): Open311 names demands by their public numbers only.
TRACKING_CODE = re.compile(rf"[{ALPHABET}]{{3}}(?:-[{ALPHABET}]{{3}}){{5}}")


@pytest.fixture
def api_key(world):
    """A 12345 hotline limited to the first township."""
    _integration, raw = integration_create(name="12345热线", townships=[world.township])
    return raw


@pytest.fixture
def district_key(world):
    _integration, raw = integration_create(name="区级平台")
    return raw


def no_tracking_code_in(response):
    assert not TRACKING_CODE.search(response.content.decode("utf-8")), "a tracking code left through Open311"


def as_json(response):
    assert response["Content-Type"] == "application/json; charset=utf-8"
    no_tracking_code_in(response)
    return json.loads(response.content.decode("utf-8"))


def as_xml(response):
    assert response["Content-Type"] == "text/xml; charset=utf-8"
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    no_tracking_code_in(response)
    return ET.fromstring(response.content)


def xml_requests(response) -> list[dict]:
    root = as_xml(response)
    assert root.tag == "service_requests"
    return [{child.tag: child.text for child in request} for request in root.findall("request")]


def error_of(response, fmt="json") -> list[dict]:
    if fmt == "json":
        return as_json(response)
    root = as_xml(response)
    assert root.tag == "errors"
    return [{"code": int(e.findtext("code")), "description": e.findtext("description")} for e in root.findall("error")]


def post_request(client, fmt="json", **data):
    return client.post(f"{BASE}/requests.{fmt}", data)


def valid_post(api_key, world, **extra):
    return {"api_key": api_key, "service_code": world.category.code, "lat": "31.870001", "long": "106.750001",
            "description": LAMP, **extra}


def public(demand):
    Demand.objects.filter(pk=demand.pk).update(is_public=True)
    demand.refresh_from_db()
    return demand


# ---------------------------------------------------------------- discovery


def test_discovery_lists_the_v2_endpoint_in_json_and_xml(client, world):
    body = as_json(client.get("/open311/discovery.json"))
    assert set(body) == {"changeset", "contact", "key_service", "endpoints"}
    (endpoint,) = body["endpoints"]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert endpoint["url"] == "http://testserver/open311/v2"
    assert endpoint["type"] == "production"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    # W3C datetimes with an offset, as the spec writes every datetime.
    for changeset in (body["changeset"], endpoint["changeset"]):
        assert dt.datetime.fromisoformat(changeset).utcoffset() == dt.timedelta(hours=8)

    root = as_xml(client.get("/open311/discovery.xml"))
    assert root.tag == "discovery"
    assert root.findtext("endpoints/endpoint/url") == "http://testserver/open311/v2"
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == ["text/xml", "application/json"]


# ---------------------------------------------------------------- services


def test_services_are_the_active_categories_grouped_under_their_top_level(client, world):
    CategoryFactory(code="sanitation.old", name="旧分类", parent=world.category.parent, is_active=False)
    services_ = {s["service_code"]: s for s in as_json(client.get(f"{BASE}/services.json"))}
    assert set(services_) == {"sanitation", "sanitation.garbage", "unclassified"}
    garbage = services_["sanitation.garbage"]
    assert garbage["service_name"] == "垃圾清运"
    assert garbage["group"] == "市容环卫"
    assert garbage["type"] == "realtime"
    assert garbage["metadata"] is True
    assert "垃圾清运" in garbage["keywords"] and garbage["description"]
    # A top-level category can be filed under but has no service definition.
    assert services_["sanitation"]["metadata"] is False

    root = as_xml(client.get(f"{BASE}/services.xml"))
    assert root.tag == "services"
    xml_services = {s.findtext("service_code"): s for s in root.findall("service")}
    assert xml_services["sanitation.garbage"].findtext("service_name") == "垃圾清运"
    assert xml_services["sanitation.garbage"].findtext("group") == "市容环卫"
    assert xml_services["sanitation.garbage"].findtext("metadata") == "true"
    assert xml_services["sanitation"].findtext("metadata") == "false"


def test_service_definition_declares_urgency_and_demand_type_lists(client, world):
    body = as_json(client.get(f"{BASE}/services/sanitation.garbage.json"))
    assert body["service_code"] == "sanitation.garbage"
    attributes = {a["code"]: a for a in body["attributes"]}
    assert set(attributes) == {"urgency", "demand_type"}
    for attribute in attributes.values():
        assert attribute["datatype"] == "singlevaluelist"
        assert attribute["variable"] is True and attribute["required"] is False
    assert [v["key"] for v in attributes["urgency"]["values"]] == ["normal", "urgent"]
    assert {v["key"] for v in attributes["demand_type"]["values"]} == set(DemandType.values)
    assert sorted(a["order"] for a in body["attributes"]) == [1, 2]

    root = as_xml(client.get(f"{BASE}/services/sanitation.garbage.xml"))
    assert root.tag == "service_definition"
    assert root.findtext("service_code") == "sanitation.garbage"
    keys = [v.findtext("key") for v in root.findall("attributes/attribute[code='urgency']/values/value")]
    assert keys == ["normal", "urgent"]
    names = [v.findtext("name") for v in root.findall("attributes/attribute[code='demand_type']/values/value")]
    assert "求助" in names


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("code", ["no.such.service", "sanitation"])
def test_unknown_service_code_or_one_without_definition_is_404(client, world, fmt, code):
    response = client.get(f"{BASE}/services/{code}.{fmt}")
    assert response.status_code == 404
    (error,) = error_of(response, fmt)
    assert error["code"] == 404 and "service_code" in error["description"]


# ---------------------------------------------------------------- POST requests


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_post_creates_a_demand_through_intake_and_answers_its_id(world, api_key, fmt):
    client = Client(enforce_csrf_checks=True)  # servers post without a CSRF cookie
    response = post_request(client, fmt, **valid_post(api_key, world, first_name="秀英", last_name="王",
                                                      phone=PHONE, address_string="莲花社区菜市场门口"))
    assert response.status_code == 201
    if fmt == "json":
        (created,) = as_json(response)
    else:
        (created,) = xml_requests(response)
    demand = Demand.objects.get()
    # Created at once, so the spec's answer is the id alone, not a token as well.
    assert created["service_request_id"] == demand.public_no and "token" not in created
    assert created["service_notice"]
    assert "account_id" not in created
    assert demand.channel == Channel.API and demand.status == Status.RECEIVED
    assert demand.category == world.category and demand.content == LAMP
    assert demand.address == "莲花社区菜市场门口"
    assert (demand.lat, demand.lng) == (Decimal("31.870001"), Decimal("106.750001"))
    assert demand.contact_name == NAME and demand.contact_phone == PHONE
    assert demand.grid == world.grid and demand.township == world.township
    assert demand.events.get().action == "receive"


def test_point_locates_to_the_nearest_grid_and_outside_the_district_to_none(client, world, api_key):
    far = GridFactory(community=world.other_grid.community, lat=Decimal("32.100000"), lng=Decimal("107.000000"))
    post_request(client, **valid_post(api_key, world, lat="32.09", long="106.99"))
    post_request(client, **valid_post(api_key, world, lat="39.9042", long="116.4074"))  # Beijing
    near_far, beijing = Demand.objects.order_by("created_at", "id")
    assert near_far.grid == far and near_far.township == world.other_township
    assert beijing.grid is None and beijing.township is None and beijing.lat == Decimal("39.904200")


def test_address_id_is_a_grid_code(client, world, api_key):
    data = valid_post(api_key, world, address_id=world.other_grid.code)
    del data["lat"], data["long"]
    assert post_request(client, **data).status_code == 201
    assert Demand.objects.get().grid == world.other_grid


def test_attribute_demand_type_sets_the_type_and_defaults_to_help(client, world, api_key):
    post_request(client, **valid_post(api_key, world, **{"attribute[demand_type]": "complaint",
                                                         "attribute[urgency]": "urgent"}))
    post_request(client, **valid_post(api_key, world))
    typed, plain = Demand.objects.order_by("created_at", "id")
    assert typed.type == DemandType.COMPLAINT and plain.type == DemandType.HELP


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", [None, "", "msk_not-a-real-key", "wrong"])
def test_post_without_a_valid_api_key_is_403_and_creates_nothing(client, world, fmt, key):
    data = valid_post("", world)
    if key is None:
        del data["api_key"]
    else:
        data["api_key"] = key
    response = post_request(client, fmt, **data)
    assert response.status_code == 403
    (error,) = error_of(response, fmt)
    assert error["code"] == 403 and "api_key" in error["description"]
    assert not Demand.objects.exists()


def test_a_revoked_key_is_refused(client, world, api_key):
    ApiToken.objects.update(revoked_at=timezone.now())
    assert post_request(client, **valid_post(api_key, world)).status_code == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("change, field", [
    ({"service_code": ""}, "service_code"),
    ({"lat": "", "long": "", "address_string": ""}, "address_id"),
    ({"long": ""}, "long"),
    ({"lat": "north"}, "lat"),
    ({"lat": "95"}, "lat"),
    ({"address_id": "NO-SUCH-GRID", "lat": "", "long": ""}, "address_id"),
    ({"attribute[urgency]": "very"}, "attribute[urgency]"),
    ({"attribute[demand_type]": "praise"}, "attribute[demand_type]"),
    ({"phone": "call me"}, "phone"),
    ({"description": "长" * 4001}, "description"),
    ({"description": "路灯\x00坏了"}, "description"),  # PostgreSQL cannot store a NUL
    ({"address_id": "T01\x00", "lat": "", "long": ""}, "address_id"),
])
def test_bad_or_missing_arguments_are_400_naming_the_argument(client, world, api_key, fmt, change, field):
    response = post_request(client, fmt, **{**valid_post(api_key, world), **change})
    assert response.status_code == 400
    errors = error_of(response, fmt)
    assert all(e["code"] == 400 for e in errors)
    assert any(field in e["description"] for e in errors)
    assert not Demand.objects.exists()


@pytest.mark.parametrize("description", [None, "", "   "])
def test_a_spec_minimal_post_without_a_description_is_taken_in(client, world, api_key, description):
    """The spec needs a service code and a location only; the demand then says which service was asked for."""
    post = {"api_key": api_key, "service_code": world.category.code, "address_id": world.grid.code}
    if description is not None:
        post["description"] = description
    response = post_request(client, **post)
    assert response.status_code == 201
    demand = Demand.objects.get()
    assert demand.content == "市容环卫 / 垃圾清运（未附描述）" and demand.grid == world.grid


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_unknown_service_code_on_post_is_404(client, world, api_key, fmt):
    response = post_request(client, fmt, **valid_post(api_key, world, service_code="roads_traffic.pothole"))
    assert response.status_code == 404
    assert "service_code" in error_of(response, fmt)[0]["description"]
    assert not Demand.objects.exists()


# ---------------------------------------------------------------- UTF-8 round trip and tokens


def test_chinese_description_round_trips_in_json_and_xml(client, world, api_key):
    (created,) = as_json(post_request(client, **valid_post(api_key, world)))
    code = created["service_request_id"]

    response = client.get(f"{BASE}/requests/{code}.json", {"api_key": api_key})
    assert LAMP.encode("utf-8") in response.content  # raw UTF-8, not \u escapes
    (item,) = as_json(response)
    assert item["description"] == LAMP and item["service_name"] == "垃圾清运"

    (item,) = xml_requests(client.get(f"{BASE}/requests/{code}.xml", {"api_key": api_key}))
    assert item["description"] == LAMP and item["service_code"] == "sanitation.garbage"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_token_resolves_to_the_service_request_id(client, world, api_key, fmt):
    (created,) = as_json(post_request(client, **valid_post(api_key, world)))
    response = client.get(f"{BASE}/tokens/{created['service_request_id']}.{fmt}", {"api_key": api_key})
    assert response.status_code == 200
    (item,) = as_json(response) if fmt == "json" else xml_requests(response)
    assert item == {"service_request_id": created["service_request_id"], "token": created["service_request_id"]}
    demand = Demand.objects.get()
    # Only for requests the caller may read (this one is not public), never by tracking code, never unknown ones.
    unknown = public_number(demand.pk + 1, timezone.localtime(demand.created_at).year)
    for token, query in [(created["service_request_id"], {}), (demand.tracking_code, {"api_key": api_key}),
                         (unknown, {"api_key": api_key}), (new_tracking_code(), {"api_key": api_key})]:
        missing = client.get(f"{BASE}/tokens/{token}.{fmt}", query)
        assert missing.status_code == 404 and error_of(missing, fmt)[0]["code"] == 404, token


# ---------------------------------------------------------------- GET requests


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_request_fields_follow_the_spec(client, walk, world, fmt):
    demand = public(walk(Status.ACCEPTED, address="莲花社区菜市场门口"))
    response = client.get(f"{BASE}/requests/{demand.public_no}.{fmt}")
    assert response.status_code == 200
    (item,) = as_json(response) if fmt == "json" else xml_requests(response)
    assert item["service_request_id"] == demand.public_no
    assert item["status"] == "open"
    assert item["service_code"] == "sanitation.garbage" and item["service_name"] == "垃圾清运"
    assert item["agency_responsible"] == "巴州区综合行政执法局"
    assert item["address"] == "莲花社区菜市场门口"
    assert item["address_id"] == world.grid.code
    assert item["status_notes"] and item["service_notice"]
    assert item["requested_datetime"] == timezone.localtime(demand.created_at).isoformat(timespec="seconds")
    assert item["requested_datetime"].endswith("+08:00")
    assert item["expected_datetime"] == timezone.localtime(demand.resolve_deadline).isoformat(timespec="seconds")
    assert dt.datetime.fromisoformat(item["updated_datetime"]) >= dt.datetime.fromisoformat(item["requested_datetime"])
    # Nothing was posted with it and the district's places have no postal code: empty, as the spec allows.
    assert item["media_url"] is None and item["zipcode"] is None
    assert "account_id" not in item


def test_the_public_reads_the_grids_centre_never_the_residents_own_point(client, walk, world):
    world.grid.lat, world.grid.lng = Decimal("31.870000"), Decimal("106.750000")
    world.grid.save()
    demand = public(walk(Status.ACCEPTED, lat=Decimal("31.861234"), lng=Decimal("106.745678")))

    (item,) = as_json(client.get(f"{BASE}/requests/{demand.public_no}.json"))
    (listed,) = as_json(client.get(f"{BASE}/requests.json"))

    assert (item["lat"], item["long"]) == (31.87, 106.75) == (listed["lat"], listed["long"])
    assert "31.861234" not in client.get(f"{BASE}/requests/{demand.public_no}.xml").content.decode()


def test_a_key_holder_reads_the_point_of_a_demand_in_its_scope_only(client, walk, world, api_key):
    inside = walk(Status.ACCEPTED, lat=Decimal("31.861234"), lng=Decimal("106.745678"))
    outside = public(walk(Status.RECEIVED, township=world.other_township, lat=Decimal("32.011111"),
                          lng=Decimal("106.911111")))

    (mine,) = as_json(client.get(f"{BASE}/requests/{inside.public_no}.json", {"api_key": api_key}))
    (theirs,) = as_json(client.get(f"{BASE}/requests/{outside.public_no}.json", {"api_key": api_key}))

    assert (mine["lat"], mine["long"]) == (31.861234, 106.745678)
    assert theirs["lat"] != 32.011111 and theirs["long"] != 106.911111


@pytest.mark.parametrize("target", [Status.CLOSED, Status.REJECTED, Status.MERGED])
def test_closed_rejected_and_merged_demands_are_closed(client, walk, target):
    demand = public(walk(target))
    (item,) = as_json(client.get(f"{BASE}/requests/{demand.public_no}.json"))
    assert item["status"] == "closed"
    assert item["updated_datetime"] == timezone.localtime(demand.closed_at).isoformat(timespec="seconds")


@pytest.mark.parametrize("target", [Status.RECEIVED, Status.CLASSIFIED, Status.DISPATCHED, Status.ACCEPTED,
                                    Status.RESOLVED, Status.VERIFIED])
def test_every_other_state_is_open(client, walk, target):
    demand = public(walk(target))
    (item,) = as_json(client.get(f"{BASE}/requests/{demand.public_no}.json"))
    assert item["status"] == "open"


def test_status_notes_tell_the_reason_or_the_reply(client, walk, staff):
    rejected = public(walk(Status.REJECTED))
    answered = public(walk(Status.RESOLVED))
    by_number = {i["service_request_id"]: i for i in as_json(client.get(f"{BASE}/requests.json"))}
    assert "不属于受理范围" in by_number[rejected.public_no]["status_notes"]
    assert by_number[answered.public_no]["status_notes"] == "已安排环卫工人清运完毕。"


def test_status_filter_selects_open_or_closed(client, walk):
    open_ = public(walk(Status.ACCEPTED))
    closed = public(walk(Status.CLOSED))
    codes = lambda q: {i["service_request_id"] for i in as_json(client.get(f"{BASE}/requests.json", q))}  # noqa: E731
    assert codes({"status": "closed"}) == {closed.public_no}
    assert codes({"status": "open"}) == {open_.public_no}
    assert codes({"status": "open,closed"}) == codes({}) == {open_.public_no, closed.public_no}
    assert client.get(f"{BASE}/requests.json", {"status": "pending"}).status_code == 400


def test_service_code_filter_answers_requests_of_that_service_only(client, walk, world):
    classified = public(walk(Status.CLASSIFIED))  # classified under sanitation.garbage
    unclassified = public(walk(Status.RECEIVED))
    codes = lambda q: {i["service_request_id"] for i in as_json(client.get(f"{BASE}/requests.json", q))}  # noqa: E731
    assert codes({"service_code": "sanitation.garbage"}) == {classified.public_no}
    # A top-level code is a service of its own: its sub-categories' requests carry other codes, so they are not
    # listed under it (a client checks each answer's code against the one it asked for).
    assert codes({"service_code": "sanitation"}) == set()
    assert codes({"service_code": "sanitation,sanitation.garbage"}) == {classified.public_no}
    # Demands nobody has classified yet are the pseudo-service's.
    assert codes({"service_code": "unclassified"}) == {unclassified.public_no}
    assert codes({"service_code": "unclassified,sanitation.garbage"}) == {classified.public_no, unclassified.public_no}
    assert codes({}) == {classified.public_no, unclassified.public_no}
    assert client.get(f"{BASE}/requests.json", {"service_code": "nothing"}).status_code == 404


def test_service_request_id_list_overrides_the_other_arguments(client, walk, time_machine):
    old = timezone.now() - dt.timedelta(days=200)
    time_machine.move_to(old, tick=False)
    first, second = public(walk(Status.RECEIVED)), public(walk(Status.CLOSED))
    time_machine.move_to(old + dt.timedelta(days=200), tick=False)
    third = public(walk(Status.RECEIVED))  # listed by its tracking code, which names nothing here
    ids = f"{first.public_no},{second.public_no},{third.tracking_code},NOT-A-NUMBER"
    items = as_json(client.get(f"{BASE}/requests.json", {"service_request_id": ids, "status": "open"}))
    assert {i["service_request_id"] for i in items} == {first.public_no, second.public_no}


def test_default_range_is_the_last_90_days(client, walk, time_machine):
    now = timezone.now()
    time_machine.move_to(now - dt.timedelta(days=91), tick=False)
    old = public(walk(Status.RECEIVED))
    time_machine.move_to(now - dt.timedelta(days=89), tick=False)
    recent = public(walk(Status.RECEIVED))
    time_machine.move_to(now, tick=False)
    codes = [i["service_request_id"] for i in as_json(client.get(f"{BASE}/requests.json"))]
    assert codes == [recent.public_no] and old.public_no not in codes


def test_start_and_end_date_select_by_requested_datetime(client, walk, time_machine):
    now = timezone.now()
    time_machine.move_to(now - dt.timedelta(days=120), tick=False)
    old = public(walk(Status.RECEIVED))
    time_machine.move_to(now, tick=False)
    recent = public(walk(Status.RECEIVED))

    def codes(**query):
        return [i["service_request_id"] for i in as_json(client.get(f"{BASE}/requests.json", query))]

    local = timezone.localtime(old.created_at)
    assert codes(start_date=(local - dt.timedelta(days=1)).isoformat(),
                 end_date=(local + dt.timedelta(days=1)).isoformat()) == [old.public_no]
    # A start alone spans 90 days from it; an end alone the 90 days before it.
    assert codes(start_date=(local - dt.timedelta(hours=1)).isoformat()) == [old.public_no]
    assert codes(end_date=(now + dt.timedelta(minutes=1)).astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")) == [
        recent.public_no]
    # Optional means an empty argument is the same as none.
    assert codes(start_date="", end_date="") == [recent.public_no]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("query, field", [
    ({"start_date": "yesterday"}, "start_date"),
    ({"end_date": "2026-13-45T99:00:00Z"}, "end_date"),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "end_date"),  # more than 90 days
    ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),  # end before start
    ({"start_date": "0001-01-01T00:00:00+08:00"}, "start_date"),
    ({"end_date": "9999-12-31T23:59:59-08:00"}, "end_date"),
])
def test_bad_dates_are_400_not_500(client, world, fmt, query, field):
    response = client.get(f"{BASE}/requests.{fmt}", query)
    assert response.status_code == 400
    errors = error_of(response, fmt)
    assert errors[0]["code"] == 400 and field in errors[0]["description"]


def test_at_most_1000_requests_newest_first(client, world):
    now = timezone.now()
    Demand.objects.bulk_create([
        Demand(tracking_code=new_tracking_code(), type=DemandType.HELP, content=f"第{i}条", is_public=True,
               created_at=now - dt.timedelta(minutes=i), updated_at=now - dt.timedelta(minutes=i))
        for i in range(1001)
    ])
    items = as_json(client.get(f"{BASE}/requests.json"))
    assert len(items) == 1000
    assert items[0]["description"] == "第0条" and items[-1]["description"] == "第999条"
    assert len(xml_requests(client.get(f"{BASE}/requests.xml"))) == 1000


# ---------------------------------------------------------------- who sees what


def test_anonymous_clients_read_public_demands_in_full_and_the_others_redacted(client, walk):
    shown = public(walk(Status.DISPATCHED))
    hidden = walk(Status.DISPATCHED)
    items = {i["service_request_id"]: i for i in as_json(client.get(f"{BASE}/requests.json"))}
    assert set(items) == {shown.public_no, hidden.public_no}
    assert items[shown.public_no]["description"] == shown.content
    assert items[hidden.public_no]["description"] is None and items[hidden.public_no]["status"] == "open"


def test_a_key_holder_reads_its_scope_in_full_besides_public_demands(client, walk, world, api_key):
    mine = walk(Status.DISPATCHED)  # first township, not public
    # Received demands keep the township they came in with (classifying moves them to the walk's grid).
    elsewhere = walk(Status.RECEIVED, township=world.other_township)
    elsewhere_public = public(walk(Status.RECEIVED, township=world.other_township))
    items = {i["service_request_id"]: i for i in as_json(client.get(f"{BASE}/requests.json", {"api_key": api_key}))}
    assert {n for n, i in items.items() if i["description"]} == {mine.public_no, elsewhere_public.public_no}
    # Outside its townships a key reads no more than anybody.
    assert items[elsewhere.public_no]["description"] is None and items[elsewhere.public_no]["address"] is None
    (item,) = as_json(client.get(f"{BASE}/requests/{elsewhere.public_no}.json", {"api_key": api_key}))
    assert item["description"] is None and item["service_request_id"] == elsewhere.public_no
    (item,) = as_json(client.get(f"{BASE}/requests/{mine.public_no}.json", {"api_key": api_key}))
    assert item["service_request_id"] == mine.public_no and item["description"] == mine.content


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_wrong_api_key_on_get_is_403(client, world, fmt):
    response = client.get(f"{BASE}/requests.{fmt}", {"api_key": "msk_forged"})
    assert response.status_code == 403 and error_of(response, fmt)[0]["code"] == 403


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_names_and_phones_never_leave_the_portal(client, walk, staff, world, district_key, api_key, fmt):
    demands = [public(walk(s, contact_name=NAME, contact_phone=PHONE)) for s in (Status.RECEIVED, Status.CLOSED)]
    (created,) = as_json(post_request(client, **valid_post(api_key, world, first_name="秀英", last_name="王",
                                                           phone=PHONE, email="wang@example.com")))
    codes = [d.public_no for d in demands] + [created["service_request_id"]]
    bodies = [
        client.get(f"{BASE}/requests.{fmt}").content,
        client.get(f"{BASE}/requests.{fmt}", {"api_key": district_key}).content,
        client.get(f"{BASE}/requests.{fmt}", {"service_request_id": ",".join(codes), "api_key": api_key}).content,
        *[client.get(f"{BASE}/requests/{c}.{fmt}", {"api_key": district_key}).content for c in codes],
    ]
    for body in bodies:
        text = body.decode("utf-8")
        assert any(code in text for code in codes)  # the body does carry the demands
        for secret in (NAME, "秀英", PHONE, "wang@example.com"):
            assert secret not in text


# ---------------------------------------------------------------- the rest of the contract


@pytest.mark.parametrize("path", ["services.html", "services/sanitation.garbage.csv", "requests.yaml",
                                  "requests/ABC.txt", "tokens/ABC.php"])
def test_unknown_format_is_404_in_the_error_format(client, world, path):
    response = client.get(f"{BASE}/{path}")
    assert response.status_code == 404
    assert error_of(response, "xml")[0]["code"] == 404


@pytest.mark.parametrize("code", ["NOT-A-CODE", "ABC-DEF-GHJ-KMN-PQR-STV", "BZ-2026-999999"])
def test_unknown_request_id_is_404(client, world, code):
    for fmt in ("json", "xml"):
        response = client.get(f"{BASE}/requests/{code}.{fmt}")
        assert response.status_code == 404 and error_of(response, fmt)[0]["code"] == 404
    real = new_tracking_code()
    assert client.get(f"{BASE}/requests/{real}.json").status_code == 404


@pytest.mark.parametrize("path", ["services/a%00b.json", "requests/ABC%00.json", "tokens/%00.xml"])
def test_nul_bytes_in_the_path_are_404_not_500(client, world, path):
    assert client.get(f"{BASE}/{path}").status_code == 404


def test_public_numbers_are_found_however_they_are_typed_and_tracking_codes_never(client, walk):
    demand = public(walk(Status.RECEIVED))
    year = timezone.localtime(demand.created_at).year
    for typed in (demand.public_no.lower(), demand.public_no.replace("-", ""), f"BZ-{year}-{demand.pk}"):
        (item,) = as_json(client.get(f"{BASE}/requests/{typed}.json"))
        assert item["service_request_id"] == demand.public_no, typed
    for code in (demand.tracking_code, demand.tracking_code.replace("-", "").lower(),
                 public_number(demand.pk, year - 1)):
        assert client.get(f"{BASE}/requests/{code}.json").status_code == 404, code


def test_other_methods_are_refused_in_the_error_format(client, world):
    response = client.put(f"{BASE}/services.json")
    assert response.status_code == 405 and as_json(response)[0]["code"] == 405
    assert client.post(f"{BASE}/services.json").status_code == 405


def test_rating_comment_is_not_a_status_note(client, walk):
    demand = walk(Status.VERIFIED)
    services.demand_rate(demand_id=demand.pk, actor=ResidentActor(demand.pk), rating="satisfied",
                         comment="王秀英很满意")
    demand = public(demand)
    (item,) = as_json(client.get(f"{BASE}/requests/{demand.public_no}.json"))
    assert item["status"] == "closed" and "王秀英" not in json.dumps(item, ensure_ascii=False)
    assert item["status_notes"] == "已安排环卫工人清运完毕。"  # the handler's reply, not the resident's comment


def test_a_long_list_costs_a_fixed_number_of_queries(client, walk, django_assert_max_num_queries):
    for target in (Status.RECEIVED, Status.DISPATCHED, Status.ACCEPTED, Status.REJECTED, Status.CLOSED):
        public(walk(target))
    with django_assert_max_num_queries(4):  # demands, their latest public events, the SLA policy
        response = client.get(f"{BASE}/requests.json")
    items = as_json(response)
    assert len(items) == 5


def test_post_stores_the_urgency_attribute(world, staff):
    from demands.models import Demand
    from django.test import Client

    from integrations.services import integration_create

    _integration, key = integration_create(name="紧急测试热线", townships=[world.township])
    response = Client().post("/open311/v2/requests.json", {
        "api_key": key, "service_code": world.category.code, "address_string": "莲花社区菜市场",
        "description": "菜市场旁燃气管道漏气，味道很大，请紧急处理。", "attribute[urgency]": "urgent",
    })
    assert response.status_code in (200, 201)
    assert Demand.objects.get().urgency == "urgent"


def test_unknown_open311_paths_answer_in_the_open311_error_format(db):
    from django.test import Client

    response = Client().get("/open311/v2/nothing.json")
    assert response.status_code == 404 and response.json()[0]["code"] == 404
    xml = Client().get("/open311/v2/nothing")
    assert xml.status_code == 404 and b"<errors>" in xml.content


def test_a_web_page_on_another_site_may_read_but_not_post(client, world, api_key):
    """CORS: the GET answers are for anyone (no cookie, no personal data); a POST carries a key and is not offered."""
    for path in ("/open311/discovery.json", f"{BASE}/services.json", f"{BASE}/requests.json"):
        assert client.get(path, HTTP_ORIGIN="https://map.example.org")["Access-Control-Allow-Origin"] == "*"
    created = post_request(client, **valid_post(api_key, world))
    assert created.status_code == 201 and "Access-Control-Allow-Origin" not in created
