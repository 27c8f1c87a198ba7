"""Micro-grids (微网格): a demand located down to a micro-grid on every way in, and the micro-grid leader (微网格员),
who reports from their micro-grid and follows its demands without handling any."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from core.errors import InvalidInput, NotPermitted
from demands import services
from demands.models import Demand
from demands.states import Status
from grids.models import MicroGrid

from .factories import UserFactory

pytestmark = pytest.mark.django_db

PATROL = "巡查发现莲花社区5栋门前的井盖松动，踩上去会翻，已放了警示锥，请尽快派人更换。"
RESIDENT = "莲花社区菜市场门口垃圾堆了三天没人清运，气味很大，希望尽快处理。"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def api_for(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def micro(world):
    """Two micro-grids in world.grid, one in the sibling grid (same village) and one in the other township."""
    m = type("Micro", (), {})()
    m.one = MicroGrid.objects.create(grid=world.grid, code="T-MG-01", name="莲花社区第1网格1号微网格")
    m.two = MicroGrid.objects.create(grid=world.grid, code="T-MG-02", name="莲花社区第1网格2号微网格")
    m.sibling = MicroGrid.objects.create(grid=world.sibling_grid, code="T-MG-21", name="莲花社区第2网格1号微网格")
    m.far = MicroGrid.objects.create(grid=world.other_grid, code="T-MG-31", name="白鹤村第1网格1号微网格")
    return m


@pytest.fixture
def leader(world, micro):
    return UserFactory(username="mgl", role=Role.MICRO_GRID_LEADER, micro_grid=micro.one, grid=world.grid,
                       township=world.township, display_name="陈桂芳")


def receive(world, *, grid=None, micro_grid=None, township=None, **kwargs):
    return services.demand_receive(actor=None, type="help", content=RESIDENT,
                                   township=township or world.township, grid=grid, micro_grid=micro_grid, **kwargs)


# ---------------------------------------------------------------- the micro-grid leader reports


def test_a_micro_grid_leader_records_a_patrol_report_in_their_grid_and_micro_grid(leader, world, micro):
    page = signed_in(leader)
    form = page.get("/staff/record/").content.decode()
    assert "巡查上报" in form and "所在微网格：莲花社区第1网格1号微网格" in form
    # No place to choose and no 就地办结: the report is theirs to hand up, not to solve.
    assert 'name="township"' not in form and 'name="on_the_spot"' not in form and 'name="micro_grid"' not in form
    response = page.post("/staff/record/", {"type": "report", "content": PATROL})
    demand = Demand.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/staff/demands/{demand.pk}/"
    assert (demand.channel, demand.status, demand.grid, demand.micro_grid, demand.township, demand.community) == (
        "patrol", Status.RECEIVED, world.grid, micro.one, world.township, world.grid.community)
    assert demand.submitted_by == leader
    detail = page.get(f"/staff/demands/{demand.pk}/").content.decode()
    assert "莲花社区第1网格1号微网格" in detail


def test_a_micro_grid_leader_cannot_report_solved_on_the_spot_nor_elsewhere(leader, world, micro):
    with pytest.raises(NotPermitted):
        services.demand_record(actor=leader, type="report", content=PATROL,
                               solved={"type": "report", "category": world.category, "reply": "已处理"})
    # Through the API, a place outside their micro-grid is refused with the field named, and nothing is created.
    response = api_for(leader).post("/api/v1/demands/", {"type": "report", "content": PATROL, "channel": "patrol",
                                                         "micro_grid": micro.two.code}, format="json")
    assert response.status_code == 422  # well formed, declined (docs/workflow.md#errors)
    assert list(response.json()["fields"]) == ["micro_grid"]
    assert not Demand.objects.exists()
    # Without a place the API puts it in their own micro-grid.
    response = api_for(leader).post("/api/v1/demands/", {"type": "report", "content": PATROL, "channel": "patrol"},
                                    format="json")
    assert response.status_code == 201
    assert Demand.objects.get().micro_grid == micro.one


# ---------------------------------------------------------------- what the leader sees


def test_a_micro_grid_leader_sees_their_micro_grid_and_their_reports_and_nothing_else(leader, world, micro,
                                                                                      dispatcher):
    mine = receive(world, grid=world.grid, micro_grid=micro.one)
    same_grid = receive(world, grid=world.grid, micro_grid=micro.two)
    grid_only = receive(world, grid=world.grid)
    elsewhere = receive(world, grid=world.other_grid, micro_grid=micro.far, township=world.other_township)
    reported = services.demand_record(actor=leader, type="report", content=PATROL)
    # The centre places their report in the sibling grid: it leaves the micro-grid, the leader still follows it.
    services.demand_classify(demand_id=reported.pk, actor=dispatcher, type="report", category=world.category,
                             urgency="normal", grid=world.sibling_grid)
    reported.refresh_from_db()
    assert (reported.grid, reported.micro_grid) == (world.sibling_grid, None)

    page = signed_in(leader)
    listed = {d.pk for d in page.get("/staff/?tab=all").context["page"]}
    assert listed == {mine.pk, reported.pk}
    # Both are still open: the first tab lists them to follow.
    assert {d.pk for d in page.get("/staff/").context["page"]} == {mine.pk, reported.pk}
    assert {row["id"] for row in api_for(leader).get("/api/v1/demands/").json()["results"]} == {mine.pk, reported.pk}
    for demand in (mine, reported):
        assert page.get(f"/staff/demands/{demand.pk}/").status_code == 200
        assert api_for(leader).get(f"/api/v1/demands/{demand.pk}/").status_code == 200
    for demand in (same_grid, grid_only, elsewhere):
        assert page.get(f"/staff/demands/{demand.pk}/").status_code == 404
        assert api_for(leader).get(f"/api/v1/demands/{demand.pk}/").status_code == 404


def test_a_micro_grid_leader_sees_the_residents_phone_masked(leader, world, micro):
    demand = receive(world, grid=world.grid, micro_grid=micro.one, contact_name="王秀英", contact_phone="13812345678")
    body = signed_in(leader).get(f"/staff/demands/{demand.pk}/").content.decode()
    assert "13812345678" not in body and "138****5678" in body


def test_a_micro_grid_leader_cannot_classify_or_dispatch(leader, world, micro, dispatcher):
    demand = receive(world, grid=world.grid, micro_grid=micro.one)
    page = signed_in(leader)
    detail = page.get(f"/staff/demands/{demand.pk}/").content.decode()
    assert f'action="/staff/demands/{demand.pk}/classify/"' not in detail
    response = page.post(f"/staff/demands/{demand.pk}/classify/", {
        "classify-type": "help", "classify-category": world.category.pk, "classify-urgency": "normal",
        "classify-grid": world.grid.pk})
    assert response.status_code == 403
    services.demand_classify(demand_id=demand.pk, actor=dispatcher, type="help", category=world.category,
                             urgency="normal", grid=world.grid)
    with pytest.raises(NotPermitted):
        services.demand_dispatch(demand_id=demand.pk, actor=leader, unit=world.grid)
    # Not even their own patrol report: that is the grid worker's privilege (就地办结).
    own = services.demand_record(actor=leader, type="report", content=PATROL)
    with pytest.raises(NotPermitted):
        services.demand_classify(demand_id=own.pk, actor=leader, type="report", category=world.category,
                                 urgency="normal", grid=world.grid)
    demand.refresh_from_db()
    own.refresh_from_db()
    assert (demand.status, own.status) == (Status.CLASSIFIED, Status.RECEIVED)
    assert demand.micro_grid == micro.one  # classified into its own grid: the micro-grid stays


def test_a_micro_grid_leaders_pages(leader, world, micro):
    """Their own tools answer; the centre's, the supervisors' and the deputies' do not exist for them."""
    page = signed_in(leader)
    for url in ("/staff/", "/staff/?tab=all", "/staff/record/", "/inbox/", "/staff/export.csv?tab=all"):
        assert page.get(url).status_code == 200, url
    for url in ("/staff/dashboard/", "/staff/revisits/", "/staff/deputy/"):
        assert page.get(url).status_code == 404, url
    assert api_for(leader).get("/api/v1/dashboard/").status_code == 404
    nav = page.get("/staff/").content.decode()
    assert 'href="/staff/record/"' in nav and "仍在办理" in nav and 'href="/staff/dashboard/"' not in nav


def test_a_micro_grid_leader_must_have_a_micro_grid_in_their_grid(world, micro):
    user = UserFactory.build(username="mgl2", role=Role.MICRO_GRID_LEADER)
    with pytest.raises(ValidationError) as refused:
        user.clean()
    assert "micro_grid" in refused.value.message_dict
    user.micro_grid, user.grid = micro.one, world.other_grid
    with pytest.raises(ValidationError) as refused:
        user.clean()
    assert "grid" in refused.value.message_dict
    user.grid = None
    user.clean()
    assert user.grid_id == world.grid.pk  # their grid follows the micro-grid


# ---------------------------------------------------------------- locating a demand in a micro-grid


def test_the_resident_form_places_a_demand_in_a_micro_grid(client, world, micro):
    options = client.get("/places/micro-grids/", {"grid": world.grid.pk}).content.decode()
    assert "1号微网格" in options and "2号微网格" in options and "白鹤村" not in options
    response = client.post("/submit/", {
        "type": "help", "content": RESIDENT, "township": world.township.pk, "community": world.grid.community_id,
        "grid": world.grid.pk, "micro_grid": micro.two.pk})
    assert response.status_code == 302
    assert Demand.objects.get().micro_grid == micro.two


def test_the_resident_form_refuses_a_micro_grid_of_another_grid(client, world, micro):
    response = client.post("/submit/", {
        "type": "help", "content": RESIDENT, "township": world.township.pk, "community": world.grid.community_id,
        "grid": world.grid.pk, "micro_grid": micro.sibling.pk})
    assert response.status_code == 400
    assert "所选微网格不属于所选网格。" in response.content.decode()
    assert not Demand.objects.exists()


def test_a_dispatcher_records_a_call_in_a_micro_grid_and_one_of_another_grid_is_refused(dispatcher, world, micro):
    page = signed_in(dispatcher)
    fields = {"channel": "phone", "type": "help", "content": RESIDENT, "township": world.township.pk,
              "community": world.grid.community_id, "grid": world.grid.pk}
    refused = page.post("/staff/record/", {**fields, "micro_grid": micro.far.pk})
    assert refused.status_code == 400 and "所选微网格不属于所选网格。" in refused.content.decode()
    assert not Demand.objects.exists()
    assert page.post("/staff/record/", {**fields, "micro_grid": micro.one.pk}).status_code == 302
    assert Demand.objects.get().micro_grid == micro.one


def test_a_grid_worker_names_a_micro_grid_of_their_own_grid_only(grid_worker, world, micro):
    page = signed_in(grid_worker)
    assert "2号微网格" in page.get("/staff/record/").content.decode()
    refused = page.post("/staff/record/", {"type": "report", "content": PATROL, "micro_grid": micro.sibling.pk})
    assert refused.status_code == 400 and "所选微网格不属于所选网格。" in refused.content.decode()
    assert page.post("/staff/record/", {"type": "report", "content": PATROL, "micro_grid": micro.two.pk}).status_code == 302
    demand = Demand.objects.get()
    assert (demand.grid, demand.micro_grid) == (world.grid, micro.two)


def test_the_api_places_a_demand_in_a_micro_grid_and_refuses_one_of_another_grid(world, micro):
    client = api_for()
    refused = client.post("/api/v1/demands/", {"type": "help", "content": RESIDENT, "grid": world.grid.code,
                                               "micro_grid": micro.far.code}, format="json")
    assert refused.status_code == 422
    assert "micro_grid" in refused.json()["fields"]
    assert not Demand.objects.exists()
    unknown = client.post("/api/v1/demands/", {"type": "help", "content": RESIDENT, "micro_grid": "NO-SUCH\x00"},
                          format="json")
    assert unknown.status_code == 400 and not Demand.objects.exists()
    # A micro-grid alone names its grid, village and township.
    created = client.post("/api/v1/demands/", {"type": "help", "content": RESIDENT, "micro_grid": micro.two.code},
                          format="json")
    assert created.status_code == 201
    demand = Demand.objects.get()
    assert (demand.micro_grid, demand.grid, demand.community, demand.township) == (
        micro.two, world.grid, world.grid.community, world.township)


def test_the_api_shows_the_micro_grid_in_the_list_and_the_detail(dispatcher, world, micro):
    demand = receive(world, grid=world.grid, micro_grid=micro.one)
    client = api_for(dispatcher)
    assert client.get(f"/api/v1/demands/{demand.pk}/").json()["micro_grid"] == "T-MG-01"
    [row] = client.get("/api/v1/demands/").json()["results"]
    assert row["micro_grid"] == "T-MG-01"


def test_the_service_refuses_a_micro_grid_outside_the_grid(world, micro):
    with pytest.raises(InvalidInput) as refused:
        receive(world, grid=world.grid, micro_grid=micro.sibling)
    assert "micro_grid" in refused.value.field_errors
    assert not Demand.objects.exists()


def test_a_point_alone_gives_a_grid_and_no_micro_grid(world, micro):
    """Micro-grids have no boundaries: a point cannot say which one it is in."""
    demand = services.demand_receive(actor=None, type="help", content=RESIDENT, lat=world.grid.lat,
                                     lng=world.grid.lng)
    assert demand.grid is not None and demand.micro_grid is None


# ---------------------------------------------------------------- filters and figures


@pytest.fixture
def located(world, micro):
    """3 demands in micro-grid one, 1 in two, 2 in the grid without a micro-grid, 1 in the far micro-grid."""
    made = [receive(world, grid=world.grid, micro_grid=micro.one) for _ in range(3)]
    made += [receive(world, grid=world.grid, micro_grid=micro.two)]
    made += [receive(world, grid=world.grid) for _ in range(2)]
    made += [receive(world, grid=world.other_grid, micro_grid=micro.far, township=world.other_township)]
    return made


def test_the_workbench_filters_by_micro_grid(dispatcher, located, micro):
    page = signed_in(dispatcher)

    def count(**params):
        return page.get("/staff/", {"tab": "all", **params}).context["page"].paginator.count

    assert count() == 7
    assert count(micro_grid="T-MG-01") == 3
    assert count(micro_grid="t-mg-02") == 1  # codes are read as typed, in any case
    assert count(micro_grid="T-MG-31") == 1
    assert count(micro_grid="NO-SUCH") == 0
    assert len(api_for(dispatcher).get("/api/v1/demands/", {"micro_grid": "T-MG-01"}).json()["results"]) == 3


def test_the_dashboard_counts_a_micro_grid_and_links_to_exactly_those(dispatcher, township_dispatcher, located,
                                                                      micro):
    client = api_for(dispatcher)
    received = client.get("/api/v1/dashboard/", {"micro_grid": "T-MG-01"}).json()["figures"]["received"]
    assert received["value"] == 3
    page = signed_in(dispatcher)
    assert "micro_grid=T-MG-01" in received["link"]
    assert page.get(received["link"]).context["page"].paginator.count == 3
    assert client.get("/api/v1/dashboard/").json()["figures"]["received"]["value"] == 7
    # The page shows the same and says which code it does not know.
    assert page.get("/staff/dashboard/", {"micro_grid": "T-MG-02"}).context["report"]["figures"]["received"][
        "value"] == 1
    unknown = page.get("/staff/dashboard/", {"micro_grid": "NO-SUCH"}).content.decode()
    assert "您的辖区内没有此编码的微网格。" in unknown
    refused = client.get("/api/v1/dashboard/", {"micro_grid": "NO-SUCH"})
    assert refused.status_code == 422 and "micro_grid" in refused.json()["fields"]
    # A township's centre cannot read another township's micro-grid.
    outside = api_for(township_dispatcher).get("/api/v1/dashboard/", {"micro_grid": "T-MG-31"})
    assert outside.status_code == 422
