"""A third-party Open311 client, `georeport` from PyPI, against the portal served over real HTTP (live_server).

georeport only reads (services, a service definition, requests, one request) and never sends an api_key, so it
reads what any anonymous client does: public requests in full, the others redacted. What an integration posted
(with its key, here through `requests`, as georeport offers no POST) it reads back in the redacted form.
"""

import gc
import threading

import pytest
import requests
from georeport import GeoReport

from demands.models import Demand
from demands.states import Status
from integrations.services import integration_create

from .test_open311 import LAMP, public

PHOTO_URL = "https://photos.example.org/lamp.jpg"


@pytest.fixture
def endpoint(live_server):
    yield f"{live_server.url}/open311/v2"
    # The server answers each connection on a thread of its own, which lets go of the test's database connection
    # once the client hangs up, i.e. once the last response object holding the socket is gone. Collect those and
    # wait for the threads, so that none outlives the server at the end of the run.
    gc.collect()
    for thread in threading.enumerate():
        if thread.name.endswith("(process_request_thread)"):
            thread.join(timeout=10)


@pytest.fixture
def api_key(world):
    _integration, raw = integration_create(name="12345热线", townships=[world.township])
    return raw


def as_list(parsed):
    """xmltodict gives one member as a dict and several as a list."""
    return parsed if isinstance(parsed, list) else [parsed]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_lists_the_services_and_reads_a_definition(endpoint, world, fmt):
    client = GeoReport(endpoint, jurisdiction="bazhou", output_format=fmt)
    services = {s["service_code"]: s for s in as_list(client.get_service_list())}
    assert {"sanitation", "sanitation.garbage", "unclassified"} <= set(services)
    assert services["sanitation.garbage"]["service_name"] == "垃圾清运"
    assert services["unclassified"]["service_name"] == "待分类"
    definition = client.get_service_definition("sanitation.garbage")
    attributes = definition["attributes"] if fmt == "json" else as_list(definition["attributes"]["attribute"])
    assert {a["code"] for a in attributes} == {"urgency", "demand_type"}


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_georeport_reads_back_what_an_integration_posted(endpoint, world, walk, api_key, fmt):
    shown = public(walk(Status.DISPATCHED))
    posted = requests.post(f"{endpoint}/requests.json", data={
        "api_key": api_key, "jurisdiction_id": "bazhou", "service_code": world.category.code,
        "lat": "31.870001", "long": "106.750001", "description": LAMP, "media_url": PHOTO_URL, "zipcode": "636600",
    }, timeout=30)
    assert posted.status_code == 201
    (created,) = posted.json()
    number = created["service_request_id"]
    assert Demand.objects.get(media_url=PHOTO_URL).public_no == number

    client = GeoReport(endpoint, jurisdiction="bazhou", output_format=fmt)
    # Without a key (georeport sends none) the posted request is not public: redacted, but there.
    item = client.get_service_request(number)
    if fmt == "xml":
        item = as_list(item)[0]
    assert item["service_request_id"] == number
    assert item["status"] == "open" and item["service_code"] == world.category.code
    assert not item["description"] and not item["media_url"] and not item["lat"] and not item["zipcode"]

    listed = {i["service_request_id"]: i for i in as_list(client.get_service_requests(
        service_code=world.category.code, status="open"))}
    assert set(listed) == {number, shown.public_no}
    assert listed[shown.public_no]["description"] == shown.content
    assert not listed[number]["description"]

    by_ids = as_list(client.get_service_requests(service_request_id=f"{number},{shown.public_no}"))
    assert {i["service_request_id"] for i in by_ids} == {number, shown.public_no}

    # The integration itself, with its key, reads what it posted in full.
    (full,) = requests.get(f"{endpoint}/requests/{number}.json", params={"api_key": api_key}, timeout=30).json()
    assert full["description"] == LAMP and full["media_url"] == PHOTO_URL and full["zipcode"] == "636600"


def test_georeport_sees_an_http_error_for_an_unknown_request(endpoint, world):
    client = GeoReport(endpoint)
    with pytest.raises(requests.HTTPError) as raised:
        client.get_service_request("BZ-2026-999999")
    response = raised.value.response
    assert response.status_code == 404 and response.json()[0]["code"] == 404
    response.close()
