"""Demo suggestions over last year and this year, written through the services (events and duty records exist).

Call: `from suggestions.demo import seed_demo; seed_demo()` after places, categories, departments, deputies,
users (and optionally demo demands) are seeded. Deterministic; does nothing when suggestions already exist.
"""

import datetime as dt
import random
from itertools import zip_longest

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from core.models import Department
from demands.models import Category, Demand, Rating
from deputies.models import Deputy
from grids.models import Township

from . import services
from .demo_content import EVALUATION_COMMENTS, EVIDENCE_WORDS, FOLLOW_UP_NOTES, TOPICS, WITHDRAW_REASONS
from .models import Kind, ReplyClass, Suggestion
from .states import Status

S = Status
# Final states: last year's suggestions are mostly finished, this year's spread over the whole lifecycle.
LAST_YEAR = [S.CLOSED] * 19 + [S.EVALUATED] * 5 + [S.REPLIED] * 3 + [S.WITHDRAWN] * 2 + [S.ASSIGNED]
THIS_YEAR = ([S.DRAFT] * 3 + [S.IN_REVIEW] + [S.SUBMITTED] * 5 + [S.ASSIGNED] * 8 + [S.REPLIED] * 5 + [S.EVALUATED] * 4
             + [S.CLOSED] * 3 + [S.WITHDRAWN])
ORDER = [S.DRAFT, S.SUBMITTED, S.ASSIGNED, S.REPLIED, S.EVALUATED, S.CLOSED]
# Days each step may take after the previous one: (min, max).
STEP_DAYS = {S.SUBMITTED: (1, 5), S.ASSIGNED: (5, 15), S.REPLIED: (30, 85), S.EVALUATED: (5, 20), S.CLOSED: (3, 15)}
LEAD_RATINGS = {
    ReplyClass.A: [(Rating.SATISFIED, 8), (Rating.BASICALLY_SATISFIED, 2)],
    ReplyClass.B: [(Rating.SATISFIED, 3), (Rating.BASICALLY_SATISFIED, 6), (Rating.DISSATISFIED, 1)],
    ReplyClass.C: [(Rating.SATISFIED, 2), (Rating.BASICALLY_SATISFIED, 4), (Rating.DISSATISFIED, 4)],
}
REPLY_CLASSES = [(ReplyClass.A, 50), (ReplyClass.B, 35), (ReplyClass.C, 15)]


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class _Context:
    def __init__(self):
        self.townships = list(Township.objects.order_by("sort"))
        users = User.objects.filter(is_active=True)
        self.deputy_user = {u.deputy_id: u for u in users.filter(role=Role.DEPUTY, deputy__isnull=False)}
        self.deputies = {}
        for deputy in Deputy.objects.filter(is_active=True).order_by("code"):
            self.deputies.setdefault(deputy.township_id, []).append(deputy)
        self.handler = {}
        for user in users.filter(role=Role.HANDLER, department__isnull=False).order_by("username"):
            # Prefer the per-department demo login (handler_<code>) over the named `handler`.
            if user.department_id not in self.handler or user.username.startswith("handler_"):
                self.handler[user.department_id] = user
        self.departments = {d.code: d for d in Department.objects.filter(is_active=True)}
        self.categories = {c.code: c for c in Category.objects.filter(is_active=True)}
        self.supervisor = (users.filter(username="supervisor", role=Role.SUPERVISOR).first()
                           or users.filter(role=Role.SUPERVISOR, township__isnull=True).order_by("pk").first())
        self.drafts = 0  # drafts written so far: every other one is shown back from pre-review

    def ready(self) -> bool:
        return bool(self.townships and self.deputy_user and self.supervisor and self.departments)


def _dates(rng, year: int, final: str, now: dt.datetime) -> dict:
    """When each step happened, all inside `year` for the submission and never later than now."""
    steps = ORDER[: ORDER.index(final) + 1] if final in ORDER else [S.DRAFT, S.SUBMITTED]
    span = sum(STEP_DAYS[s][1] for s in steps[1:]) + 2
    tz = timezone.get_current_timezone()
    first = dt.datetime(year, 1, 6, 9, tzinfo=tz)
    last = min(dt.datetime(year, 10, 31, 17, tzinfo=tz), now - dt.timedelta(days=span))
    last = max(last, first)
    at = first + dt.timedelta(seconds=rng.randrange(int((last - first).total_seconds()) + 1))
    at = at.replace(hour=rng.randrange(8, 18), minute=rng.randrange(60))
    dates = {S.DRAFT: at}
    for step in steps[1:]:
        low, high = STEP_DAYS[step]
        at = at + dt.timedelta(days=rng.randint(low, high), hours=rng.randint(0, 5))
        dates[step] = min(at, now - dt.timedelta(hours=1))
    return dates


def _about(topic, category_code: str, content: str) -> bool:
    """Whether a demand (its sub-category and words) is about what the suggestion is about."""
    return category_code == topic[2] and any(word in content for word in EVIDENCE_WORDS[topic[1]])


def _pairs(ctx, rng):
    """(topic, township) pairs, each topic in townships of the fitting kind: first where residents raised it most,
    and no topic twice before every topic once, so the 60 suggestions spread over all topics."""
    raised = {}
    codes = {t[2] for t in TOPICS}
    rows = (Demand.objects.filter(category__code__in=codes).exclude(status__in=["rejected", "merged"])
            .values_list("township_id", "category__code", "content"))
    for township_id, code, content in rows.iterator(chunk_size=2000):
        for topic in TOPICS:
            if _about(topic, code, content):
                raised[topic[1], township_id] = raised.get((topic[1], township_id), 0) + 1
    ranked = []
    topics = list(TOPICS)
    rng.shuffle(topics)
    for topic in topics:
        kind = topic[0]
        townships = [t for t in ctx.townships if (kind == "any" or t.kind == kind)
                     and any(d.pk in ctx.deputy_user for d in ctx.deputies.get(t.pk, []))]
        rng.shuffle(townships)
        townships.sort(key=lambda t: -raised.get((topic[1], t.pk), 0))
        ranked.append([(topic, t) for t in townships])
    return [pair for round_ in zip_longest(*ranked) for pair in round_ if pair is not None]


def _evidence(rng, township, category, topic, before) -> list[int]:
    """Up to three demands of the township, received before the draft, about the suggestion's own topic."""
    if category is None:
        return []
    rows = (Demand.objects.filter(township=township, category=category, created_at__lt=before)
            .exclude(status__in=["rejected", "merged"]).order_by("-created_at").values_list("pk", "content")[:200])
    ids = [pk for pk, content in rows if _about(topic, category.code, content)][:30]
    return rng.sample(ids, min(len(ids), rng.randint(1, 3))) if ids else []


@transaction.atomic
def seed_demo(*, count: int = 60, seed: int = 2026) -> int:
    """Add `count` demo suggestions over last year and this year; returns how many were written (0 if any exist)."""
    if Suggestion.objects.exists():
        return 0
    ctx = _Context()
    if not ctx.ready():
        return 0
    rng = random.Random(seed)
    now = timezone.now()
    this_year = timezone.localdate().year
    half = count // 2
    finals = [(this_year - 1, f) for f in (LAST_YEAR * 2)[:half]] + [(this_year, f) for f in
                                                                      (THIS_YEAR * 2)[: count - half]]
    rng.shuffle(finals)
    # Number suggestions in date order within each year, as the congress office would have.
    plans = []
    for (year, final), (topic, township) in zip(finals, _pairs(ctx, rng)):
        plans.append((year, final, topic, township, _dates(rng, year, final, now)))
    plans.sort(key=lambda p: p[4][S.SUBMITTED] if S.SUBMITTED in p[4] else p[4][S.DRAFT])
    written = 0
    for year, final, topic, township, dates in plans:
        _one(ctx, rng, year, final, topic, township, dates, now)
        written += 1
    return written


def _one(ctx, rng, year, final, topic, township, dates, now):
    _kind, title, category_code, lead_code, co_codes, grounds, proposal, *replies = topic
    local = [d for d in ctx.deputies[township.pk] if d.pk in ctx.deputy_user]
    lead = local[0] if len(local) == 1 or rng.random() < 0.6 else local[1]
    lead_user = ctx.deputy_user[lead.pk]
    others = [d for ds in ctx.deputies.values() for d in ds if d.pk != lead.pk]
    joint = [d for d in ctx.deputies[township.pk] if d.pk != lead.pk][: rng.randint(0, 1)]
    joint += [d for d in rng.sample(others, rng.randint(0, 2)) if d not in joint]
    category = ctx.categories.get(category_code)
    lead_department = ctx.departments.get(lead_code)
    co = [ctx.departments[c] for c in co_codes if c in ctx.departments][: rng.randint(0, len(co_codes))]
    t = township.name
    content = f"案由：{grounds.format(t=t)}\n建议：{proposal.format(t=t)}"

    # A few matters go to the congress as bills (议案), numbered on their own; they are jointly proposed.
    kind = Kind.BILL if joint and rng.random() < 0.1 else Kind.SUGGESTION
    title = title.format(t=t)
    if kind == Kind.BILL and title.endswith("的建议"):
        title = title[: -len("建议")] + "议案"
    with services.history_clock(dates[S.DRAFT]):
        s = services.suggestion_draft(actor=lead_user, title=title, content=content, category=category, kind=kind,
                                      joint_deputies=joint,
                                      demand_ids=_evidence(rng, township, category, topic, dates[S.DRAFT]))
    if final == S.DRAFT:
        ctx.drafts += 1
        if ctx.drafts % 2 == 1:  # every other draft is back from pre-review, waiting for its proposers to revise
            submit_at = min(dates[S.DRAFT] + dt.timedelta(days=1), now - dt.timedelta(hours=3))
            with services.history_clock(submit_at):
                services.suggestion_submit(suggestion_id=s.pk, actor=lead_user)
            with services.history_clock(min(submit_at + dt.timedelta(days=2), now - dt.timedelta(hours=2))):
                services.suggestion_return_draft(suggestion_id=s.pk, actor=ctx.supervisor,
                                                 reasons=rng.choice(RETURN_REASONS))
        return
    if final == S.IN_REVIEW:
        with services.history_clock(dates[S.SUBMITTED]):
            services.suggestion_submit(suggestion_id=s.pk, actor=lead_user)
        return
    if final == S.WITHDRAWN:
        withdraw_at = dates[S.DRAFT] + dt.timedelta(days=rng.randint(1, 4))
        if rng.random() < 0.5:
            with services.history_clock(dates[S.SUBMITTED]):
                services.suggestion_submit(suggestion_id=s.pk, actor=lead_user)
            withdraw_at = dates[S.SUBMITTED] + dt.timedelta(days=rng.randint(1, 4))
        with services.history_clock(min(withdraw_at, now - dt.timedelta(hours=1))):
            services.suggestion_withdraw(suggestion_id=s.pk, actor=lead_user, reason=rng.choice(WITHDRAW_REASONS))
        return
    _pre_review(ctx, rng, s, lead_user, dates)
    if final == S.SUBMITTED or lead_department is None:
        return
    key = rng.random() < 0.25
    leader, role = rng.choice(LEADERS) if key else ("", "")
    with services.history_clock(dates[S.ASSIGNED]):
        services.suggestion_assign(suggestion_id=s.pk, actor=ctx.supervisor, lead_department=lead_department,
                                   co_departments=co, is_key=key, leader=leader, leader_role=role)
    # Key suggestions always have the three contacts; a third of the others have some of them.
    talks = key or rng.random() < 0.35
    co_handlers = [ctx.handler[d.pk] for d in co if d.pk in ctx.handler]
    if co_handlers and rng.random() < 0.6:
        opinion_at = dates[S.ASSIGNED] + dt.timedelta(days=rng.randint(5, 20))
        if S.REPLIED in dates:
            opinion_at = min(opinion_at, dates[S.REPLIED] - dt.timedelta(hours=2))
        with services.history_clock(min(opinion_at, now - dt.timedelta(hours=2))):
            services.suggestion_add_opinion(suggestion_id=s.pk, actor=co_handlers[0],
                                            text=f"我单位同意牵头单位意见，将在职责范围内配合做好{t}相关工作。")
    handler = ctx.handler.get(lead_department.pk)
    if handler is None:
        return
    if talks:
        end = dates.get(S.REPLIED, now) - dt.timedelta(hours=3)
        span = end - dates[S.ASSIGNED]
        _contact(rng, s, handler, "before", dates[S.ASSIGNED] + span / 6, now)
        if final != S.ASSIGNED or rng.random() < 0.5:
            _contact(rng, s, handler, "during", dates[S.ASSIGNED] + span * 2 / 3, now)
    if final == S.ASSIGNED:
        return
    reply_class = _weighted(rng, REPLY_CLASSES)
    text = replies["ABC".index(reply_class)].format(t=t)
    with services.history_clock(dates[S.REPLIED]):
        services.suggestion_reply(suggestion_id=s.pk, actor=handler, reply_class=reply_class, text=text)
    if final in (S.EVALUATED, S.CLOSED):
        rating = _weighted(rng, LEAD_RATINGS[reply_class])
        with services.history_clock(dates[S.EVALUATED]):
            services.suggestion_evaluate(suggestion_id=s.pk, actor=lead_user, rating=rating,
                                         comment=rng.choice(EVALUATION_COMMENTS[rating]))
        for deputy in joint:
            user = ctx.deputy_user.get(deputy.pk)
            if user is not None and rng.random() < 0.5:
                joint_rating = _weighted(rng, LEAD_RATINGS[reply_class])
                joint_at = min(dates[S.EVALUATED] + dt.timedelta(hours=rng.randint(1, 48)),
                               now - dt.timedelta(minutes=30))
                with services.history_clock(joint_at):
                    services.suggestion_evaluate(suggestion_id=s.pk, actor=user, rating=joint_rating)
    if talks and (final == S.CLOSED or rng.random() < 0.5):
        last = dates.get(S.CLOSED, now) - dt.timedelta(hours=2)
        _contact(rng, s, handler, "after", dates[S.REPLIED] + (last - dates[S.REPLIED]) / 2, now)
    if final == S.CLOSED:
        with services.history_clock(dates[S.CLOSED]):
            services.suggestion_close(suggestion_id=s.pk, actor=ctx.supervisor, note="办理完毕，予以办结。")
    if reply_class == ReplyClass.B:
        _follow_ups(rng, s, handler, year, dates, now)


# Leaders of the district who lead (领办) or supervise (督办) key suggestions.
LEADERS = [("区人大常委会主任 李建华", "supervise"), ("区人大常委会副主任 张伟", "supervise"),
           ("副区长 王强", "lead"), ("副区长 陈静", "lead"), ("区长 刘国平", "lead")]
RETURN_REASONS = [
    "建议内容较笼统，请补充具体的问题点位和可行的措施后再提交。",
    "案由部分缺少群众反映的具体情况，请结合走访调研补充。",
    "所提事项属于个案诉求，建议通过民声直通平台反映，或归纳共性问题后再提交。",
]


def _pre_review(ctx, rng, s, lead_user, dates):
    """前置审核 between the draft and its number; about one in six is returned once and revised first."""
    span = dates[S.SUBMITTED] - dates[S.DRAFT]
    if rng.random() < 0.17:
        with services.history_clock(dates[S.DRAFT] + span / 4):
            services.suggestion_submit(suggestion_id=s.pk, actor=lead_user)
        with services.history_clock(dates[S.DRAFT] + span / 2):
            services.suggestion_return_draft(suggestion_id=s.pk, actor=ctx.supervisor,
                                             reasons=rng.choice(RETURN_REASONS))
        with services.history_clock(dates[S.DRAFT] + span * 3 / 4):
            services.suggestion_edit(suggestion_id=s.pk, actor=lead_user, title=s.title,
                                     content=s.content + "\n（已根据审核意见补充完善。）", category=s.category,
                                     joint_deputies=[p.deputy_id for p in s.proposers.all() if not p.is_lead])
            services.suggestion_submit(suggestion_id=s.pk, actor=lead_user)
    else:
        with services.history_clock(dates[S.DRAFT] + span / 2):
            services.suggestion_submit(suggestion_id=s.pk, actor=lead_user)
    with services.history_clock(dates[S.SUBMITTED]):
        services.suggestion_pass_review(suggestion_id=s.pk, actor=ctx.supervisor)


CONTACTS = {
    "before": [("meeting", "领衔代表；{dept}分管负责同志、业务科室负责人",
                "听取代表对办理思路的意见，约定先行实地查看问题点位，办理方案报代表审阅。"),
               ("phone", "领衔代表；{dept}承办科室负责人",
                "沟通建议的具体诉求和重点，明确办理时限和阶段性反馈方式。")],
    "during": [("forum", "领衔代表、联名代表；{dept}及协办单位有关负责同志",
                "座谈通报办理进展，代表同意分步实施：今年先解决群众反映最集中的问题。"),
               ("meeting", "领衔代表；{dept}分管负责同志",
                "陪同代表实地查看，现场商定整改措施和完成时间。")],
    "after": [("phone", "领衔代表",
               "回访答复落实情况，代表认可办理结果，提出持续跟踪的希望。"),
              ("written", "全体提出代表",
               "书面征求代表对办理结果的意见，代表表示基本满意，建议加强后续管护。")],
}


def _contact(rng, suggestion, handler, stage, at, now):
    at = min(at, now - dt.timedelta(hours=1))
    form, participants, agreed = rng.choice(CONTACTS[stage])
    with services.history_clock(at):
        services.suggestion_contact(suggestion_id=suggestion.pk, actor=handler, stage=stage,
                                    held_on=timezone.localdate(at), form=form,
                                    participants=participants.format(dept=handler.department.name),
                                    agreed=agreed)


def _follow_ups(rng, suggestion, handler, year, dates, now):
    """Class B keeps being reported on: last year's into this year, some of them resolved by now."""
    this_year = timezone.localdate().year
    if year == this_year:
        return
    fate = rng.choice(["resolved", "progress", "none"])
    if fate == "none":
        return
    tz = timezone.get_current_timezone()
    at = dt.datetime(this_year, rng.randint(3, 9), rng.randint(1, 28), 10, tzinfo=tz)
    at = min(max(at, dates[S.REPLIED] + dt.timedelta(days=30)), now - dt.timedelta(hours=3))
    with services.history_clock(at):
        services.suggestion_follow_up(suggestion_id=suggestion.pk, actor=handler, year=at.year,
                                      note=rng.choice(FOLLOW_UP_NOTES[False]), resolved=False)
    if fate == "resolved":
        later = min(at + dt.timedelta(days=rng.randint(20, 60)), now - dt.timedelta(hours=2))
        with services.history_clock(later):
            services.suggestion_follow_up(suggestion_id=suggestion.pk, actor=handler, year=later.year,
                                          note=rng.choice(FOLLOW_UP_NOTES[True]), resolved=True)
