"""Synthetic historical demands for the demo, written with bulk inserts.

Each demand walks a path of actions that the transition table allows; `tests/test_seed.py` replays every
generated history against TRANSITIONS, so this module cannot drift from the workflow.
"""

import datetime as dt
import random
from collections import defaultdict
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from deputies.models import Deputy
from grids.models import Grid

from . import sla
from .codes import ALPHABET, RANDOM_LENGTH, _check_symbol, format_code
from .demo_content import (
    LANDMARKS, PROGRESS_NOTES, RATING_COMMENTS, REJECT_REASONS, REOPEN_REASONS, REPLIES, REPLIES_BY_TOP, RETURN_REASONS,
)
from .demo_content import DEMAND_TEXTS
from portal.bulk import insert_objects
from .models import Category, Channel, Demand, DemandEvent, Department, Outcome, Rating, SlaPolicy, Urgency
from .states import Action, Status, target_of

FINAL_STATES = [  # (final state, weight)
    (Status.CLOSED, 56), (Status.VERIFIED, 4), (Status.RESOLVED, 5), (Status.ACCEPTED, 9), (Status.DISPATCHED, 6),
    (Status.CLASSIFIED, 4), (Status.RECEIVED, 6), (Status.REJECTED, 6), (Status.MERGED, 4),
]
CHANNELS = [(Channel.WEB, 30), (Channel.QR, 22), (Channel.HOTLINE, 25), (Channel.PATROL, 12), (Channel.WALK_IN, 7),
            (Channel.DEPUTY, 4)]
OPEN_FINALS = {Status.RECEIVED, Status.CLASSIFIED, Status.DISPATCHED, Status.ACCEPTED, Status.RESOLVED, Status.VERIFIED}
HOUR = dt.timedelta(hours=1)


def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _code(rng) -> str:
    # One draw of random bits, spelled in the code alphabet: much cheaper than 17 choice() calls.
    n, symbols = rng.getrandbits(96), []
    for _ in range(RANDOM_LENGTH):
        n, r = divmod(n, len(ALPHABET))
        symbols.append(ALPHABET[r])
    body = "".join(symbols)
    return format_code(body + _check_symbol(body))


def _phone(rng) -> str:
    return rng.choice(["138", "139", "135", "150", "151", "158", "177", "180", "187", "199"]) + "".join(
        str(rng.randrange(10)) for _ in range(8))


class _Context:
    """Everything the generator looks up, loaded once."""

    def __init__(self):
        self.grids = list(Grid.objects.select_related("community").order_by("code"))
        self.categories = {c.code: c for c in Category.objects.filter(parent__isnull=False)}
        self.sub_codes = [c for c in DEMAND_TEXTS if c in self.categories]
        dept_links = Department.categories.through.objects.filter(department__is_active=True)
        self.departments_by_category = defaultdict(list)
        departments = {d.pk: d for d in Department.objects.filter(is_active=True)}
        for link in dept_links:
            self.departments_by_category[link.category_id].append(departments[link.department_id])
        self.deputies_by_township = defaultdict(list)
        for deputy in Deputy.objects.filter(is_active=True):
            self.deputies_by_township[deputy.township_id].append(deputy)
        users = User.objects.exclude(role=Role.RESIDENT).filter(is_superuser=False)
        self.dispatcher = {}
        self.district_dispatcher = None
        self.handler, self.grid_worker, self.deputy_user, self.supervisor = {}, {}, {}, None
        for u in users.order_by("id"):
            if u.role == Role.DISPATCHER:
                if u.township_id is None:
                    self.district_dispatcher = self.district_dispatcher or u
                else:
                    self.dispatcher.setdefault(u.township_id, u)
            elif u.role == Role.HANDLER:
                self.handler.setdefault(u.department_id, u)
            elif u.role == Role.GRID_WORKER:
                self.grid_worker.setdefault(u.grid_id, u)
            elif u.role == Role.DEPUTY:
                self.deputy_user.setdefault(u.deputy_id, u)
            elif u.role == Role.SUPERVISOR and u.township_id is None:
                self.supervisor = self.supervisor or u
        self.policies = {(p.type, p.urgency): p for p in SlaPolicy.objects.all()}

    def deadlines(self, demand_type, urgency, start):
        policy = self.policies.get((demand_type, urgency))
        if policy is None:
            return sla.deadlines_for(demand_type, urgency, start)
        accept = sla.add_period(start, policy.accept_within, policy.accept_unit)
        resolve = sla.add_period(start, policy.resolve_within, policy.resolve_unit)
        return min(accept, resolve), resolve


class _Builder:
    """Walks one demand along a path, recording events as the services would."""

    def __init__(self, ctx, rng, demand, now):
        self.ctx, self.rng, self.d, self.now = ctx, rng, demand, now
        self.events = []
        self.clock = demand.created_at

    def later(self, low_hours, high_hours):
        self.clock = min(self.clock + HOUR * self.rng.uniform(low_hours, high_hours), self.now - dt.timedelta(minutes=5))
        return self.clock

    def step(self, action, actor=None, note="", data=None, public=True, kind=DemandEvent.ActorKind.USER):
        from_status = self.d.status if self.events else ""
        self.d.status = target_of(action, from_status) if self.events else Status.RECEIVED
        # Plain rows, not model instances: building 600,000 instances would dominate the run.
        self.events.append(SimpleNamespace(
            demand_id=None, actor_id=actor.pk if actor else None,
            actor_kind=kind if actor or kind != DemandEvent.ActorKind.USER else DemandEvent.ActorKind.SYSTEM,
            actor_label=str(actor) if actor else ("系统" if kind != DemandEvent.ActorKind.RESIDENT else "群众"),
            action=action, from_status=from_status, to_status=self.d.status, note=note, data=data or {},
            public=public, created_at=self.clock,
        ))

    def dispatcher(self):
        return self.ctx.dispatcher.get(self.d.township_id) or self.ctx.district_dispatcher

    def pick_unit(self):
        d, rng = self.d, self.rng
        roll = rng.random()
        departments = self.ctx.departments_by_category.get(d.category_id) or []
        if roll < 0.05 and self.ctx.deputies_by_township.get(d.township_id):
            return rng.choice(self.ctx.deputies_by_township[d.township_id])
        if roll < 0.62 or not departments:
            return d.grid
        return rng.choice(departments)

    def set_unit(self, unit):
        d = self.d
        d.unit_grid = unit if isinstance(unit, Grid) else None
        d.unit_department = unit if isinstance(unit, Department) else None
        d.unit_deputy = unit if isinstance(unit, Deputy) else None
        d.dispatched_at = self.clock
        d.accept_deadline, d.resolve_deadline = self.ctx.deadlines(d.type, d.urgency, self.clock)
        d.warn_at, d.supervise_at = sla.escalation_times(self.clock, d.resolve_deadline)
        d.accepted_by = None
        d.accepted_at = None

    def unit_user(self, unit=None):
        unit = unit or self.d.unit
        if isinstance(unit, Grid):
            return self.ctx.grid_worker.get(unit.pk)
        if isinstance(unit, Department):
            return self.ctx.handler.get(unit.pk)
        return self.ctx.deputy_user.get(unit.pk)

    def dispatch(self, action=Action.DISPATCH):
        unit = self.pick_unit()
        self.later(0.1, 3)
        self.set_unit(unit)
        self.step(action, self.dispatcher(), data={"unit": str(unit)})

    def accept(self):
        self.later(0.3, 18)
        user = self.unit_user()
        self.d.accepted_by, self.d.accepted_at = user, self.clock
        self.step(Action.ACCEPT, user, data={"unit": str(self.d.unit)})

    def resolve(self):
        d, rng = self.d, self.rng
        if rng.random() < 0.3:
            self.later(2, 30)
            self.step(Action.NOTE, self.unit_user(), note=rng.choice(PROGRESS_NOTES), public=rng.random() < 0.5)
        span = (d.resolve_deadline - self.clock).total_seconds() / 3600
        # About one in eight finishes late, which the dashboards should show.
        self.later(1, max(2, span * (1.4 if rng.random() < 0.12 else 0.9)))
        d.outcome = _weighted(rng, [(Outcome.SOLVED, 82), (Outcome.EXPLAINED, 13), (Outcome.UNSOLVABLE, 5)])
        if d.outcome == Outcome.SOLVED:
            pool = REPLIES_BY_TOP.get(d.category.code.split(".")[0], []) + REPLIES["solved"]
        else:
            pool = REPLIES[d.outcome]
        d.reply = rng.choice(pool)
        d.resolved_at = self.clock
        d.resolved_by_grid = d.unit_grid is not None
        self.step(Action.RESOLVE, self.unit_user(), note=d.reply, data={"outcome": d.outcome, "unit": str(d.unit)})

    def verify(self):
        self.later(1, 30)
        self.d.verified_at = self.clock
        self.step(Action.VERIFY, self.ctx.supervisor)

    def reopen(self, actor, reason, kind=DemandEvent.ActorKind.USER):
        d = self.d
        self.later(0.05, 0.1) if actor is None else self.later(2, 48)
        d.rework_count += 1
        unit = d.unit
        for f in ("outcome", "reply", "rating", "rating_comment"):
            setattr(d, f, "")
        d.resolved_at = d.verified_at = d.rated_at = d.closed_at = None
        self.set_unit(unit)
        self.step(Action.REOPEN, actor, note=reason, kind=kind, data={"unit": str(unit), "rework": d.rework_count})


FORWARD_NOTES = [
    "个案问题，需职能部门现场处置，请快处中心派单，本人跟进。",
    "涉及多个部门，请中心统筹派单，我会持续关注办理结果。",
    "已向群众了解情况，属于部门职责，转交派单办理。",
]


def _new_demand(ctx, rng, now, final):
    grid = rng.choice(ctx.grids)
    sub = rng.choice(ctx.sub_codes)
    demand_type, template = rng.choice(DEMAND_TEXTS[sub])
    age_days = rng.uniform(0.2, 12) if final in OPEN_FINALS else rng.uniform(10, 365)
    created = now - dt.timedelta(days=age_days)
    has_contact = rng.random() < 0.8
    return Demand(
        tracking_code=_code(rng),
        channel=_weighted(rng, CHANNELS),
        type=demand_type,
        category=ctx.categories[sub] if final != Status.RECEIVED or rng.random() < 0.6 else None,
        urgency=Urgency.URGENT if rng.random() < 0.06 else Urgency.NORMAL,
        content=template.format(community=grid.community.name, landmark=rng.choice(LANDMARKS)),
        address=f"{grid.community.name}{rng.choice(LANDMARKS)}",
        township_id=grid.township_id,
        community_id=grid.community_id,
        grid=grid if final != Status.RECEIVED or rng.random() < 0.5 else None,
        contact_name=(rng.choice("王李张刘陈杨赵黄周吴何罗苟向岳") + rng.choice(["先生", "女士", "大爷", "阿姨"])) if has_contact else "",
        contact_phone=_phone(rng) if has_contact else "",
        is_public=rng.random() < 0.4,
        status=Status.RECEIVED,
        created_at=created,
        updated_at=created,
    )


def _walk(b: _Builder, final: str, merge_targets: list) -> None:
    d, rng, ctx = b.d, b.rng, b.ctx
    b.step(Action.RECEIVE, None, kind=DemandEvent.ActorKind.RESIDENT, data={"channel": d.channel})
    if final == Status.RECEIVED:
        return
    if final == Status.MERGED and merge_targets:
        target = merge_targets[0]
        b.later(0.05, 2)
        d.merged_into, d.closed_at = target, b.clock
        b.step(Action.MERGE, b.dispatcher(), data={"into": target.pk})
        return
    if final in (Status.REJECTED, Status.MERGED):
        b.later(0.2, 6)
        d.closed_at = b.clock
        b.step(Action.REJECT, b.dispatcher(), note=rng.choice(REJECT_REASONS))
        return
    deputies = ctx.deputies_by_township.get(d.township_id)
    routed = final not in (Status.CLASSIFIED,) and deputies and rng.random() < 0.08
    forwarded = False
    if routed:
        # 代表码上见: scanned a deputy's code, so the demand went straight to that deputy.
        deputy = rng.choice(deputies)
        d.channel, d.addressed_deputy = Channel.QR, deputy
        b.later(0.001, 0.01)
        b.set_unit(deputy)
        b.step(Action.ROUTE, None, kind=DemandEvent.ActorKind.SYSTEM, data={"unit": str(deputy)})
        forwarded = rng.random() < 0.35
        if forwarded:
            b.later(0.5, 12)
            user = b.unit_user()
            d.unit_grid = d.unit_department = d.unit_deputy = None
            d.dispatched_at = d.accept_deadline = d.resolve_deadline = d.warn_at = d.supervise_at = None
            b.step(Action.FORWARD, user, note=rng.choice(FORWARD_NOTES), data={"unit": str(deputy)})
    if not routed or forwarded:
        b.later(0.1, 5)
        d.grid = d.grid or rng.choice([g for g in ctx.grids[:50]])
        d.township_id, d.community_id = d.grid.township_id, d.grid.community_id
        b.step(Action.CLASSIFY, b.dispatcher(), data={"category": d.category.code, "type": d.type})
        if final == Status.CLASSIFIED:
            return
        b.dispatch()
    if not routed and rng.random() < 0.07:
        b.later(0.5, 8)
        unit = d.unit
        d.return_count += 1
        d.unit_grid = d.unit_department = d.unit_deputy = None
        d.dispatched_at = d.accept_deadline = d.resolve_deadline = d.warn_at = d.supervise_at = None
        b.step(Action.RETURN, b.unit_user(unit), note=rng.choice(RETURN_REASONS), public=False,
               data={"unit": str(unit)})
        b.dispatch()
    if final == Status.DISPATCHED:
        return
    b.accept()
    if final == Status.ACCEPTED:
        return
    b.resolve()
    if final == Status.RESOLVED:
        return
    b.verify()
    if final == Status.VERIFIED:
        return
    if rng.random() < 0.08:
        # A first "dissatisfied" rating reopens the demand to the same unit.
        b.later(2, 60)
        d.dissatisfied_count += 1
        b.step(Action.RATE, None, kind=DemandEvent.ActorKind.RESIDENT, note=rng.choice(RATING_COMMENTS["dissatisfied"]),
               data={"rating": Rating.DISSATISFIED})
        b.reopen(None, "群众对办理结果不满意，系统自动重办。", kind=DemandEvent.ActorKind.SYSTEM)
        b.accept()
        b.resolve()
        b.verify()
    elif rng.random() < 0.04:
        b.reopen(ctx.supervisor, rng.choice(REOPEN_REASONS))
        b.accept()
        b.resolve()
        b.verify()
    if rng.random() < 0.12:
        b.clock = min(b.clock + dt.timedelta(days=7), b.now - dt.timedelta(minutes=1))
        d.closed_at = b.clock
        b.step(Action.EXPIRE_RATING, None, kind=DemandEvent.ActorKind.SYSTEM)
        return
    b.later(2, 72)
    d.rating = _weighted(rng, [(Rating.SATISFIED, 78), (Rating.BASICALLY_SATISFIED, 15), (Rating.DISSATISFIED, 7)])
    d.rating_comment = rng.choice(RATING_COMMENTS[d.rating]) if rng.random() < 0.6 else ""
    d.rated_at = d.closed_at = b.clock
    if d.rating == Rating.DISSATISFIED:
        d.dissatisfied_count += 1
        d.flagged = d.dissatisfied_count >= 2
    b.step(Action.RATE, None, kind=DemandEvent.ActorKind.RESIDENT, note=d.rating_comment, data={"rating": d.rating})
    if d.rating == Rating.DISSATISFIED and d.dissatisfied_count == 1:
        # Keep the rule honest: a lone "dissatisfied" always reopens.
        b.reopen(None, "群众对办理结果不满意，系统自动重办。", kind=DemandEvent.ActorKind.SYSTEM)


def _as_duplicate_of(b: _Builder, target: Demand) -> None:
    d, rng = b.d, b.rng
    d.type, d.category, d.grid = target.type, target.category, target.grid
    d.township_id, d.community_id = target.township_id, target.community_id
    _type, template = rng.choice(DEMAND_TEXTS[target.category.code])
    d.content = template.format(community=target.community.name if target.community else "", landmark=rng.choice(LANDMARKS))
    d.created_at = min(target.created_at + HOUR * rng.uniform(0.5, 30), b.now - dt.timedelta(minutes=30))
    d.updated_at = b.clock = d.created_at
    d.merged_into = target


def _insert_demands(demands: list[Demand]) -> None:
    insert_objects(Demand, demands)
    ids = {}
    codes = [d.tracking_code for d in demands]
    for start in range(0, len(codes), 900):  # stay under SQLite's bound-parameter limit
        ids.update(Demand.objects.filter(tracking_code__in=codes[start : start + 900]).values_list("tracking_code", "id"))
    for d in demands:
        d.pk = ids[d.tracking_code]


def generate_demands(count: int, *, seed: int = 2026, batch: int = 2000) -> int:
    """Add `count` historical demands with their event histories; returns how many were written."""
    ctx = _Context()
    if not ctx.grids or not ctx.sub_codes:
        raise RuntimeError("Seed places and categories before demo demands.")
    rng = random.Random(seed * 1_000_003 + Demand.objects.count())
    now = timezone.now()
    written = 0
    while written < count:
        size = min(batch, count - written)
        builders = []
        for _ in range(size):
            final = _weighted(rng, FINAL_STATES)
            demand = _new_demand(ctx, rng, now, final)
            b = _Builder(ctx, rng, demand, now)
            b.final = final
            builders.append(b)
        with transaction.atomic():
            merged = [b for b in builders if b.final == Status.MERGED]
            others = [b for b in builders if b.final != Status.MERGED]
            for b in others:
                _walk(b, b.final, [])
                b.d.updated_at = b.clock
            _insert_demands([b.d for b in others])
            # A duplicate arrives soon after the demand it repeats, which is still open when it is merged.
            targets = [b.d for b in others if b.d.status in OPEN_FINALS and b.d.category_id]
            for b in merged:
                if targets:
                    _as_duplicate_of(b, rng.choice(targets))
                _walk(b, b.final, [b.d.merged_into] if b.d.merged_into else [])
                b.d.updated_at = b.clock
            _insert_demands([b.d for b in merged])
            events = []
            for b in builders:
                for e in b.events:
                    e.demand_id = b.d.pk
                events.extend(b.events)
            insert_objects(DemandEvent, events)
        written += size
    return written
