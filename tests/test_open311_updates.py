"""The servicerequestupdates extension, as FixMyStreet's Open311 client polls it (GET servicerequestupdates.xml with
api_key, jurisdiction_id, and start_date/end_date in W3C UTC): the public steps of the requests the caller reads in
full, each with update_id, service_request_id, status, updated_datetime, description, media_url and
external_status_code, oldest first."""

import datetime as dt

import pytest
from django.utils import timezone

from core.actors import ResidentActor
from demands import services
from demands.models import DemandEvent
from demands.states import Action, Status
from integrations.services import integration_create

from .test_open311 import BASE, as_json, as_xml, error_of, public

pytestmark = pytest.mark.django_db

URL = f"{BASE}/servicerequestupdates"
FIELDS = ["update_id", "service_request_id", "status", "updated_datetime", "description", "media_url",
          "external_status_code"]


@pytest.fixture
def api_key(world):
    _integration, raw = integration_create(name="12345热线", townships=[world.township])
    return raw


def utc(moment: dt.datetime) -> str:
    """How FixMyStreet writes its window (DateTime::Format::W3CDTF in UTC)."""
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def updates(client, fmt="json", **query) -> list[dict]:
    response = client.get(f"{URL}.{fmt}", query)
    assert response.status_code == 200, response.content
    if fmt == "json":
        return as_json(response)
    root = as_xml(response)
    assert root.tag == "service_request_updates"
    return [{child.tag: child.text for child in item} for item in root.findall("request_update")]


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_public_request_s_steps_come_oldest_first_with_the_fields_fixmystreet_reads(client, walk, world, fmt):
    demand = public(walk(Status.CLOSED))
    items = updates(client, fmt)
    steps = list(demand.events.filter(public=True).order_by("created_at", "id"))
    assert [i["update_id"] for i in items] == [str(e.pk) for e in steps]
    assert all(list(i) == FIELDS for i in items)
    assert {i["service_request_id"] for i in items} == {demand.public_no}
    # The status once each step was taken: replaying them ends where the request is now.
    assert [i["external_status_code"] for i in items] == [e.to_status for e in steps]
    assert [i["status"] for i in items][-1] == "closed" and items[0]["status"] == "open"
    assert [i["updated_datetime"] for i in items] == [
        timezone.localtime(e.created_at).isoformat(timespec="seconds") for e in steps]
    descriptions = {i["external_status_code"]: i["description"] for i in items}
    assert descriptions["received"] == "您的诉求已收到。"
    assert "已安排环卫工人清运完毕。" in descriptions["resolved"]  # the reply travels with the resolve step
    assert descriptions["dispatched"] == f"您的诉求已派单至{world.department.short_name}。"
    assert all(not i["media_url"] for i in items)


def test_internal_steps_and_the_resident_s_own_words_stay_out(client, walk, staff):
    demand = public(walk(Status.ACCEPTED))
    services.demand_note(demand_id=demand.pk, actor=staff.handler, text="内部：联系了物业经理张三", public=False)
    services.demand_note(demand_id=demand.pk, actor=staff.handler, text="已联系环卫所，明早清运。", public=True)
    services.demand_resolve(demand_id=demand.pk, actor=staff.handler, outcome="solved", reply="清运完毕。")
    services.demand_verify(demand_id=demand.pk, actor=staff.supervisor)
    services.demand_rate(demand_id=demand.pk, actor=ResidentActor(demand.pk), rating="satisfied",
                         comment="王秀英很满意，电话13812345678")
    text = client.get(f"{URL}.json").content.decode()
    assert "已联系环卫所，明早清运。" in text and "清运完毕。" in text
    for secret in ("张三", "王秀英", "13812345678", demand.tracking_code):
        assert secret not in text
    hidden = demand.events.get(public=False, action=Action.NOTE)
    assert str(hidden.pk) not in {i["update_id"] for i in as_json(client.get(f"{URL}.json"))}


def test_steps_of_requests_that_are_not_public_need_a_key_for_them(client, walk, world, api_key):
    shown = public(walk(Status.DISPATCHED))
    mine = walk(Status.DISPATCHED)  # the key's township, not public
    elsewhere = walk(Status.RECEIVED, township=world.other_township)

    def numbers(**query):
        return {i["service_request_id"] for i in updates(client, **query)}

    assert numbers() == {shown.public_no}
    assert numbers(api_key=api_key) == {shown.public_no, mine.public_no}
    assert elsewhere.public_no not in numbers(api_key=api_key)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_wrong_key_is_403(client, world, fmt):
    response = client.get(f"{URL}.{fmt}", {"api_key": "msk_forged"})
    assert response.status_code == 403 and error_of(response, fmt)[0]["code"] == 403


def test_fixmystreet_s_two_hour_window_selects_by_the_step_s_time(client, walk, staff, api_key, time_machine):
    now = timezone.now()
    time_machine.move_to(now - dt.timedelta(hours=5), tick=False)
    old = public(walk(Status.RECEIVED))
    time_machine.move_to(now - dt.timedelta(hours=1), tick=False)
    services.demand_reject(demand_id=old.pk, actor=staff.dispatcher, reason="不属于受理范围")
    time_machine.move_to(now, tick=False)
    window = {"start_date": utc(now - dt.timedelta(hours=2)), "end_date": utc(now), "jurisdiction_id": "bazhou",
              "api_key": api_key}
    items = updates(client, "xml", **window)
    assert [(i["external_status_code"], i["status"]) for i in items] == [("rejected", "closed")]
    assert "不属于受理范围" in items[0]["description"]
    # With no window, the last day: both steps.
    assert [i["external_status_code"] for i in updates(client)] == ["received", "rejected"]
    # An earlier window has only the receipt.
    assert [i["external_status_code"] for i in updates(
        client, start_date=utc(now - dt.timedelta(hours=6)), end_date=utc(now - dt.timedelta(hours=4)))] == [
        "received"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("query, field", [
    ({"start_date": "two hours ago"}, "start_date"),
    ({"end_date": "2026-13-45T99:00:00Z"}, "end_date"),
    ({"start_date": "2026-01-01T00:00:00Z", "end_date": "2026-06-01T00:00:00Z"}, "end_date"),  # more than 90 days
    ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-01-01T00:00:00Z"}, "end_date"),  # end before start
    ({"start_date": "0001-01-01T00:00:00Z"}, "start_date"),
])
def test_bad_windows_are_400_naming_the_argument(client, world, fmt, query, field):
    response = client.get(f"{URL}.{fmt}", query)
    assert response.status_code == 400
    errors = error_of(response, fmt)
    assert errors[0]["code"] == 400 and field in errors[0]["description"]


def test_at_most_1000_updates_and_the_next_poll_goes_on_from_the_last(client, walk):
    demand = public(walk(Status.RECEIVED))
    start = timezone.now().replace(microsecond=0) + dt.timedelta(minutes=1)  # after the receipt
    DemandEvent.objects.bulk_create([
        DemandEvent(demand=demand, actor_kind="user", action=Action.NOTE, from_status=Status.RECEIVED,
                    to_status=Status.RECEIVED, note=f"进展{i}", public=True, created_at=start + dt.timedelta(seconds=i))
        for i in range(1001)
    ])
    window = {"start_date": utc(start), "end_date": utc(start + dt.timedelta(hours=1))}
    items = updates(client, **window)
    assert len(items) == 1000
    assert items[0]["description"].endswith("进展0") and items[-1]["description"].endswith("进展999")
    rest = updates(client, start_date=utc(start + dt.timedelta(seconds=1000)), end_date=window["end_date"])
    assert [i["description"][-6:] for i in rest] == ["进展1000"]


def test_only_get_and_head(client, world):
    response = client.post(f"{URL}.json")
    assert response.status_code == 405 and as_json(response)[0]["code"] == 405
    assert client.head(f"{URL}.xml").status_code == 200


def test_unknown_format_is_404(client, world):
    assert client.get(f"{URL}.csv").status_code == 404
