"""Issue 15, item 5 (in part): with the tracking code the resident adds information (补充材料) to an open demand,
and chases (催办) one past its deadline; the unit (and for a chase the supervisors) is told, the timeline shows it,
and nothing changes for a finished demand, a demand within its deadline, bad input or a flood."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from core.actors import ResidentActor
from core.errors import NotFound, NotPermitted
from demands import services
from demands.models import Demand, DemandAttachment
from demands.states import Status
from notifications.models import Notification

from .conftest import photo

pytestmark = pytest.mark.django_db

MORE = "补充：垃圾堆旁边的下水道也堵了，晚上气味更重。"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def add(demand, **data):
    return Client().post(f"/track/{demand.tracking_code}/add/", {"text": MORE, **data})


def test_the_resident_adds_words_and_a_photo_and_the_unit_is_told(walk, staff, django_capture_on_commit_callbacks):
    demand = walk(Status.ACCEPTED)  # held by the handler's department
    page = Client().get(f"/track/{demand.tracking_code}/").content.decode()
    assert "补充材料" in page
    with django_capture_on_commit_callbacks(execute=True):
        response = add(demand, photos=[photo()])
    assert response.status_code == 302 and response["Location"] == f"/track/{demand.tracking_code}/"
    event = demand.events.get(action="supplement")
    assert (event.note, event.actor_kind, event.public, event.to_status) == (MORE, "resident", True, Status.ACCEPTED)
    assert demand.attachments.filter(purpose=DemandAttachment.Purpose.SUBMISSION, event=event).count() == 1
    # On the resident's timeline, in their words.
    timeline = Client().get(f"/track/{demand.tracking_code}/").content.decode()
    assert "诉求人补充了材料" in timeline and MORE in timeline
    # The handler holding it is told, and reads it on the staff page.
    notice = Notification.objects.get(recipient=staff.handler, kind="supplemented")
    assert demand.public_no in notice.title and MORE in notice.body
    staff_page = Client()
    staff_page.force_login(staff.handler)
    assert MORE in staff_page.get(f"/staff/demands/{demand.pk}/").content.decode()


def test_before_dispatch_the_dispatchers_are_told(walk, staff, django_capture_on_commit_callbacks):
    demand = walk(Status.RECEIVED)
    with django_capture_on_commit_callbacks(execute=True):
        assert add(demand).status_code == 302
    assert Notification.objects.filter(recipient=staff.dispatcher, kind="supplemented").exists()
    assert not Notification.objects.filter(recipient=staff.handler).exists()


@pytest.mark.parametrize("data, message", [
    ({"text": ""}, "该字段是必填项"),
    ({"text": "坏" * 1001}, "1000"),
    ({"text": "有\x00空字符"}, "空字符"),
])
def test_bad_input_is_refused_with_a_message_and_changes_nothing(walk, data, message):
    demand = walk(Status.DISPATCHED)
    response = add(demand, **data)
    assert response.status_code == 400 and message in response.content.decode()
    assert not demand.events.filter(action="supplement").exists()


def test_a_finished_demand_takes_no_more_information(walk):
    demand = walk(Status.CLOSED)
    assert "补充材料" not in Client().get(f"/track/{demand.tracking_code}/").content.decode()
    response = add(demand)
    assert response.status_code == 409 and "补充材料" in response.content.decode()
    assert not demand.events.filter(action="supplement").exists()


def test_too_many_photos_in_all_are_refused(walk, settings):
    demand = walk(Status.DISPATCHED, photos=[photo(), photo()])
    response = add(demand, photos=[photo(), photo()])
    assert response.status_code == 400 and f"最多 {settings.MAX_PHOTOS} 张" in response.content.decode()
    assert demand.attachments.count() == 2


def test_a_wrong_code_is_the_not_found_page_and_staff_cannot_add_for_the_resident(walk, staff):
    demand = walk(Status.DISPATCHED)
    assert Client().post("/track/ABC-DEF-GHJ-KMN-PQR-STV/add/", {"text": MORE}).status_code == 404
    with pytest.raises(NotPermitted):
        services.demand_supplement(demand_id=demand.pk, actor=staff.dispatcher, text=MORE)
    # Another demand's code is not this demand's resident.
    other = walk(Status.DISPATCHED)
    with pytest.raises(NotFound):
        services.demand_supplement(demand_id=demand.pk, actor=ResidentActor(other.pk), text=MORE)
    assert not demand.events.filter(action="supplement").exists()


def test_a_flood_from_one_address_is_refused(walk, settings):
    settings.PAGE_TRACK_LIMIT = 3
    demand = walk(Status.DISPATCHED)
    answers = [add(demand).status_code for _ in range(4)]
    assert answers[:3] == [302, 302, 302] and answers[3] == 429
    assert demand.events.filter(action="supplement").count() == 3


def test_a_get_is_not_allowed(walk):
    demand = walk(Status.DISPATCHED)
    assert Client().get(f"/track/{demand.tracking_code}/add/").status_code == 405


# ---------------------------------------------------------------- 催办: chasing an overdue demand


def overdue(demand, hours=2):
    Demand.objects.filter(pk=demand.pk).update(resolve_deadline=timezone.now() - dt.timedelta(hours=hours))
    return demand


def chase(demand):
    return Client().post(f"/track/{demand.tracking_code}/chase/")


def test_within_the_deadline_there_is_nothing_to_chase(walk):
    demand = walk(Status.ACCEPTED)
    assert "催办" not in Client().get(f"/track/{demand.tracking_code}/").content.decode()
    response = chase(demand)
    assert response.status_code == 409 and "尚未超过办理期限" in response.content.decode()
    assert not demand.events.filter(action="chase").exists()


def test_an_overdue_demand_is_chased_once_a_day_and_the_unit_and_supervisors_are_told(
        walk, staff, django_capture_on_commit_callbacks, time_machine):
    demand = overdue(walk(Status.ACCEPTED))
    page = Client().get(f"/track/{demand.tracking_code}/").content.decode()
    assert "已超过办理期限" in page and "催办" in page
    with django_capture_on_commit_callbacks(execute=True):
        assert chase(demand).status_code == 302
    event = demand.events.get(action="chase")
    assert (event.actor_kind, event.data["chases"], event.to_status) == ("resident", 1, Status.ACCEPTED)
    for user in (staff.handler, staff.supervisor):
        notice = Notification.objects.get(recipient=user, kind="chased")
        assert demand.public_no in notice.title and "累计 1 次" in notice.body
    assert "诉求人已催办" in Client().get(f"/track/{demand.tracking_code}/").content.decode()
    # Again the same day: refused with a message, nothing more recorded or sent.
    again = chase(demand)
    assert again.status_code == 409 and "一天内已催办" in again.content.decode()
    assert demand.events.filter(action="chase").count() == 1
    # The next day the count goes on.
    time_machine.move_to(timezone.now() + dt.timedelta(hours=25))
    assert chase(demand).status_code == 302
    assert demand.events.filter(action="chase").order_by("-id").first().data["chases"] == 2


def test_a_finished_demand_cannot_be_chased(walk):
    demand = overdue(walk(Status.RESOLVED))
    assert chase(demand).status_code == 409
    assert not demand.events.filter(action="chase").exists()


def test_only_the_resident_chases(walk, staff):
    demand = overdue(walk(Status.DISPATCHED))
    with pytest.raises(NotPermitted):
        services.demand_chase(demand_id=demand.pk, actor=staff.supervisor)
    assert Client().post("/track/ABC-DEF-GHJ-KMN-PQR-STV/chase/").status_code == 404
    assert Client().get(f"/track/{demand.tracking_code}/chase/").status_code == 405
    assert not demand.events.filter(action="chase").exists()
