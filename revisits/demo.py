"""Demo call-backs: every reply and dissatisfied rating of the demo's history made a task due; the centres have
called most of the older ones back, a few residents were never reached, and the last day's wait on the list."""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from demands.models import Rating

from . import services
from .models import RevisitEvent, RevisitTask
from .states import Action, Reason, Status

HOUR = dt.timedelta(hours=1)
SAID = {
    Rating.SATISFIED: ["问题已经解决了，谢谢你们。", "处理得很快，我很满意。", "工作人员上门看过，已经弄好了。",
                       "现在已经没问题了，感谢回访。"],
    Rating.BASICALLY_SATISFIED: ["基本解决了，希望以后多来看看。", "处理了，但拖得有点久。", "大体可以，还有点小问题我再观察。",
                                 "答复说清楚了，虽然暂时解决不了，但理解。"],
    Rating.DISSATISFIED: ["还是老样子，根本没人来处理。", "答复和实际情况不符，问题还在。", "只打了个电话，没有到现场看。",
                          "过了两天又出现了，希望彻底解决。"],
}
MISSED = ["无人接听", "占线", "关机", "对方称正忙，约稍后再打"]
UNCALLABLE = "群众匿名反映，未留联系电话"


def _view(rng, task, demand) -> str:
    if task.reason == Reason.DISSATISFIED:
        pool = [(Rating.DISSATISFIED, 0.7), (Rating.BASICALLY_SATISFIED, 0.2), (Rating.SATISFIED, 0.1)]
    elif demand.rating and demand.rework_count == task.round and rng.random() < 0.88:
        return demand.rating  # most residents say on the phone what they rated
    else:
        pool = [(Rating.SATISFIED, 0.6), (Rating.BASICALLY_SATISFIED, 0.28), (Rating.DISSATISFIED, 0.12)]
    roll, total = rng.random(), 0.0
    for value, weight in pool:
        total += weight
        if roll < total:
            return value
    return pool[-1][0]


def seed_demo(*, seed: int = 2026) -> int:
    """Create the due tasks from the demo's history and call most of them back; returns how many tasks exist."""
    services.revisit_tasks_backfill()  # idempotent: a second run adds only the new demands' tasks
    rng = random.Random(seed)
    now = timezone.now()
    callers: dict = {}
    for user in User.objects.filter(role=Role.DISPATCHER, is_active=True).order_by("pk"):
        callers.setdefault(user.township_id, []).append(user)
    district = callers.get(None, [])
    tasks = list(RevisitTask.objects.filter(status=Status.OPEN, attempts=0).select_related("demand").order_by("created_at", "pk"))
    events, changed = [], []

    def event(task, action, caller, at, from_status, to_status, note="", data=None):
        events.append(RevisitEvent(task=task, actor=caller, actor_label=str(caller) if caller else "", action=action,
                                   from_status=from_status, to_status=to_status, note=note, data=data or {},
                                   created_at=at))

    for task in tasks:
        demand = task.demand
        age = now - task.created_at
        if age < dt.timedelta(days=1):
            continue  # today's: on the list
        pool = callers.get(demand.township_id) or district
        caller = rng.choice(pool) if pool else None
        clock = task.created_at + HOUR * rng.uniform(1, 20)
        held_by_addressed = demand.addressed_deputy_id and demand.unit_deputy_id == demand.addressed_deputy_id
        if not demand.contact_phone or held_by_addressed:
            # Nobody to call: the centre closes these the same day (today's wait on the list with the others).
            task.status, task.closed_at = Status.UNCALLABLE, min(clock, now - HOUR)
            event(task, Action.CLOSE_UNCALLABLE, caller, task.closed_at, Status.OPEN, Status.UNCALLABLE,
                  note=UNCALLABLE if not demand.contact_phone else "")
            changed.append(task)
            continue
        roll = rng.random()
        misses = 0 if roll < 0.6 else 1 if roll < 0.85 else 2
        never = rng.random() < 0.06
        recent = age < dt.timedelta(days=5)
        if recent and rng.random() < 0.25:
            misses, never = min(misses, 1) + 1, False  # still being tried
            reach = False
        else:
            reach = not never
        if never:
            misses = 3
        for attempt in range(1, misses + 1):
            at = min(clock, now - HOUR)
            last = never and attempt == 3
            event(task, Action.MISS, caller, at, Status.OPEN, Status.UNREACHED if last else Status.OPEN,
                  note=rng.choice(MISSED), data={"attempt": attempt})
            task.attempts = attempt
            if last:
                task.status, task.closed_at = Status.UNREACHED, at
            clock += HOUR * rng.uniform(2, 26)
        if reach:
            at = min(clock, now - HOUR)
            view = _view(rng, task, demand)
            task.attempts += 1
            task.status, task.closed_at, task.view = Status.REACHED, at, view
            task.said = rng.choice(SAID[view])
            event(task, Action.REACH, caller, at, Status.OPEN, Status.REACHED, note=task.said,
                  data={"view": view, "attempt": task.attempts, "reopened": False})
        if task.attempts or task.status != Status.OPEN:
            task.updated_at = task.closed_at or now
            changed.append(task)
    with transaction.atomic():
        RevisitTask.objects.bulk_update(changed, ["status", "attempts", "view", "said", "closed_at", "updated_at"],
                                        batch_size=1000)
        RevisitEvent.objects.bulk_create(events, batch_size=1000)
        # The demands' call-back flags (the dashboard's call-back figures), in one set-based UPDATE.
        services.refresh_callback_flags(RevisitTask.objects.values("demand_id"))
    return RevisitTask.objects.count()
