"""Issue 15, item 6: the resident is told by SMS (through the SMS adapter) at receipt with the tracking link, at
dispatch, when it cannot be taken up, at the unit's reply, at reopen and for the rating, in plain Chinese and,
where no link is carried, within one SMS segment. Steps taken in one go send one text for where the demand got
to; a flood of demands typed with one phone number does not flood that phone."""

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.utils import timezone

from core.actors import ResidentActor
from demands import services
from demands.models import Rating
from demands.states import Status
from notifications.models import OutboundMessage

from .test_notifications import RecordingGateway
from .test_recording import CALL, signed_in

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("recorded")]

PHONE = "13812345678"  # the walk's resident
# One SMS segment holds 70 characters of Chinese text (UCS-2).
SEGMENT = 70


@pytest.fixture
def recorded(settings):
    settings.SMS_GATEWAY = "tests.test_notifications.RecordingGateway"
    RecordingGateway.sent.clear()
    cache.clear()
    yield
    cache.clear()


def texts(phone=PHONE) -> list[str]:
    return [text for to, text in RecordingGateway.sent if to == phone]


def step_by_step(capture, demand, staff, *steps):
    """Each step in its own transaction, as on the pages: the texts go out after each commit."""
    for step in steps:
        with capture(execute=True):
            step(demand)


def test_each_step_of_the_loop_is_texted_once_in_plain_chinese(walk, world, staff,
                                                               django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demand = walk(Status.RECEIVED)
    [receipt] = texts()
    assert receipt.startswith("您的诉求已登记") and f"/track/{demand.tracking_code}/" in receipt
    step_by_step(django_capture_on_commit_callbacks, demand, staff,
                 lambda d: services.demand_classify(demand_id=d.pk, actor=staff.dispatcher, type="help",
                                                    category=world.category, urgency="normal", grid=world.grid),
                 lambda d: services.demand_dispatch(demand_id=d.pk, actor=staff.dispatcher, unit=world.department),
                 lambda d: services.demand_accept(demand_id=d.pk, actor=staff.handler),
                 lambda d: services.demand_resolve(demand_id=d.pk, actor=staff.handler, outcome="solved",
                                                   reply="已安排清运。"),
                 lambda d: services.demand_verify(demand_id=d.pk, actor=staff.supervisor))
    demand.refresh_from_db()
    _receipt, dispatched, replied, rating = texts()  # classify and accept are not texted
    assert dispatched == (f"您的诉求（{demand.category.name}）已交{demand.unit}办理，"
                          f"将于{timezone.localtime(demand.resolve_deadline).strftime('%Y-%m-%d %H:%M')}前办结。")
    assert replied == f"{demand.unit}已答复您的诉求（{demand.category.name}），结果核查后将请您评价。"
    assert f"/rate/{demand.rating_token}/" in rating
    # Dissatisfied the first time: reopened by the system to the same unit, and told so.
    with django_capture_on_commit_callbacks(execute=True):
        services.demand_rate(demand_id=demand.pk, actor=ResidentActor(demand.pk), rating=Rating.DISSATISFIED)
    assert texts()[-1] == f"您的诉求（{demand.category.name}）已由{demand.unit}重新办理。"
    # The kept copies are a log: the links the texts carried are gone from them once sent.
    for message in OutboundMessage.objects.filter(channel="sms"):
        assert message.status == "sent" and demand.tracking_code not in message.body
        assert demand.rating_token not in message.body


def test_a_refusal_is_texted_with_where_to_read_the_reason(walk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        walk(Status.REJECTED)
    # Not classified: named by the resident's first words.
    assert texts()[-1] == "您的诉求（莲花社区菜市场门口垃…）不予受理，原因请在进度页查看。"


def test_texts_without_a_link_fit_one_segment_with_the_longest_names(walk, world, staff,
                                                                     django_capture_on_commit_callbacks):
    # 20 characters, longer than any real unit's name.
    for department, name in ((world.department, "霸州市住房和城乡建设局城市管理综合执法大队"),
                             (staff.other_handler.department, "霸州市农业农村局农村人居环境整治工作专班")):
        department.name = name
        department.save()
    world.category.name = "市政设施维护与占道经营"
    world.category.save()
    demand = walk(Status.ACCEPTED)
    RecordingGateway.sent.clear()
    step_by_step(django_capture_on_commit_callbacks, demand, staff,
                 lambda d: services.demand_resolve(demand_id=d.pk, actor=staff.handler, outcome="solved",
                                                   reply="已安排清运。"),
                 lambda d: services.demand_verify(demand_id=d.pk, actor=staff.supervisor),
                 lambda d: services.demand_reopen(demand_id=d.pk, actor=staff.supervisor, reason="现场仍未整改"),
                 lambda d: services.demand_reassign(demand_id=d.pk, actor=staff.dispatcher,
                                                    unit=staff.other_handler.department))
    replied, rating, reopened, dispatched = texts()
    for text in (replied, reopened, dispatched):
        assert len(text) <= SEGMENT, text
    # The rating text carries a link (as the receipt does): its words stay short.
    assert len(rating.split("http")[0]) <= 40


def test_steps_taken_in_one_go_send_one_text_for_where_it_got(grid_worker, world, django_capture_on_commit_callbacks):
    # A patrol report solved on the spot: received, classified, dispatched, accepted and resolved in one step.
    with django_capture_on_commit_callbacks(execute=True):
        response = signed_in(grid_worker).post("/staff/record/", {
            "channel": "patrol", "type": "help", "content": CALL, "on_the_spot": "on",
            "category": world.category.pk, "reply": "已联系保洁员清运垃圾。", "contact_phone": "13900005555"})
    assert response.status_code == 302
    receipt, replied = texts("13900005555")
    assert receipt.startswith("您的诉求已登记") and "已答复您的诉求" in replied


def test_a_call_taken_by_the_centre_texts_the_caller_their_tracking_link(dispatcher, world,
                                                                         django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(dispatcher).post("/staff/record/", {
            "channel": "phone", "type": "help", "content": CALL, "township": world.township.pk,
            "contact_name": "赵桂兰", "contact_phone": "13912345678"})
    [receipt] = texts("13912345678")
    code = receipt.rsplit("/track/", 1)[1].strip("/")
    # The link opens the caller's tracking page: the caller never saw the staff screen.
    assert Client().get(f"/track/{code}/").status_code == 200


def test_no_phone_no_text(walk, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        walk(Status.VERIFIED, contact_phone="")
    assert RecordingGateway.sent == []


@override_settings(RESIDENT_SMS_PER_DAY=3)
def test_a_flood_of_demands_with_one_number_does_not_flood_that_phone(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        for n in range(6):
            services.demand_receive(actor=None, type="help", content=f"第{n}条：路灯不亮", township=world.township,
                                    contact_phone="13700001234")
    assert len(texts("13700001234")) == 3
