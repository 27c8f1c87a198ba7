"""REST API: authentication, scoping, idempotent intake, actions, errors and public tracking."""

import threading
from io import StringIO

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.db import connection, connections
from rest_framework.test import APIClient

from demands.models import Demand, DemandEvent
from demands.states import Status
from integrations.models import ApiToken
from integrations.services import integration_create

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def client_for(token: str | None = None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


@pytest.fixture
def hotline(world):
    integration, token = integration_create(name="12345热线", townships=[world.township])
    return integration, token


def personal_token(user) -> str:
    return ApiToken.issue(user=user, name="personal")[1]


def intake(token, **extra):
    body = {"type": "complaint", "content": "莲花社区菜市场旁夜市噪音很大，凌晨一点还在营业。", **extra}
    return client_for(token).post("/api/v1/demands/", body, format="json")


def test_create_integration_prints_the_token_once_and_stores_only_its_hash(world):
    out = StringIO()
    call_command("create_integration", "巴中12345", "--townships", world.township.code, stdout=out)
    raw = next(line.split(": ", 1)[1] for line in out.getvalue().splitlines() if line.startswith("token"))
    token = ApiToken.objects.get()
    assert raw not in token.key_hash and token.key_hash != raw
    assert client_for(raw).get("/api/v1/demands/").status_code == 200


def test_no_or_bad_token_is_401_in_the_error_format():
    anonymous = client_for().get("/api/v1/demands/")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
    assert anonymous["WWW-Authenticate"] == "Token"
    bad = client_for("msk_not-a-real-token").get("/api/v1/demands/")
    assert bad.status_code == 401 and set(bad.json()) >= {"code", "detail"}


def test_hotline_intake_is_idempotent_on_external_id(hotline, world):
    _integration, token = hotline
    first = intake(token, external_id="12345-20261122-0001", township=world.township.code, channel="hotline")
    again = intake(token, external_id="12345-20261122-0001", township=world.township.code, channel="hotline")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"]
    assert Demand.objects.count() == 1 and Demand.objects.get().channel == "hotline"


def test_an_integration_limited_to_one_township_cannot_read_another(hotline, walk, world):
    _integration, token = hotline
    mine = walk(Status.RECEIVED)
    theirs = walk(Status.RECEIVED, township=world.other_township)
    client = client_for(token)
    assert client.get(f"/api/v1/demands/{mine.pk}/").status_code == 200
    hidden = client.get(f"/api/v1/demands/{theirs.pk}/")
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    listed = {d["id"] for d in client.get("/api/v1/demands/").json()["results"]}
    assert mine.pk in listed and theirs.pk not in listed


def test_integration_sees_contact_data_masked(hotline, walk):
    _integration, token = hotline
    demand = walk(Status.RECEIVED)
    body = client_for(token).get(f"/api/v1/demands/{demand.pk}/").json()
    assert body["contact_phone"] == "138****5678"


def test_actions_through_the_api_and_each_error_code(walk, staff, world):
    demand = walk(Status.RECEIVED)
    dispatcher = client_for(personal_token(staff.dispatcher))
    invalid = dispatcher.post(f"/api/v1/demands/{demand.pk}/classify/", {"type": "help"}, format="json")
    assert invalid.status_code == 400 and "category" in invalid.json()["fields"]
    ok = dispatcher.post(f"/api/v1/demands/{demand.pk}/classify/", {
        "type": "help", "category": world.category.pk, "urgency": "normal", "grid": world.grid.pk}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "classified"
    conflict = dispatcher.post(f"/api/v1/demands/{demand.pk}/classify/", {
        "type": "help", "category": world.category.pk, "urgency": "normal", "grid": world.grid.pk}, format="json")
    assert conflict.status_code == 409 and conflict.json()["code"] == "conflict"
    dispatcher.post(f"/api/v1/demands/{demand.pk}/dispatch/", {"unit": f"department:{world.department.pk}"},
                    format="json")
    forbidden = client_for(personal_token(staff.supervisor)).post(f"/api/v1/demands/{demand.pk}/accept/", {},
                                                                  format="json")
    assert forbidden.status_code == 403 and forbidden.json()["code"] == "forbidden"
    outside = client_for(personal_token(staff.other_handler)).post(f"/api/v1/demands/{demand.pk}/accept/", {},
                                                                   format="json")
    assert outside.status_code == 404
    unknown = dispatcher.post(f"/api/v1/demands/{demand.pk}/fly/", {}, format="json")
    assert unknown.status_code == 404
    events = client_for(personal_token(staff.handler)).get(f"/api/v1/demands/{demand.pk}/events/").json()
    assert [e["action"] for e in events] == ["receive", "classify", "dispatch"]


def test_idempotency_key_replays_the_first_answer_and_refuses_another_body(walk, staff):
    demand = walk(Status.DISPATCHED)
    handler = client_for(personal_token(staff.handler))
    url = f"/api/v1/demands/{demand.pk}/accept/"
    first = handler.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    replay = handler.post(url, {}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == replay.status_code == 200 and first.json() == replay.json()
    assert DemandEvent.objects.filter(demand=demand, action="accept").count() == 1
    other = handler.post(url, {"note": "different"}, format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


def test_public_tracking_shows_the_timeline_and_no_personal_data(walk):
    demand = walk(Status.DISPATCHED)
    body = client_for().get(f"/api/v1/track/{demand.tracking_code}/").json()
    assert body["status"] == "dispatched" and len(body["timeline"]) == 3
    assert "13812345678" not in str(body) and "王秀英" not in str(body)
    assert client_for().get("/api/v1/track/AAA-BBB-CCC-DDD-EEE-FFF/").status_code == 404


def test_anonymous_submission_is_throttled_with_a_429(world, settings):
    from demands.api import DemandListCreateApi  # noqa: F401
    from core.api import SubmitThrottle

    SubmitThrottle.THROTTLE_RATES = {**SubmitThrottle.THROTTLE_RATES, "anon_submit": "2/hour"}
    try:
        responses = [intake(None) for _ in range(3)]
    finally:
        SubmitThrottle.THROTTLE_RATES = {**SubmitThrottle.THROTTLE_RATES, "anon_submit": "20/hour"}
    assert [r.status_code for r in responses] == [201, 201, 429]
    assert Demand.objects.count() == 2
    refused = responses[-1]
    assert refused.json()["code"] == "throttled" and refused.json()["detail"].startswith("请求过于频繁，请")
    assert "Expected" not in refused.json()["detail"] and int(refused["Retry-After"]) > 0


def test_classify_suggests_a_category_with_confidence():
    body = client_for().post("/api/v1/classify/", {"content": "小区路灯坏了一个月，晚上黑漆漆的"}, format="json").json()
    assert body["category"].startswith("roads_traffic") and 0 < body["confidence"] <= 1
    assert client_for().post("/api/v1/classify/", {"content": ""}, format="json").status_code == 400


def test_locate_finds_the_grid_of_a_point_and_nothing_outside(db):
    from grids.seed import seed_places

    seed_places()
    inside = client_for().get("/api/v1/locate/", {"lat": "31.87", "lng": "106.75"}).json()
    assert inside["grid"] and inside["method"] in ("polygon", "nearest")
    outside = client_for().get("/api/v1/locate/", {"lat": "39.9", "lng": "116.4"}).json()
    assert outside["grid"] is None
    assert client_for().get("/api/v1/locate/", {"lat": "x"}).status_code == 400


def test_a_post_with_only_coordinates_is_placed_in_the_grid_the_point_lies_in(hotline, world):
    """As an Open311 post is: the point's grid (and so its community and township) unless a place is given.
    Coordinates are JSON numbers; text is refused as any wrongly typed field is."""
    from grids.locate import locate

    grid, _how = locate(31.87, 106.75)
    assert grid is not None
    _integration, token = hotline
    assert intake(token, lat="31.870000", lng="106.750000", external_id="pt-0").status_code == 400
    placed = intake(token, lat=31.87, lng=106.75, external_id="pt-1")
    assert placed.status_code == 201, placed.json()
    demand = Demand.objects.get(external_id="pt-1")
    assert (demand.grid_id, demand.township_id) == (grid.pk, grid.township_id)
    # A place given wins over the point; a point outside the district keeps its coordinates, unplaced.
    intake(token, lat=31.87, lng=106.75, township=world.township.code, external_id="pt-2")
    assert Demand.objects.get(external_id="pt-2").grid_id is None
    intake(token, lat=39.9, lng=116.4, external_id="pt-3")
    far = Demand.objects.get(external_id="pt-3")
    assert far.grid_id is None and str(far.lat) == "39.900000"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs concurrent transactions")
def test_fifty_concurrent_posts_of_one_external_id_leave_one_row(world):
    _integration, token = integration_create(name="并发测试热线")
    barrier = threading.Barrier(50)
    codes = []
    lock = threading.Lock()

    def post():
        try:
            barrier.wait()
            response = intake(token, external_id="12345-RACE-1")
            with lock:
                codes.append(response.status_code)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post) for _ in range(50)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert Demand.objects.filter(external_id="12345-RACE-1").count() == 1
    assert sorted(set(codes)) in ([200, 201], [201]) and codes.count(201) == 1 and len(codes) == 50


def test_personal_token_acts_with_the_users_own_scope(walk, staff, world):
    out = StringIO()
    call_command("create_api_token", staff.handler.username, stdout=out)
    raw = out.getvalue().rsplit(": ", 1)[1].strip()
    mine = walk(Status.DISPATCHED, unit=world.department)
    other = walk(Status.DISPATCHED, unit=world.other_department)
    client = client_for(raw)
    assert client.get(f"/api/v1/demands/{mine.pk}/").status_code == 200
    assert client.get(f"/api/v1/demands/{other.pk}/").status_code == 404
    assert client.post(f"/api/v1/demands/{mine.pk}/accept/", {}, format="json").json()["status"] == "accepted"


def test_unit_adds_result_photos_and_outsiders_cannot(walk, staff):
    from .conftest import photo

    demand = walk(Status.ACCEPTED)
    handler = client_for(personal_token(staff.handler))
    response = handler.post(f"/api/v1/demands/{demand.pk}/attachments/", {"photos": [photo("done.png")]},
                            format="multipart")
    assert response.status_code == 201 and response.json()[0]["purpose"] == "result"
    listed = handler.get(f"/api/v1/demands/{demand.pk}/attachments/").json()
    assert [a["original_name"] for a in listed] == ["done.png"]
    fake = handler.post(f"/api/v1/demands/{demand.pk}/attachments/",
                        {"photos": [photo("evil.jpg", b"<svg onload=alert(1)>", "image/jpeg")]}, format="multipart")
    assert fake.status_code == 422 and "evil.jpg" in fake.json()["fields"]["photos"][0]
    supervisor = client_for(personal_token(staff.supervisor))
    assert supervisor.post(f"/api/v1/demands/{demand.pk}/attachments/", {"photos": [photo()]},
                           format="multipart").status_code == 403
    outsider = client_for(personal_token(staff.other_handler))
    assert outsider.post(f"/api/v1/demands/{demand.pk}/attachments/", {"photos": [photo()]},
                         format="multipart").status_code == 404


def test_a_revoked_token_stops_working(hotline):
    from django.utils import timezone

    _integration, token = hotline
    client = client_for(token)
    assert client.get("/api/v1/demands/").status_code == 200
    record = ApiToken.objects.get()
    record.revoked_at = timezone.now()
    record.save()
    assert client.get("/api/v1/demands/").status_code == 401


def test_nul_characters_are_refused_not_a_server_error(hotline):
    _integration, token = hotline
    response = intake(token, community="\x00C1", grid="G\x00")
    assert response.status_code == 400 and set(response.json()["fields"]) == {"community", "grid"}
    listed = client_for(token).get("/api/v1/demands/", {"grid": "x\x00"})
    assert listed.status_code == 400


def test_an_urge_with_a_number_for_its_date_is_a_400_not_a_server_error(walk, staff):
    demand = walk(Status.DISPATCHED)
    supervisor = client_for(personal_token(staff.supervisor))
    response = supervisor.post(f"/api/v1/demands/{demand.pk}/urge/", {"note": "请加快办理", "due_date": 20261130},
                               format="json")
    assert response.status_code == 400 and "due_date" in response.json()["fields"]
    assert not demand.supervision_orders.exists()


def test_a_deputy_forwards_the_demand_they_hold_through_the_api(world, staff):
    from demands import services

    demand = services.demand_receive(actor=None, type="help", content="村里便民桥栏杆松动", channel="qr",
                                     deputy=world.deputy_record)
    response = client_for(personal_token(staff.deputy)).post(f"/api/v1/demands/{demand.pk}/forward/",
                                                             {"note": "请派单"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "received"
