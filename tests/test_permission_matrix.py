"""Every URL pattern × every actor: exactly who is let in, and that nobody else changes anything.

The matrix itself is tests/permission_matrix.py. The world is built once for the module, inside a transaction
that is rolled back at the end; each request runs in its own savepoint, rolled back after it, so every actor
meets the same world.
"""

import datetime as dt
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils import timezone

from accounts.models import Role
from demands import services
from demands.models import CoHandling, Demand, DemandAttachment, DemandEvent, Outcome, SupervisionOrder, Urgency
from demands.seed import seed_sla_policy
from demands.states import Status
from inquiries import services as inquiry_services
from inquiries.models import Commitment, CommitmentUpdate, Inquiry, InquiryEvent, Question, Topic, TopicEvent
from deputies import services as deputy_services
from deputies.models import (AnnualReport, ConstituentContact, DeputyGroup, DutyRecord, GroupActivity, Reception,
                             ReportRating, ScoreRule, Station, Term)
from evaluations import services as evaluation_services
from evaluations.models import DeputyRating, Rectification, RectificationEvent, ResidentRating
from evaluations.models import Round as EvaluationRound
from evaluations.models import RoundEvent as EvaluationEvent
from deputies.models import DutyRecord, Reception, Station, Term
from integrations.models import ApiToken, Integration
from livelihood import services as ballot_services
from livelihood.models import (
    Candidate, Evaluation, Project, ProjectProgress, ProjectReport, Proposal, Round, VoterRecord,
)
from notifications.models import Notification
from revisits import services as revisit_services
from revisits.models import RevisitEvent, RevisitTask
from suggestions import services as suggestion_services
from suggestions.models import Suggestion, SuggestionEvent

from . import permission_matrix as m
from .conftest import photo
from .factories import (
    CategoryFactory, CommunityFactory, DepartmentFactory, DeputyFactory, GridFactory, TownshipFactory, UserFactory,
)

RAW_PHONE, MASKED_PHONE, RAW_NAME = "13812345678", "138****5678", "王秀英"
LOGIN_PATHS = ("/accounts/login/", "/admin/login/")


# ---------------------------------------------------------------- the URL patterns


def _patterns(resolver, prefix=""):
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from _patterns(pattern, route)
        elif isinstance(pattern, URLPattern):
            action = pattern.default_args.get("action") if route.startswith("api/") else None
            # An API action's own route (core.workflow_api.action_routes) is one row with the others of its table.
            yield route.removesuffix(f"{action}/") + "<action:action>/" if action else route


def _canonical(route: str) -> str:
    # The admin is one row: its index and its login stand for every model page it serves.
    return "admin/" if route.startswith("admin/") else route


def test_every_url_pattern_has_a_row_and_every_row_a_pattern():
    routes = {_canonical(r) for r in _patterns(get_resolver())}
    rows = {r.route for r in m.ROWS}
    assert len(rows) == len(m.ROWS), "a route has two rows"
    missing = sorted(routes - rows)
    stale = sorted(r.route for r in m.ROWS if r.route not in routes and not r.optional)
    assert not missing, "URL patterns without a row in tests/permission_matrix.py:\n" + "\n".join(missing)
    assert not stale, "rows whose URL pattern no longer exists:\n" + "\n".join(stale)


# ---------------------------------------------------------------- the world


def _user(username, role, **scope):
    return UserFactory(username=username, role=role, **scope)


def _receive(w, **kwargs):
    fields = {"type": "help", "content": "莲花社区菜市场门口垃圾堆了三天没人清运，气味很大。", "township": w.t_a, **kwargs}
    return services.demand_receive(actor=None, **fields)


def _classify(w, demand, grid):
    services.demand_classify(demand_id=demand.pk, actor=w.users[m.DSP], type="help", category=w.category,
                             urgency=Urgency.NORMAL, grid=grid)


def _build(w):
    seed_sla_policy()
    top = CategoryFactory(code="sanitation", name="市容环卫")
    w.category = CategoryFactory(code="sanitation.garbage", name="垃圾清运", parent=top)
    w.t_a, w.t_b = TownshipFactory(name="东城街道"), TownshipFactory(name="曾口镇")
    community = CommunityFactory(township=w.t_a, name="莲花社区")
    w.grid_a1 = GridFactory(community=community, name="莲花社区第1网格")
    w.grid_a2 = GridFactory(community=community, name="莲花社区第2网格")
    w.grid_b1 = GridFactory(community=CommunityFactory(township=w.t_b, name="白鹤村"), name="白鹤村第1网格")
    w.d1 = DepartmentFactory(name="巴州区综合行政执法局", short_name="区综合执法局")
    w.d1.categories.add(w.category, top)
    w.d2 = DepartmentFactory(name="巴州区水务局", short_name="区水务局")
    w.dep = DeputyFactory(township=w.t_a, name="张建国")
    w.odep = DeputyFactory(township=w.t_a, name="李秀兰")
    w.odep.grids.add(w.grid_a1)
    w.station = Station.objects.create(code="STA001", name="东城街道代表之家", kind=Station.Kind.HOME,
                                       township=w.t_a, community=community, address="东城街道莲花路1号",
                                       convener=w.odep)
    w.station.members.add(w.odep)
    today = timezone.localdate()
    Term.objects.create(name="本届", starts_on=today.replace(year=today.year - 2), ends_on=today.replace(
        year=today.year + 2))

    w.users = {
        m.RES: _user("resident", Role.RESIDENT),
        m.GW: _user("gridworker", Role.GRID_WORKER, grid=w.grid_a1, township=w.t_a),
        m.GW2: _user("other_gridworker", Role.GRID_WORKER, grid=w.grid_a2, township=w.t_a),
        m.H: _user("handler", Role.HANDLER, department=w.d1),
        m.H2: _user("other_handler", Role.HANDLER, department=w.d2),
        m.DSP: _user("township_dispatcher", Role.DISPATCHER, township=w.t_a),
        m.DSP2: _user("other_township_dispatcher", Role.DISPATCHER, township=w.t_b),
        m.SUP: _user("supervisor", Role.SUPERVISOR),
        m.DEP: _user("deputy", Role.DEPUTY, deputy=w.dep, township=w.t_a),
        m.ODEP: _user("owner_deputy", Role.DEPUTY, deputy=w.odep, township=w.t_a),
    }
    w.tokens = {}
    for actor, township in ((m.INT, w.t_a), (m.INT2, w.t_b)):
        user = _user(actor, Role.INTEGRATION)
        integration = Integration.objects.create(name=f"12345 {actor}", user=user)
        integration.townships.set([township])
        w.users[actor] = user
        w.tokens[actor] = ApiToken.issue(user=user, name="hotline")[1]
    u = w.users

    # The demand: township A, grid A1, held (accepted) by D1, with a photo and an open supervision order.
    w.demand = _receive(w, contact_name=RAW_NAME, contact_phone=RAW_PHONE, photos=[photo()])
    _classify(w, w.demand, w.grid_a1)
    services.demand_dispatch(demand_id=w.demand.pk, actor=u[m.DSP], unit=w.d1)
    services.demand_accept(demand_id=w.demand.pk, actor=u[m.H])
    w.order = services.demand_urge(demand_id=w.demand.pk, actor=u[m.SUP], note="请尽快办结。",
                                   due_date=today + dt.timedelta(days=3))
    w.photo = DemandAttachment.objects.get(demand=w.demand)
    # Waiting for grid A1 to accept; waiting for classification; waiting for the resident's rating.
    w.dispatched = _receive(w, contact_phone="13900001111")
    _classify(w, w.dispatched, w.grid_a1)
    services.demand_dispatch(demand_id=w.dispatched.pk, actor=u[m.DSP], unit=w.grid_a1)
    w.received = _receive(w)
    w.verified = _receive(w, contact_name=RAW_NAME, contact_phone=RAW_PHONE)
    _classify(w, w.verified, w.grid_a1)
    services.demand_dispatch(demand_id=w.verified.pk, actor=u[m.DSP], unit=w.d1)
    services.demand_accept(demand_id=w.verified.pk, actor=u[m.H])
    services.demand_resolve(demand_id=w.verified.pk, actor=u[m.H], outcome=Outcome.SOLVED, reply="已清运。")
    services.demand_verify(demand_id=w.verified.pk, actor=u[m.SUP])
    # Its call-back, as the receiver makes it once the reply is committed.
    w.revisit = revisit_services.revisit_tasks_for_event(
        event_id=DemandEvent.objects.get(demand=w.verified, action="resolve").pk)
    # Finished: turned down (a resident may add nothing more to it).
    w.closed = _receive(w)
    services.demand_reject(demand_id=w.closed.pk, actor=u[m.DSP], reason="不属于受理范围")
    # Addressed to the owner deputy by their QR code.
    w.deputy_demand = _receive(w, content="村口路灯坏了一个月，晚上看不见路。", deputy=w.odep, channel="qr",
                               contact_phone="13900002222")
    # Held by D1, which D2 is asked to co-handle (协办): D2's handlers see it, masked, and give their opinion.
    w.cohandled = _receive(w, contact_name=RAW_NAME, contact_phone=RAW_PHONE)
    _classify(w, w.cohandled, w.grid_a1)
    services.demand_dispatch(demand_id=w.cohandled.pk, actor=u[m.DSP], unit=w.d1)
    services.demand_accept(demand_id=w.cohandled.pk, actor=u[m.H])
    services.demand_add_cohandler(demand_id=w.cohandled.pk, actor=u[m.DSP], department=w.d2)
    for name in ("demand", "dispatched", "received", "verified", "deputy_demand"):
        getattr(w, name).refresh_from_db()
    assert (w.demand.status, w.dispatched.status, w.received.status, w.verified.status) == (
        Status.ACCEPTED, Status.DISPATCHED, Status.RECEIVED, Status.VERIFIED)
    assert w.deputy_demand.status == Status.DISPATCHED and w.deputy_demand.unit_deputy_id == w.odep.pk

    w.notification = Notification.objects.create(recipient=u[m.H], demand=w.demand,
                                                  kind=Notification.Kind.DISPATCHED, title="新工单")
    w.reception = Reception.objects.create(station=w.station, held_on=today, topics="路灯、垃圾清运",
                                           visitor_count=2, recorded_by=u[m.ODEP])
    w.reception.deputies.add(w.odep)
    # Yearly reports (代表述职) of the owner deputy: last year's published, the year before's a draft.
    body = "一年来参加视察调研五次，在代表之家接待选民十二次，提出建议两件均已答复。明年继续关注老旧小区电梯加装和农贸市场管理工作。"
    w.report_published = deputy_services.report_write(actor=u[m.ODEP], year=today.year - 1, body=body)
    deputy_services.report_publish(report_id=w.report_published.pk, actor=u[m.ODEP])
    w.report_draft = deputy_services.report_write(actor=u[m.ODEP], year=today.year - 2, body=body)
    # A township deputies' group led by the owner deputy (the other deputy is not a member).
    w.group = DeputyGroup.objects.create(name="东城街道代表小组", kind=DeputyGroup.Kind.TOWNSHIP, township=w.t_a,
                                         leader=w.odep)
    w.group.members.add(w.odep)

    # Suggestions led by the owner deputy: a draft citing their demand, one assigned to D1, one replied (class B).
    def draft(title):
        return suggestion_services.suggestion_draft(actor=u[m.ODEP], title=title, content="案由：村里多处问题反映集中。建议：尽快统筹解决。",
                                                    category=w.category, demand_ids=[w.deputy_demand.pk])

    w.s_draft = draft("关于村道路灯维护的建议")
    w.s_in_review = draft("关于村级卫生室建设的建议")
    suggestion_services.suggestion_submit(suggestion_id=w.s_in_review.pk, actor=u[m.ODEP])
    w.s_assigned, w.s_replied = draft("关于垃圾清运的建议"), draft("关于农贸市场管理的建议")
    for s in (w.s_assigned, w.s_replied):
        suggestion_services.suggestion_submit(suggestion_id=s.pk, actor=u[m.ODEP])
        suggestion_services.suggestion_pass_review(suggestion_id=s.pk, actor=u[m.SUP])
        suggestion_services.suggestion_assign(suggestion_id=s.pk, actor=u[m.SUP], lead_department=w.d1)
    suggestion_services.suggestion_reply(suggestion_id=w.s_replied.pk, actor=u[m.H], reply_class="B",
                                         text="已列入明年计划。")

    # Ballot: this year's round collects proposals; last year's is published, its project under evaluation.
    now = timezone.now()
    day = dt.timedelta(days=1)
    w.round = Round.objects.create(year=2090, title="2090年民生实事项目票决", seats=1, proposals_open_at=now - day,
                                   proposals_close_at=now + day, voting_opens_at=now + 2 * day,
                                   voting_closes_at=now + 3 * day, evaluation_opens_at=now + 300 * day,
                                   evaluation_closes_at=now + 330 * day)
    w.proposal = ballot_services.proposal_submit(round_id=w.round.pk, actor=None, title="修缮村活动室",
                                                 content="活动室漏雨。", township=w.t_a)
    w.candidate = Candidate.objects.create(round=w.round, number=1, title="农村道路硬化", description="硬化村道。",
                                           budget=Decimal("300"), department=w.d1)
    w.past_round = Round.objects.create(
        year=2089, title="2089年民生实事项目票决", seats=1, proposals_open_at=now - 400 * day,
        proposals_close_at=now - 390 * day, voting_opens_at=now - 380 * day, voting_closes_at=now - 370 * day,
        evaluation_opens_at=now - day, evaluation_closes_at=now + 30 * day, screened_at=now - 385 * day,
        published_at=now - 360 * day, ballots_cast=1)
    won = Candidate.objects.create(round=w.past_round, number=1, title="城区老旧小区改造", description="改造。",
                                   budget=Decimal("1200"), department=w.d1, votes=1)
    w.project = Project.objects.create(round=w.past_round, candidate=won, rank=1, title=won.title,
                                       description=won.description, budget=won.budget, department=w.d1)
    _build_inquiries(w)


def _build_inquiries(w):
    """Special inquiries of township A questioning D1, with the owner deputy taking part: one planned with a question,
    one held with a question unanswered, one followed up with an open commitment, one closed; a topic awaiting
    moderation (its proposer's phone is for supervisors only)."""
    u = w.users
    w.topic = inquiry_services.topic_propose(actor=None, title="学校周边停车难", township=w.t_a,
                                             contact_phone="13700001111")

    def planned(title):
        inquiry = inquiry_services.inquiry_plan(actor=u[m.SUP], title=title, held_on=timezone.localdate(),
                                                township=w.t_a, departments=[w.d1], deputies=[w.odep])
        question = inquiry_services.inquiry_ask(inquiry_id=inquiry.pk, actor=u[m.ODEP], department=w.d1,
                                                text="垃圾清运什么时候能做到日产日清？")
        return inquiry, question

    def held(title):
        inquiry, question = planned(title)
        inquiry_services.inquiry_hold(inquiry_id=inquiry.pk, actor=u[m.SUP])
        return inquiry, question

    def following(title):
        inquiry, question = held(title)
        inquiry_services.inquiry_answer(inquiry_id=inquiry.pk, actor=u[m.H], question_id=question.pk,
                                        answer="下月起实行日产日清。")
        commitment = inquiry_services.inquiry_commit(inquiry_id=inquiry.pk, actor=u[m.SUP], department=w.d1,
                                                     text="实行日产日清", due_on=timezone.localdate() + dt.timedelta(days=30))
        inquiry_services.inquiry_follow(inquiry_id=inquiry.pk, actor=u[m.SUP])
        return inquiry, commitment

    w.i_planned, _question = planned("垃圾清运专题询问（筹备）")
    w.i_held, w.question = held("垃圾清运专题询问（已召开）")
    w.i_following, w.commitment = following("垃圾清运专题询问（跟踪）")
    w.i_closed, closed_commitment = following("垃圾清运专题询问（已办结）")
    inquiry_services.inquiry_progress(inquiry_id=w.i_closed.pk, actor=u[m.H], commitment_id=closed_commitment.pk,
                                      note="已实行。", done=True)
    inquiry_services.inquiry_close(inquiry_id=w.i_closed.pk, actor=u[m.SUP])


def _build_evaluations(w):
    """Satisfaction evaluation: 2087 and 2088 published with D1 below the threshold (its rectification planned,
    and open), 2090 open for rating."""
    sup, dep = w.users[m.SUP], w.users[m.DEP]
    for year in (2087, 2088):
        past = evaluation_services.round_create(actor=sup, year=year, units=[w.d1])
        evaluation_services.round_open(round_id=past.pk, actor=sup)
        evaluation_services.rate_as_deputy(round_id=past.pk, actor=dep, sheet_id=past.sheets.get().pk,
                                           rating="dissatisfied")
        evaluation_services.round_count(round_id=past.pk, actor=sup)
        evaluation_services.round_publish(round_id=past.pk, actor=sup)
    w.rectification = Rectification.objects.get(sheet__round=past)
    # 2087's: the unit has planned, the interview is due.
    w.planned = evaluation_services.rectification_plan(
        rectification_id=Rectification.objects.get(sheet__round__year=2087).pk, actor=w.users[m.H],
        plan="一个月内完成窗口服务整改。")
    w.ev_open = evaluation_services.round_create(actor=sup, year=2090, units=[w.d1, w.d2])
    evaluation_services.round_open(round_id=w.ev_open.pk, actor=sup)
    w.ev_sheet = w.ev_open.sheets.get(department=w.d1)


def _sessions(w):
    keys = {}
    for actor, user in w.users.items():
        if actor in m.INTEGRATIONS:
            continue
        client = Client()
        client.force_login(user)
        keys[actor] = client.cookies[settings.SESSION_COOKIE_NAME].value
    return keys


@pytest.fixture(scope="module")
def w(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        with transaction.atomic():
            world = SimpleNamespace()
            _build(world)
            _build_evaluations(world)
            world.sessions = _sessions(world)
            yield world
            transaction.set_rollback(True)


# ---------------------------------------------------------------- asking and judging


def fingerprint(w):
    """Everything a refused request could have changed."""
    return (
        tuple(Demand.objects.order_by("pk").values_list("pk", "status", "unit_department_id", "unit_grid_id",
                                                         "unit_deputy_id", "updated_at")),
        DemandEvent.objects.count(), DemandAttachment.objects.count(),
        tuple(SupervisionOrder.objects.order_by("pk").values_list("pk", "answered_at")),
        tuple(Suggestion.objects.order_by("pk").values_list("pk", "status", "title")),
        SuggestionEvent.objects.count(), Suggestion.demands.through.objects.count(),
        tuple(Round.objects.order_by("pk").values_list("pk", "screened_at", "published_at", "ballots_cast")),
        tuple(Proposal.objects.order_by("pk").values_list("pk", "status")),
        Candidate.objects.count(), Project.objects.count(), VoterRecord.objects.count(),
        ProjectProgress.objects.count(), ProjectReport.objects.count(), Evaluation.objects.count(),
        DutyRecord.objects.count(), Reception.objects.count(),
        tuple(AnnualReport.objects.order_by("pk").values_list("pk", "status", "body")), ReportRating.objects.count(),
        tuple(ScoreRule.objects.order_by("pk").values_list("pk", "points", "yearly_cap")),
        GroupActivity.objects.count(), tuple(ConstituentContact.objects.order_by("pk").values_list("pk", "households")),
        tuple(CoHandling.objects.order_by("pk").values_list("pk", "state", "opinion")),
        Notification.objects.filter(read_at__isnull=True).count(),
        tuple(RevisitTask.objects.order_by("pk").values_list("pk", "status", "attempts")), RevisitEvent.objects.count(),
        tuple(Topic.objects.order_by("pk").values_list("pk", "status")), TopicEvent.objects.count(),
        tuple(Inquiry.objects.order_by("pk").values_list("pk", "status", "updated_at")), InquiryEvent.objects.count(),
        tuple(Question.objects.order_by("pk").values_list("pk", "answer")),
        tuple(Commitment.objects.order_by("pk").values_list("pk", "status")), CommitmentUpdate.objects.count(),
        tuple(EvaluationRound.objects.order_by("pk").values_list("pk", "status")), EvaluationEvent.objects.count(),
        DeputyRating.objects.count(), ResidentRating.objects.count(),
        tuple(Rectification.objects.order_by("pk").values_list("pk", "status")), RectificationEvent.objects.count(),
    )


def _body(response) -> str:
    raw = b"".join(response.streaming_content) if response.streaming else response.content
    return raw.decode("utf-8", errors="replace")


def _outcome(response):
    status = response.status_code
    if status in (301, 302, 303, 307, 308) and response["Location"].startswith(LOGIN_PATHS):
        return m.LOGIN
    if status in (401, 403, 404, 405, 429) or status >= 500:
        return status
    return "ok"  # 2xx, 3xx elsewhere, 400 and 409: let in (the input or the state may be wrong)


def ask(w, case, actor):
    """(outcome, body, whether the world changed) of `actor` making `case`'s request; always rolled back."""
    client = Client()
    if actor in w.sessions:
        client.cookies[settings.SESSION_COOKIE_NAME] = w.sessions[actor]
    headers = {}
    url, data = case.url(w), case.data(w) if callable(case.data) else None
    if actor in w.tokens:
        if case.open311:
            if case.method == "GET":
                url += ("&" if "?" in url else "?") + f"api_key={w.tokens[actor]}"
            else:
                data = {**(data or {}), "api_key": w.tokens[actor]}
        else:
            headers["HTTP_AUTHORIZATION"] = f"Token {w.tokens[actor]}"
    if case.data == "photos":
        data = {"photos": [photo()]}
    cache.clear()  # rate limits and throttles count per test run, not across the matrix
    with transaction.atomic():
        before = fingerprint(w) if case.method == "POST" else None
        if case.method == "GET":
            response = client.get(url, **headers)
        elif case.as_json:
            response = client.post(url, data or {}, content_type="application/json", **headers)
        else:
            response = client.post(url, data or {}, **headers)
        body = _body(response)
        changed = case.method == "POST" and fingerprint(w) != before
        transaction.set_rollback(True)
    return _outcome(response), response.status_code, body, changed


def _cases():
    for r in m.ROWS:
        for i, case in enumerate(r.cases):
            yield pytest.param(r, case, id=f"{r.route or '/'} {case.method} {case.label or i}".strip())


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "case"), list(_cases()))
def test_exactly_the_allowed_actors_get_in(w, row, case):
    if row.optional and row.route not in {_canonical(r) for r in _patterns(get_resolver())}:
        pytest.skip("not mounted with these settings")
    wrong = []
    for actor in m.ACTORS:
        outcome, status, body, changed = ask(w, case, actor)
        where = f"{case.method} {case.url(w)} × {actor}: "
        if actor in case.allow:
            if outcome != "ok":
                wrong.append(f"{where}allowed, but got {status}")
        else:
            expected = case.deny(actor)
            if expected == m.NOOP:
                if outcome != "ok":
                    wrong.append(f"{where}expected a page that changes nothing, got {status}")
            elif outcome != expected:
                wrong.append(f"{where}expected {expected}, got {status}")
            if changed:
                wrong.append(f"{where}refused, yet the world changed")
        for text, shown_to in case.reveals if outcome == "ok" else ():
            if (text(w) in body) != (actor in shown_to):
                wrong.append(f"{where}{'lists' if text(w) in body else 'does not list'} {text(w)}")
        if actor not in m.PERSONAL and (RAW_PHONE in body or RAW_NAME in body):
            wrong.append(f"{where}shows the resident's name or phone unmasked")
    assert not wrong, "\n".join(wrong)


SHOWS_CONTACT = [
    pytest.param(lambda w: f"/staff/demands/{w.demand.pk}/", m.SEES_DEMAND, id="staff page"),
    pytest.param(lambda w: f"/api/v1/demands/{w.demand.pk}/", m.SEES_DEMAND | {m.INT}, id="api"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("url", "viewers"), SHOWS_CONTACT)
def test_those_who_see_the_demand_but_do_not_handle_it_get_the_phone_masked(w, url, viewers):
    case = m.get(url, viewers)
    for actor in sorted(viewers):
        outcome, status, body, _changed = ask(w, case, actor)
        assert outcome == "ok", (actor, status)
        if actor in m.PERSONAL:
            assert RAW_PHONE in body, actor  # the handling unit and the township centre call the resident back
        else:
            assert MASKED_PHONE in body and RAW_PHONE not in body, actor
