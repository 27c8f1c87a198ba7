"""What Open311 hands back: media_url and zipcode, the unclassified pseudo-service, and the redacted form in which
anyone may read a request that is not public (GeoReport v2 needs no api_key to read)."""

import json
import socket

import pytest

from demands.models import Demand, DemandType
from demands.states import Status
from integrations.services import integration_create

from .conftest import photo
from .test_open311 import (
    BASE, LAMP, NAME, PHONE, as_json, as_xml, error_of, post_request, public, valid_post, xml_requests,
)

pytestmark = pytest.mark.django_db

PHOTO_URL = "https://photos.example.org/reports/2026/lamp-1.jpg?size=large"
# The fields anyone may read of a request that is not public.
REDACTED_KEEPS = {"service_request_id", "status", "service_code", "service_name", "requested_datetime",
                  "updated_datetime", "expected_datetime"}


@pytest.fixture
def api_key(world):
    """A 12345 hotline limited to the first township."""
    _integration, raw = integration_create(name="12345热线", townships=[world.township])
    return raw


def read(client, number, fmt="json", **query):
    response = client.get(f"{BASE}/requests/{number}.{fmt}", query)
    assert response.status_code == 200, response.content
    (item,) = as_json(response) if fmt == "json" else xml_requests(response)
    return item


# ---------------------------------------------------------------- media_url


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_posted_media_url_is_kept_and_read_back_by_the_key_holder(client, world, api_key, fmt):
    (created,) = as_json(post_request(client, **valid_post(api_key, world, media_url=PHOTO_URL)))
    assert Demand.objects.get().media_url == PHOTO_URL
    item = read(client, created["service_request_id"], fmt, api_key=api_key)
    assert item["media_url"] == PHOTO_URL


def test_the_portal_never_fetches_a_posted_media_url(client, world, api_key, monkeypatch):
    """Fetching what a client names would let it make the server reach its own network (SSRF)."""
    def no_network(*args, **kwargs):
        raise AssertionError("the server tried to open a connection")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    internal = "http://127.0.0.1:6379/"
    response = post_request(client, **valid_post(api_key, world, media_url=internal))
    assert response.status_code == 201
    assert Demand.objects.get().media_url == internal  # kept as text, handed back as text


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("url", [
    "javascript:alert(1)",
    "data:image/png;base64,iVBORw0KGgo=",
    "file:///etc/passwd",
    "ftp://files.example.org/a.jpg",
    "//photos.example.org/a.jpg",
    "photos/a.jpg",
    "https://user:secret@photos.example.org/a.jpg",
    "https://photos.example.org/a b.jpg",
    "https://photos.example.org/a\x01.jpg",
    "https://photos.example.org/a\x00.jpg",
    "https://photos.example.org/a.jpg\n",
    "https://photos.example.org/" + "a" * 480 + ".jpg",  # more than 500 characters
])
def test_a_bad_media_url_is_400_and_creates_nothing(client, world, api_key, fmt, url):
    response = post_request(client, fmt, **valid_post(api_key, world, media_url=url))
    assert response.status_code == 400
    errors = error_of(response, fmt)
    assert errors[0]["code"] == 400 and any(e["description"].startswith("media_url: ") for e in errors)
    assert not Demand.objects.exists()


def test_the_portals_own_photos_are_never_linked(client, walk, world, api_key):
    """Photos are served only to those who may see the demand and to the tracking code's holder
    (docs/threat-model.md), so no media_url points at one, not even for a public demand or a key holder."""
    demand = public(walk(Status.DISPATCHED, photos=[photo()]))
    token = demand.attachments.get().token
    for query in ({}, {"api_key": api_key}):
        response = client.get(f"{BASE}/requests/{demand.public_no}.json", query)
        (item,) = as_json(response)
        assert item["description"] == demand.content and item["media_url"] is None
        assert token not in response.content.decode()
        assert token not in client.get(f"{BASE}/requests.xml", query).content.decode()


# ---------------------------------------------------------------- zipcode


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_posted_zipcode_is_kept_and_read_back(client, world, api_key, fmt):
    (created,) = as_json(post_request(client, **valid_post(api_key, world, zipcode="636600")))
    assert read(client, created["service_request_id"], fmt, api_key=api_key)["zipcode"] == "636600"


@pytest.mark.parametrize("zipcode", ["6366001234567", "<b>", "636 600\x00", " 636600-", "６３６６００"])
def test_a_bad_zipcode_is_400_naming_it(client, world, api_key, zipcode):
    response = post_request(client, **valid_post(api_key, world, zipcode=zipcode))
    assert response.status_code == 400
    assert any(e["description"].startswith("zipcode: ") for e in error_of(response))
    assert not Demand.objects.exists()


# ---------------------------------------------------------------- the unclassified pseudo-service


def test_unclassified_is_a_listed_service_with_a_definition(client, world):
    services = {s["service_code"]: s for s in as_json(client.get(f"{BASE}/services.json"))}
    unclassified = services["unclassified"]
    assert unclassified["service_name"] == "待分类" and unclassified["group"] == "待分类"
    assert unclassified["metadata"] is True and unclassified["type"] == "realtime" and unclassified["description"]

    definition = as_json(client.get(f"{BASE}/services/unclassified.json"))
    assert definition["service_code"] == "unclassified"
    assert {a["code"] for a in definition["attributes"]} == {"urgency", "demand_type"}

    root = as_xml(client.get(f"{BASE}/services.xml"))
    names = {s.findtext("service_code"): s.findtext("service_name") for s in root.findall("service")}
    assert names["unclassified"] == "待分类"
    definition = as_xml(client.get(f"{BASE}/services/unclassified.xml"))
    assert definition.findtext("service_code") == "unclassified"


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_no_request_answers_a_null_service_code(client, walk, fmt):
    """Demands nobody has classified yet (received, rejected or merged before classification) are «unclassified»."""
    demands = [public(walk(s)) for s in (Status.RECEIVED, Status.REJECTED, Status.MERGED)] + [walk(Status.RECEIVED)]
    response = client.get(f"{BASE}/requests.{fmt}")
    items = as_json(response) if fmt == "json" else xml_requests(response)
    by_number = {i["service_request_id"]: i for i in items}
    for demand in demands:
        assert demand.category_id is None
        assert by_number[demand.public_no]["service_code"] == "unclassified"
        assert by_number[demand.public_no]["service_name"] == "待分类"
    assert all(i["service_code"] for i in items)


def test_a_request_may_be_posted_as_unclassified_and_reads_back_under_it(client, world, api_key):
    post = {"api_key": api_key, "service_code": "unclassified", "address_id": world.grid.code,
            "description": "这里有个问题，不知道该找哪个部门"}
    response = post_request(client, **post)
    assert response.status_code == 201
    demand = Demand.objects.get()
    assert demand.category is None and demand.status == Status.RECEIVED  # the dispatcher classifies it
    (item,) = as_json(client.get(f"{BASE}/requests.json", {"api_key": api_key, "service_code": "unclassified"}))
    assert item["service_request_id"] == demand.public_no and item["service_code"] == "unclassified"


def test_unclassified_without_description_names_the_pseudo_service(client, world, api_key):
    post_request(client, api_key=api_key, service_code="unclassified", address_id=world.grid.code)
    assert Demand.objects.get().content == "待分类（未附描述）"


# ---------------------------------------------------------------- redacted read-back


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_anyone_reads_a_request_that_is_not_public_redacted(client, walk, world, fmt):
    demand = walk(Status.ACCEPTED, address="莲花社区菜市场门口", lat="31.870001", lng="106.750001",
                  media_url=PHOTO_URL, zipcode="636600")
    item = read(client, demand.public_no, fmt)
    assert item["service_request_id"] == demand.public_no
    assert item["status"] == "open"
    assert item["service_code"] == "sanitation.garbage" and item["service_name"] == "垃圾清运"
    assert item["requested_datetime"] and item["updated_datetime"] and item["expected_datetime"]
    assert {k for k, v in item.items() if v} == REDACTED_KEEPS
    body = json.dumps(item, ensure_ascii=False)
    for secret in (demand.content, "莲花社区", world.grid.code, "31.87", "106.75", PHOTO_URL, "636600", NAME, PHONE,
                   world.department.name, "已", demand.tracking_code):
        assert secret not in body, secret


def test_a_key_holder_keeps_its_full_view(client, walk, world, api_key):
    demand = walk(Status.RESOLVED, address="莲花社区菜市场门口", media_url=PHOTO_URL)
    item = read(client, demand.public_no, api_key=api_key)
    assert item["description"] == demand.content and item["address"] == "莲花社区菜市场门口"
    assert item["media_url"] == PHOTO_URL and item["status_notes"] == "已安排环卫工人清运完毕。"
    assert item["agency_responsible"] == world.department.name


def test_a_deputy_holding_a_request_is_not_named_in_the_redacted_form(client, walk, world):
    demand = walk(Status.ACCEPTED, unit=world.deputy_record)
    item = read(client, demand.public_no)
    assert item["agency_responsible"] is None
    assert world.deputy_record.name not in json.dumps(item, ensure_ascii=False)


def test_a_list_by_ids_mixes_full_and_redacted(client, walk):
    shown, hidden = public(walk(Status.CLOSED)), walk(Status.CLOSED)
    items = {i["service_request_id"]: i for i in as_json(client.get(
        f"{BASE}/requests.json", {"service_request_id": f"{shown.public_no},{hidden.public_no}"}))}
    assert items[shown.public_no]["description"] == shown.content and items[shown.public_no]["status"] == "closed"
    assert items[hidden.public_no]["description"] is None and items[hidden.public_no]["status"] == "closed"


def test_redacted_read_back_names_requests_only_by_public_number(client, walk):
    demand = walk(Status.RECEIVED)
    for code in (demand.tracking_code, demand.tracking_code.replace("-", "")):
        assert client.get(f"{BASE}/requests/{code}.json").status_code == 404
    # The token resource stays for requests the caller reads in full.
    assert client.get(f"{BASE}/tokens/{demand.public_no}.json").status_code == 404


def test_what_an_integration_posted_reads_back_redacted_without_its_key(client, world, api_key):
    (created,) = as_json(post_request(client, **valid_post(api_key, world, media_url=PHOTO_URL, phone=PHONE,
                                                           **{"attribute[demand_type]": DemandType.COMPLAINT})))
    item = read(client, created["service_request_id"])
    assert item["service_code"] == world.category.code and item["status"] == "open"
    assert item["description"] is None and item["media_url"] is None and item["lat"] is None
    # Another integration, scoped elsewhere, reads it redacted too.
    _other, other_key = integration_create(name="其他平台", townships=[world.other_township])
    assert read(client, created["service_request_id"], api_key=other_key)["description"] is None
    assert read(client, created["service_request_id"], api_key=api_key)["description"] == LAMP
