"""Special inquiries (专题询问): topics from the public and from the figures, the meeting's questions and answers,
the departments' commitments followed to their end, and the public record once closed."""

import datetime as dt

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from accounts.models import Role
from core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from inquiries import services
from inquiries.models import (
    Commitment,
    Inquiry,
    InquiryEvent,
    Question,
    Topic,
    TopicEvent,
)
from inquiries.states import (
    TOPIC_TRANSITIONS,
    TRANSITIONS,
    Action,
    CommitmentStatus,
    Status,
    TopicAction,
    TopicStatus,
)

from .browser import zh
from .conftest import PASSWORD
from .factories import DeputyFactory, UserFactory

SECRET_PHONE = "13987654321"
TOPIC_TITLE = "城区学校周边停车难"
TOPIC_TEXT = "巴州二小放学时段车辆乱停，孩子过马路很危险。"


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()
    yield
    cache.clear()


def login(user):
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def today():
    return timezone.localdate()


def plan(staff, world, **extra):
    fields = {"title": "关于学校周边交通安全的专题询问", "held_on": today(), "departments": [world.department],
              "deputies": [world.deputy_record], "township": None, **extra}
    return services.inquiry_plan(actor=staff.supervisor, **fields)


def ask(staff, world, inquiry, text="学校门口什么时候设置减速带？"):
    return services.inquiry_ask(inquiry_id=inquiry.pk, actor=staff.deputy, department=world.department, text=text)


def walk_to(state, staff, world) -> Inquiry:
    """An inquiry in `state`, reached through the services; once held it has one answered question, and once
    followed up one open commitment of the handler's department."""
    inquiry = plan(staff, world)
    if state == Status.PLANNED:
        return inquiry
    question = ask(staff, world, inquiry)
    services.inquiry_hold(inquiry_id=inquiry.pk, actor=staff.supervisor, summary="询问会按期举行。")
    services.inquiry_answer(inquiry_id=inquiry.pk, actor=staff.handler, question_id=question.pk,
                            answer="本月底前完成减速带施工。")
    if state == Status.HELD:
        return Inquiry.objects.get(pk=inquiry.pk)
    commitment = services.inquiry_commit(inquiry_id=inquiry.pk, actor=staff.supervisor, department=world.department,
                                         text="设置减速带和护栏", due_on=today() + dt.timedelta(days=30))
    services.inquiry_follow(inquiry_id=inquiry.pk, actor=staff.supervisor)
    if state == Status.FOLLOWING_UP:
        return Inquiry.objects.get(pk=inquiry.pk)
    services.inquiry_progress(inquiry_id=inquiry.pk, actor=staff.handler, commitment_id=commitment.pk,
                              note="减速带和护栏已安装完毕。", done=True)
    services.inquiry_close(inquiry_id=inquiry.pk, actor=staff.supervisor)
    return Inquiry.objects.get(pk=inquiry.pk)


# ---------------------------------------------------------------- the tables are the law


def something_to_act_on(inquiry, world):
    """A question and a commitment of the handler's department, written directly where the state has none yet, so
    that answer, progress and drop have something to name and only the state can refuse them."""
    question = inquiry.questions.first() or Question.objects.create(
        inquiry=inquiry, deputy=world.deputy_record, department=world.department, text="问题")
    commitment = inquiry.commitments.first() or Commitment.objects.create(
        inquiry=inquiry, department=world.department, text="承诺", due_on=today() + dt.timedelta(days=9))
    return question, commitment


def call(action, inquiry, staff, world):
    """`action` on `inquiry` by the actor entitled to it, with valid input."""
    pk = inquiry.pk
    question, commitment = something_to_act_on(inquiry, world)
    calls = {
        Action.ASK: lambda: ask(staff, world, inquiry),
        Action.ANSWER: lambda: services.inquiry_answer(inquiry_id=pk, actor=staff.handler, question_id=question.pk,
                                                       answer="答复"),
        Action.HOLD: lambda: services.inquiry_hold(inquiry_id=pk, actor=staff.supervisor),
        Action.COMMIT: lambda: services.inquiry_commit(inquiry_id=pk, actor=staff.supervisor,
                                                       department=world.department, text="承诺",
                                                       due_on=today() + dt.timedelta(days=5)),
        Action.FOLLOW: lambda: services.inquiry_follow(inquiry_id=pk, actor=staff.supervisor),
        Action.PROGRESS: lambda: services.inquiry_progress(inquiry_id=pk, actor=staff.handler,
                                                           commitment_id=commitment.pk, note="进展"),
        Action.DROP: lambda: services.inquiry_drop(inquiry_id=pk, actor=staff.supervisor,
                                                   commitment_id=commitment.pk, reason="已由新规划替代"),
        Action.CLOSE: lambda: services.inquiry_close(inquiry_id=pk, actor=staff.supervisor),
    }
    return calls[action]()


INQUIRY_FORBIDDEN = [(a, s) for a, (sources, _t) in TRANSITIONS.items() if sources
                     for s in Status.values if s not in sources]
TOPIC_FORBIDDEN = [(a, s) for a, (sources, _t) in TOPIC_TRANSITIONS.items() if sources
                   for s in TopicStatus.values if s not in sources]


def test_every_inquiry_action_with_a_source_has_a_service_and_a_predicate():
    assert {a for a, (sources, _t) in TRANSITIONS.items() if sources} == set(services.INQUIRIES.can)


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "state"), INQUIRY_FORBIDDEN)
def test_inquiry_action_outside_the_table_is_refused_and_changes_nothing(action, state, staff, world):
    inquiry = walk_to(state, staff, world)
    something_to_act_on(inquiry, world)
    before = (Inquiry.objects.get(pk=inquiry.pk).status, InquiryEvent.objects.count(), Question.objects.count(),
              list(Question.objects.values_list("answer", flat=True)),
              list(Commitment.objects.values_list("status", flat=True)))
    with pytest.raises(TransitionNotAllowed):
        call(action, inquiry, staff, world)
    after = (Inquiry.objects.get(pk=inquiry.pk).status, InquiryEvent.objects.count(), Question.objects.count(),
             list(Question.objects.values_list("answer", flat=True)),
             list(Commitment.objects.values_list("status", flat=True)))
    assert after == before and after[0] == state


@pytest.mark.django_db
@pytest.mark.parametrize(("action", "state"), TOPIC_FORBIDDEN)
def test_topic_action_outside_the_table_is_refused_and_changes_nothing(action, state, staff):
    topic = services.topic_propose(actor=None, title=TOPIC_TITLE)
    Topic.objects.filter(pk=topic.pk).update(status=state)
    events = TopicEvent.objects.count()
    with pytest.raises(TransitionNotAllowed):
        if action == TopicAction.ACCEPT:
            services.topic_accept(topic_id=topic.pk, actor=staff.supervisor)
        else:
            services.topic_decline(topic_id=topic.pk, actor=staff.supervisor, reason="不属于人大监督范围")
    assert Topic.objects.get(pk=topic.pk).status == state and TopicEvent.objects.count() == events


# ---------------------------------------------------------------- the public form


def propose_page(data, client=None):
    return (client or Client()).post(reverse("inquiries_public:propose"), data)


def test_anyone_proposes_a_topic_without_a_name_and_the_phone_stays_private(world, staff):
    response = propose_page({"title": TOPIC_TITLE, "description": TOPIC_TEXT, "township": world.township.pk,
                             "contact_phone": SECRET_PHONE})
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert (topic.status, topic.source, topic.contact_phone, topic.created_by) == (
        TopicStatus.PROPOSED, Topic.Source.PUBLIC, SECRET_PHONE, None)
    # Awaiting moderation: nothing of it is public yet.
    assert TOPIC_TITLE not in Client().get(reverse("inquiries_public:list")).content.decode()
    # The supervisor moderating it sees the phone to ask more.
    page = login(staff.supervisor).get(reverse("inquiries:topic", args=[topic.pk])).content.decode()
    assert SECRET_PHONE in page and TOPIC_TEXT in page


def test_a_signed_in_non_supervisor_cannot_pass_a_topic_off_as_from_the_figures(world, staff):
    topic = services.topic_propose(actor=staff.handler, title=TOPIC_TITLE, source=Topic.Source.FIGURE,
                                   source_note="满意率 40%")
    assert (topic.source, topic.source_note, topic.status, topic.created_by) == (
        Topic.Source.PUBLIC, "", TopicStatus.PROPOSED, None)


@pytest.mark.parametrize(("data", "field", "message"), [
    ({"title": "停车\x00难"}, "title", "Null characters are not allowed."),
    ({"title": TOPIC_TITLE, "description": "说明\x00"}, "description", "Null characters are not allowed."),
    ({"title": "停" * 101}, "title", "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d)."),
    ({"title": TOPIC_TITLE, "description": "长" * 20001}, "description",
     "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d)."),
    ({"title": "  "}, "title", "This field is required."),
    ({"title": TOPIC_TITLE, "contact_phone": "12345"}, "contact_phone",
     "Enter an 11-digit mobile number or a landline such as 0827-5221234."),
])
def test_the_public_form_refuses_bad_input_in_chinese_and_keeps_nothing(world, data, field, message):
    response = propose_page(data)
    assert response.status_code == 400
    html = response.content.decode()
    assert 'class="error"' in html and not Topic.objects.exists()
    errors = response.context["form"].errors[field]
    assert errors and all(any("\u4e00" <= ch <= "\u9fff" for ch in str(e)) for e in errors), errors


def test_the_services_refuse_nul_bytes_too(world):
    with pytest.raises(InvalidInput) as refused:
        services.topic_propose(actor=None, title="停车\x00难")
    assert "title" in refused.value.field_errors and not Topic.objects.exists()


def test_the_public_form_is_limited_per_client_address(world, settings):
    settings.PAGE_SUBMIT_LIMIT = 2
    codes = [propose_page({"title": f"{TOPIC_TITLE}{i}"}).status_code for i in range(3)]
    assert codes == [302, 302, 429]
    assert Topic.objects.count() == 2


# ---------------------------------------------------------------- moderation


def test_supervisor_accepts_a_topic_and_it_is_published_without_the_phone(world, staff):
    topic = services.topic_propose(actor=None, title=TOPIC_TITLE, description=TOPIC_TEXT, contact_phone=SECRET_PHONE)
    response = login(staff.supervisor).post(reverse("inquiries:topic_accept", args=[topic.pk]),
                                            {"accept-note": "纳入年度监督计划"})
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.status == TopicStatus.ACCEPTED and topic.decision_note == "纳入年度监督计划"
    public = Client().get(reverse("inquiries_public:list")).content.decode()
    assert TOPIC_TITLE in public and TOPIC_TEXT in public and SECRET_PHONE not in public


def test_declining_needs_a_reason_and_a_declined_topic_is_not_published(world, staff):
    topic = services.topic_propose(actor=None, title=TOPIC_TITLE)
    client = login(staff.supervisor)
    url = reverse("inquiries:topic_decline", args=[topic.pk])
    assert client.post(url, {"decline-reason": ""}).status_code == 400
    assert Topic.objects.get(pk=topic.pk).status == TopicStatus.PROPOSED
    assert client.post(url, {"decline-reason": "属于个案诉求，已转12345热线办理"}).status_code == 302
    assert Topic.objects.get(pk=topic.pk).status == TopicStatus.DECLINED
    assert TOPIC_TITLE not in Client().get(reverse("inquiries_public:list")).content.decode()


def test_a_township_supervisor_moderates_only_the_townships_topics(world, staff):
    other = UserFactory(username="township_supervisor", role=Role.SUPERVISOR, township=world.other_township)
    mine = services.topic_propose(actor=None, title="白鹤村饮水", township=world.other_township)
    theirs = services.topic_propose(actor=None, title=TOPIC_TITLE, township=world.township)
    client = login(other)
    assert client.get(reverse("inquiries:topic", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("inquiries:topic_accept", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("inquiries:topic_accept", args=[mine.pk])).status_code == 302
    assert Topic.objects.get(pk=theirs.pk).status == TopicStatus.PROPOSED


def test_a_topic_from_the_figures_keeps_its_source_and_is_accepted_at_once(world, staff):
    client = login(staff.supervisor)
    form = client.get(reverse("inquiries:topic_new") + "?title=停车&source=hotspot&note=热点词：停车（近30天）")
    assert "热点词：停车（近30天）" in form.content.decode()
    response = client.post(reverse("inquiries:topic_new"), {
        "title": "中心城区停车难", "source": "hotspot", "source_note": "热点词：停车（近30天 42 件）"})
    assert response.status_code == 302
    topic = Topic.objects.get()
    assert (topic.source, topic.status, topic.source_note) == (
        Topic.Source.HOTSPOT, TopicStatus.ACCEPTED, "热点词：停车（近30天 42 件）")
    # Accepted through the lifecycle, not by writing the status: the history shows the proposal, then the acceptance.
    assert list(topic.events.order_by("id").values_list("action", "from_status", "to_status", "actor")) == [
        (TopicAction.PROPOSE, "", TopicStatus.PROPOSED, staff.supervisor.pk),
        (TopicAction.ACCEPT, TopicStatus.PROPOSED, TopicStatus.ACCEPTED, staff.supervisor.pk)]


# ---------------------------------------------------------------- the inquiry through its pages


def test_the_inquiry_from_topic_to_public_record_through_the_pages(world, staff):
    topic = services.topic_propose(actor=None, title=TOPIC_TITLE, description=TOPIC_TEXT, contact_phone=SECRET_PHONE)
    services.topic_accept(topic_id=topic.pk, actor=staff.supervisor)
    sup, dep, handler = login(staff.supervisor), login(staff.deputy), login(staff.handler)
    response = sup.post(reverse("inquiries:new"), {
        "title": "城区学校周边交通安全专题询问", "held_on": today().isoformat(), "topic": topic.pk,
        "departments": [world.department.pk], "deputies": [world.deputy_record.pk]})
    assert response.status_code == 302
    inquiry = Inquiry.objects.get()
    assert inquiry.topic == topic and inquiry.status == Status.PLANNED

    def act(client, action, data):
        return client.post(reverse(f"inquiries:{action}", args=[inquiry.pk]),
                           {f"{action}-{k}": v for k, v in data.items()})

    assert act(dep, "ask", {"department": world.department.pk, "text": "减速带什么时候装？"}).status_code == 302
    question = Question.objects.get()
    assert question.deputy == world.deputy_record
    assert act(sup, "hold", {"summary": "询问会在区人大常委会会议室举行。"}).status_code == 302
    assert act(handler, "answer", {"question": question.pk, "answer": "月底前完成。"}).status_code == 302
    due = (today() + dt.timedelta(days=30)).isoformat()
    assert act(sup, "commit", {"department": world.department.pk, "text": "安装减速带", "due_on": due}).status_code == 302
    assert act(sup, "follow", {}).status_code == 302
    commitment = Commitment.objects.get()
    assert act(handler, "progress", {"commitment": commitment.pk, "note": "已完成安装。", "done": "on"}).status_code == 302
    # Not public until closed.
    assert Client().get(reverse("inquiries_public:detail", args=[inquiry.pk])).status_code == 404
    assert act(sup, "close", {"note": ""}).status_code == 302
    inquiry.refresh_from_db()
    assert inquiry.status == Status.CLOSED and inquiry.closed_at is not None
    public = Client().get(reverse("inquiries_public:detail", args=[inquiry.pk]))
    html = public.content.decode()
    assert public.status_code == 200
    for shown in ("减速带什么时候装？", "月底前完成。", "安装减速带", "已完成安装。", world.department.name,
                  world.deputy_record.name, TOPIC_TITLE):
        assert shown in html
    assert SECRET_PHONE not in html and SECRET_PHONE not in Client().get(reverse("inquiries_public:list")).content.decode()


def test_public_pages_show_no_personal_data_of_residents(world, staff):
    inquiry = walk_to(Status.CLOSED, staff, world)
    topic = services.topic_propose(actor=None, title=TOPIC_TITLE, contact_phone=SECRET_PHONE)
    services.topic_accept(topic_id=topic.pk, actor=staff.supervisor)
    Inquiry.objects.filter(pk=inquiry.pk).update(topic=topic)
    for url in (reverse("inquiries_public:list"), reverse("inquiries_public:detail", args=[inquiry.pk])):
        html = Client().get(url).content.decode()
        assert TOPIC_TITLE in html
        for secret in (SECRET_PHONE, SECRET_PHONE[-4:] + "<", staff.supervisor.username, staff.handler.username,
                       staff.deputy.username):
            assert secret not in html, (url, secret)


def test_a_deputy_not_taking_part_and_other_departments_do_not_see_the_inquiry(world, staff):
    inquiry = walk_to(Status.HELD, staff, world)
    outsider = DeputyFactory(township=world.township, name="王志强")
    other_deputy = UserFactory(username="other_deputy", role=Role.DEPUTY, deputy=outsider, township=world.township)
    url = reverse("inquiries:detail", args=[inquiry.pk])
    assert login(other_deputy).get(url).status_code == 404
    assert login(staff.other_handler).get(url).status_code == 404
    assert Client().get(url).status_code == 404
    for user in (staff.supervisor, staff.deputy, staff.handler):
        assert login(user).get(url).status_code == 200
    assert inquiry.title not in login(other_deputy).get(reverse("inquiries:list")).content.decode()
    assert inquiry.title in login(staff.deputy).get(reverse("inquiries:list")).content.decode()


def test_a_department_answers_only_its_own_questions(world, staff):
    inquiry = plan(staff, world, departments=[world.department, world.other_department])
    question = services.inquiry_ask(inquiry_id=inquiry.pk, actor=staff.deputy, department=world.other_department,
                                    text="供水管网改造进度如何？")
    services.inquiry_hold(inquiry_id=inquiry.pk, actor=staff.supervisor)
    with pytest.raises(InvalidInput):
        services.inquiry_answer(inquiry_id=inquiry.pk, actor=staff.handler, question_id=question.pk, answer="答")
    services.inquiry_answer(inquiry_id=inquiry.pk, actor=staff.other_handler, question_id=question.pk, answer="年底完工")
    assert Question.objects.get(pk=question.pk).answer == "年底完工"


def test_the_supervisor_records_a_question_in_a_deputys_name_only_for_a_deputy_taking_part(world, staff):
    inquiry = plan(staff, world)
    outsider = DeputyFactory(township=world.township, name="王志强")
    with pytest.raises(InvalidInput):
        services.inquiry_ask(inquiry_id=inquiry.pk, actor=staff.supervisor, department=world.department,
                             text="问题", deputy=outsider)
    question = services.inquiry_ask(inquiry_id=inquiry.pk, actor=staff.supervisor, department=world.department,
                                    text="问题", deputy=world.deputy_record)
    assert question.deputy == world.deputy_record


def test_a_handler_may_not_record_the_meeting_403(world, staff):
    inquiry = plan(staff, world)
    ask(staff, world, inquiry)
    with pytest.raises(NotPermitted):
        services.inquiry_hold(inquiry_id=inquiry.pk, actor=staff.handler)
    with pytest.raises(NotFound):
        services.inquiry_hold(inquiry_id=inquiry.pk, actor=staff.other_handler)


def test_the_meeting_cannot_be_held_before_its_date_or_without_questions(world, staff):
    later = plan(staff, world, held_on=today() + dt.timedelta(days=3))
    ask(staff, world, later)
    with pytest.raises(TransitionNotAllowed):
        services.inquiry_hold(inquiry_id=later.pk, actor=staff.supervisor)
    empty = plan(staff, world)
    with pytest.raises(TransitionNotAllowed):
        services.inquiry_hold(inquiry_id=empty.pk, actor=staff.supervisor)


def test_follow_up_starts_only_when_every_question_is_answered(world, staff):
    inquiry = plan(staff, world)
    ask(staff, world, inquiry)
    services.inquiry_hold(inquiry_id=inquiry.pk, actor=staff.supervisor)
    with pytest.raises(TransitionNotAllowed):
        services.inquiry_follow(inquiry_id=inquiry.pk, actor=staff.supervisor)


# ---------------------------------------------------------------- commitments and closing


def test_closing_is_refused_while_a_commitment_is_open_and_the_page_says_why(world, staff):
    inquiry = walk_to(Status.FOLLOWING_UP, staff, world)
    response = login(staff.supervisor).post(reverse("inquiries:close", args=[inquiry.pk]), {"close-note": ""})
    assert response.status_code == 409
    assert escape(zh("Every commitment must be done, or closed with a reason, before the inquiry is closed.")) in \
        response.content.decode()
    assert Inquiry.objects.get(pk=inquiry.pk).status == Status.FOLLOWING_UP


def test_a_commitment_closed_with_a_reason_lets_the_inquiry_close(world, staff):
    inquiry = walk_to(Status.FOLLOWING_UP, staff, world)
    commitment = inquiry.commitments.get()
    with pytest.raises(InvalidInput):
        services.inquiry_drop(inquiry_id=inquiry.pk, actor=staff.supervisor, commitment_id=commitment.pk, reason=" ")
    services.inquiry_drop(inquiry_id=inquiry.pk, actor=staff.supervisor, commitment_id=commitment.pk,
                          reason="该路段已纳入市政改造统一实施")
    services.inquiry_close(inquiry_id=inquiry.pk, actor=staff.supervisor)
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.DROPPED and commitment.outcome == "该路段已纳入市政改造统一实施"
    assert "该路段已纳入市政改造统一实施" in Client().get(
        reverse("inquiries_public:detail", args=[inquiry.pk])).content.decode()


def test_progress_that_is_not_done_keeps_the_commitment_open_with_its_entry(world, staff):
    inquiry = walk_to(Status.FOLLOWING_UP, staff, world)
    commitment = inquiry.commitments.get()
    services.inquiry_progress(inquiry_id=inquiry.pk, actor=staff.handler, commitment_id=commitment.pk,
                              note="已完成招标。")
    commitment.refresh_from_db()
    assert commitment.status == CommitmentStatus.OPEN and [u.note for u in commitment.updates.all()] == ["已完成招标。"]
    with pytest.raises(InvalidInput):  # no such commitment on this inquiry
        services.inquiry_progress(inquiry_id=inquiry.pk, actor=staff.handler, commitment_id=999999, note="进展")


def test_an_overdue_commitment_is_shown_on_the_staff_pages(world, staff):
    inquiry = walk_to(Status.FOLLOWING_UP, staff, world)
    client = login(staff.supervisor)
    detail = reverse("inquiries:detail", args=[inquiry.pk])
    assert zh("overdue") not in client.get(detail).content.decode()
    assert escape(zh("overdue commitments")) not in client.get(reverse("inquiries:list")).content.decode()
    # The due date passes with the commitment still open.
    Commitment.objects.filter(inquiry=inquiry).update(due_on=today() - dt.timedelta(days=1))
    html = client.get(detail).content.decode()
    assert zh("overdue") in html and escape(zh("overdue commitments")) in client.get(
        reverse("inquiries:list")).content.decode()


def test_a_commitment_must_be_due_in_the_future_and_of_a_department_questioned(world, staff):
    inquiry = walk_to(Status.HELD, staff, world)
    with pytest.raises(InvalidInput):
        services.inquiry_commit(inquiry_id=inquiry.pk, actor=staff.supervisor, department=world.department,
                                text="承诺", due_on=today())
    with pytest.raises(InvalidInput):
        services.inquiry_commit(inquiry_id=inquiry.pk, actor=staff.supervisor, department=world.other_department,
                                text="承诺", due_on=today() + dt.timedelta(days=3))
    assert not Commitment.objects.exists()


def test_a_topic_gets_one_inquiry_and_only_once_accepted(world, staff):
    topic = services.topic_propose(actor=None, title=TOPIC_TITLE)
    with pytest.raises(InvalidInput):
        plan(staff, world, topic=topic)
    services.topic_accept(topic_id=topic.pk, actor=staff.supervisor)
    plan(staff, world, topic=topic)
    with pytest.raises(InvalidInput):
        plan(staff, world, topic=topic)


def test_a_hotspot_row_offers_supervisors_to_take_it_up_as_a_topic(world, staff):
    from .test_hotspots import PREVIOUS, receive

    receive(1, category=world.category, township=world.township, grid=world.grid, days_ago=PREVIOUS)
    receive(6, category=world.category, township=world.township, grid=world.grid)
    client = login(staff.supervisor)
    response = client.get(reverse("insight:hotspots"))
    link = next(a["href"] for a in _links(response.content.decode()) if a["href"].startswith(
        reverse("inquiries:topic_new")))
    form = client.get(link).context["form"]
    assert form.initial["source"] == "hotspot" and form.initial["township"] == world.township.pk
    assert world.category.parent.name in form.initial["title"] and "6" in form.initial["source_note"]
    # Those who may not add topics are not offered the link.
    assert reverse("inquiries:topic_new") not in login(staff.dispatcher).get(
        reverse("insight:hotspots")).content.decode()


def _links(html):
    import html as html_lib
    import re

    return [{"href": html_lib.unescape(m)} for m in re.findall(r'href="([^"]+)"', html)]


# ---------------------------------------------------------------- the demo


def test_the_demo_holds_a_year_of_inquiries_through_the_services_and_runs_once(db):
    import io

    from django.core.management import call_command

    from inquiries import demo

    call_command("seed_bazhou", password="pw-demo", stdout=io.StringIO())
    assert demo.seed_demo() == len(demo.INQUIRIES)
    states = sorted(Inquiry.objects.values_list("status", flat=True))
    assert states == sorted([Status.CLOSED, Status.CLOSED, Status.FOLLOWING_UP, Status.HELD, Status.PLANNED])
    # Every inquiry has its history from the plan on, all within the last year or so.
    year_ago = timezone.now() - dt.timedelta(days=400)
    assert not InquiryEvent.objects.filter(created_at__lt=year_ago).exists()
    assert all(i.events.first().action == Action.PLAN for i in Inquiry.objects.all())
    # Public proposals were moderated both ways, one still waits; topics from the figures keep their source.
    assert set(Topic.objects.values_list("status", flat=True)) == set(TopicStatus.values)
    assert Topic.objects.filter(source=Topic.Source.HOTSPOT).exclude(source_note="").exists()
    following = Inquiry.objects.get(status=Status.FOLLOWING_UP)
    assert any(c.overdue for c in following.commitments.all())
    closed = Inquiry.objects.filter(status=Status.CLOSED)
    assert not Commitment.objects.filter(inquiry__in=closed, status=CommitmentStatus.OPEN).exists()
    public = Client().get(reverse("inquiries_public:list")).content.decode()
    assert all(i.title in public for i in closed)
    assert demo.seed_demo() == 0 and Inquiry.objects.count() == len(demo.INQUIRIES)


@pytest.mark.parametrize("query", ["?topic=99999999999999999999999", "?topic=-1", "?topic=1.5"])
def test_odd_query_values_on_the_planning_page_are_ignored(world, staff, query):
    assert login(staff.supervisor).get(reverse("inquiries:new") + query).status_code == 200


@pytest.mark.parametrize("query", ["?township=99999999999999999999999&source=x", "?township=a&note=" + "长" * 5000])
def test_odd_query_values_on_the_topic_page_are_ignored(world, staff, query):
    assert login(staff.supervisor).get(reverse("inquiries:topic_new") + query).status_code == 200


def test_a_nul_in_the_address_is_refused_before_the_page(world, staff):
    assert login(staff.supervisor).get(reverse("inquiries:topic_new") + "?note=%00").status_code == 400


def test_a_supervisor_using_the_public_form_proposes_like_anyone_and_waits_for_moderation(world, staff):
    assert propose_page({"title": TOPIC_TITLE}, client=login(staff.supervisor)).status_code == 302
    topic = Topic.objects.get()
    assert (topic.status, topic.source, topic.created_by) == (TopicStatus.PROPOSED, Topic.Source.PUBLIC, None)
