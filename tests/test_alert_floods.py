"""Alert floods (issue 13): notices of one kind read as one digest with a count; a demand has one open supervision
order however often it is swept or urged; a sweep after a long stop records the level a demand is at now, once."""

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demands import services as demand_services
from demands.escalation import escalation_sweep
from demands.models import DemandEvent, SupervisionOrder
from demands.states import Status
from notifications import services
from notifications.models import Notification
from notifications.selectors import GROUP_PREVIEW

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

Kind = Notification.Kind


def login(user, language="zh-hans") -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def escalations(demand) -> list[int]:
    return list(DemandEvent.objects.filter(demand=demand, action="escalate").order_by("id")
                .values_list("data__level", flat=True))


def open_orders(demand) -> int:
    return SupervisionOrder.objects.filter(demand=demand, answered_at__isnull=True).count()


# ---------------------------------------------------------------- the inbox digest


@pytest.fixture
def flooded(walk, staff):
    """37 overdue notices and 2 dispatch notices in the dispatcher's inbox, one older notice already read."""
    demand = walk(Status.DISPATCHED)
    read = services.notify_staff(users=[staff.dispatcher], kind=Kind.RETURNED, demand=demand, unit="区水务局",
                                 reason="不属于本部门")[0]
    for _ in range(37):  # as many sweeps' worth of overdue notices
        services.notify_staff(users=[staff.dispatcher], kind=Kind.ESCALATION_OVERDUE, demand=demand, level=2,
                              deadline=demand.resolve_deadline)
    for _ in range(2):
        services.notify_staff(users=[staff.dispatcher], kind=Kind.DISPATCHED, demand=demand,
                              deadline=demand.accept_deadline)
    services.notification_mark_read(notification_id=read.pk, user=staff.dispatcher)
    return demand


def test_many_notices_of_one_kind_show_as_one_digest_with_their_count(flooded, staff):
    response = login(staff.dispatcher).get(reverse("notifications:inbox"))

    groups = {g.kind: g for g in response.context["groups"]}
    assert {kind: g.count for kind, g in groups.items()} == {Kind.ESCALATION_OVERDUE: 37, Kind.DISPATCHED: 2}
    assert len(groups[Kind.ESCALATION_OVERDUE].items) == GROUP_PREVIEW  # the newest few; the rest one link away
    html = response.content.decode()
    assert "已超期</strong> <span class=\"tag unread\">×37</span>" in html
    assert "还有 27 条，查看全部" in html and f"?kind={Kind.ESCALATION_OVERDUE}" in html
    assert response.context["unread_notifications"] == 39  # the badge still counts notices
    assert [n.kind for n in response.context["page"]] == [Kind.RETURNED]  # the read one, below the digests


def test_a_digest_opens_in_full_and_is_marked_read_at_once(flooded, staff):
    client = login(staff.dispatcher)

    listed = client.get(reverse("notifications:inbox"), {"kind": Kind.ESCALATION_OVERDUE})
    assert listed.context["page"].paginator.count == 37

    response = client.post(reverse("notifications:read_all"), {"kind": Kind.ESCALATION_OVERDUE})

    assert response.status_code == 302
    unread = Notification.objects.filter(recipient=staff.dispatcher, read_at__isnull=True)
    assert set(unread.values_list("kind", flat=True)) == {Kind.DISPATCHED} and unread.count() == 2
    groups = client.get(reverse("notifications:inbox")).context["groups"]
    assert [(g.kind, g.count) for g in groups] == [(Kind.DISPATCHED, 2)]


def test_marking_an_unknown_kind_read_marks_nothing(flooded, staff):
    login(staff.dispatcher).post(reverse("notifications:read_all"), {"kind": "no_such_kind"})

    assert Notification.objects.filter(recipient=staff.dispatcher, read_at__isnull=True).count() == 39


def test_digest_labels_follow_the_readers_language(flooded, staff):
    html = login(staff.dispatcher, "en").get(reverse("notifications:inbox")).content.decode()

    assert "deadline passed</strong> <span class=\"tag unread\">×37</span>" in html
    assert "Mark these 37 deadline passed notices as read" in html


# ---------------------------------------------------------------- a sweep after a long stop


def test_a_sweep_after_a_long_stop_records_level_three_once_and_tells_each_person_once(
        walk, staff, time_machine, django_capture_on_commit_callbacks):
    demand = walk(Status.ACCEPTED)
    time_machine.move_to(demand.supervise_at + dt.timedelta(days=10), tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        assert escalation_sweep() == {"demands": 1, "levels": 1}

    assert escalations(demand) == [3]
    event = DemandEvent.objects.get(demand=demand, action="escalate")
    assert event.data["from_level"] == 0
    notices = Notification.objects.filter(demand=demand).exclude(kind=Kind.DISPATCHED)
    assert set(notices.values_list("kind", flat=True)) == {Kind.SUPERVISION_ORDER}
    # The centres hear of it too, as they would have at 红灯, the notice the sweep skipped.
    assert sorted(notices.values_list("recipient__username", flat=True)) == sorted(
        [staff.supervisor.username, staff.handler.username, staff.dispatcher.username,
         staff.township_dispatcher.username])
    demand.refresh_from_db()
    assert demand.escalation_level == 3 and open_orders(demand) == 1


def test_a_sweep_between_deadline_and_supervision_records_overdue_alone(walk, staff, time_machine,
                                                                        django_capture_on_commit_callbacks):
    demand = walk(Status.ACCEPTED)
    time_machine.move_to(demand.resolve_deadline + dt.timedelta(minutes=5), tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        escalation_sweep()

    assert escalations(demand) == [2]
    kinds = Notification.objects.filter(demand=demand, recipient=staff.handler).values_list("kind", flat=True)
    assert list(kinds) == [Kind.ESCALATION_OVERDUE]  # no warning after the fact


# ---------------------------------------------------------------- one open supervision order per demand


def test_two_sweeps_never_open_a_second_order_for_one_demand(walk, staff, world, time_machine):
    demand = walk(Status.ACCEPTED)
    time_machine.move_to(demand.supervise_at, tick=False)
    escalation_sweep()
    escalation_sweep()
    assert open_orders(demand) == 1

    # Reassigned, the new unit's clock runs out too: level 3 again, but the unanswered order stands alone.
    demand_services.demand_reassign(demand_id=demand.pk, actor=staff.dispatcher, unit=world.other_department)
    demand.refresh_from_db()
    time_machine.move_to(demand.supervise_at, tick=False)
    escalation_sweep()

    assert escalations(demand) == [3, 3]
    assert SupervisionOrder.objects.filter(demand=demand).count() == 1


def test_an_answered_order_lets_a_later_escalation_open_a_new_one(walk, staff, world, time_machine):
    demand = walk(Status.ACCEPTED)
    time_machine.move_to(demand.supervise_at, tick=False)
    escalation_sweep()
    [order] = SupervisionOrder.objects.filter(demand=demand)
    demand_services.supervision_order_answer(order_id=order.pk, actor=staff.handler, answer="已安排人员处理")
    demand_services.demand_reassign(demand_id=demand.pk, actor=staff.dispatcher, unit=world.other_department)
    demand.refresh_from_db()
    time_machine.move_to(demand.supervise_at, tick=False)

    escalation_sweep()

    assert SupervisionOrder.objects.filter(demand=demand).count() == 2 and open_orders(demand) == 1


def test_a_manual_urge_on_an_open_order_rewrites_it_instead_of_adding_one(walk, staff, time_machine):
    demand = walk(Status.ACCEPTED)
    time_machine.move_to(demand.supervise_at, tick=False)
    escalation_sweep()
    [automatic] = SupervisionOrder.objects.filter(demand=demand)
    due = timezone.localdate() + dt.timedelta(days=2)

    order = demand_services.demand_urge(demand_id=demand.pk, actor=staff.supervisor, note="请两日内办结并书面回复",
                                        due_date=due)

    assert order.pk == automatic.pk and SupervisionOrder.objects.filter(demand=demand).count() == 1
    order.refresh_from_db()
    assert (order.note, order.due_date, order.source, order.created_by) == (
        "请两日内办结并书面回复", due, SupervisionOrder.Source.MANUAL, staff.supervisor)
    urge = DemandEvent.objects.get(demand=demand, action="urge")
    assert urge.data["order"] == order.pk and urge.data["previous_due_date"] == automatic.due_date.isoformat()


def test_a_demand_urged_by_hand_gets_no_automatic_order_beside_it(walk, staff, time_machine):
    demand = walk(Status.ACCEPTED)
    demand_services.demand_urge(demand_id=demand.pk, actor=staff.supervisor, note="请尽快办结",
                                due_date=timezone.localdate() + dt.timedelta(days=1))
    time_machine.move_to(demand.supervise_at, tick=False)

    escalation_sweep()

    assert escalations(demand) == [3]
    [order] = SupervisionOrder.objects.filter(demand=demand)
    assert order.source == SupervisionOrder.Source.MANUAL and order.note == "请尽快办结"
