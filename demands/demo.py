"""Synthetic historical demands for the demo: a year of arrivals, each walked along its own timeline up to now.

- Arrivals are spread over the past year with a weekly rhythm (fewer on rest days) and a seasonal one: the day is
  drawn first, then a category whose weight follows the month (more water and power cuts in summer, gas and fire
  safety in winter, unpaid wages before the Spring Festival).
- Each demand's handling is a timeline of plausible durations (office hours, SLA windows, a few late ones) cut at
  now, so its state follows from its age: last spring's demands are closed, this week's sit wherever their
  timeline has got to, and an open demand is overdue by a few days at most. Escalations, supervision orders,
  rating tokens and reminders are what the sweeps and services would have left.
- Townships differ in how well they do (化解率 about 72–93 %, 满意率 about 82–95 %), deterministically: each
  township's outcomes and ratings follow quotas rather than coin flips, so its figures land within a point or two
  of its targets even over a hundred demands.
- Texts are composed from parts (demands.demo_content.PROBLEMS) that fit the place (a 村 gets rural words, a 社区
  urban ones) and the category, in a resident's or a staff member's voice; every text is distinct.
- A few problems are reported by several neighbours over some weeks (common problems for the deputies to group,
  hotspots for the supervisors), and some demands repeat one received hours before and are merged into it.

Each demand walks a path that the transition table allows; `tests/test_seed.py` replays every generated history
against TRANSITIONS, so this module cannot drift from the workflow.
"""

import base64
import datetime as dt
import random
import re
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from types import SimpleNamespace

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role, User
from grids.models import Grid, MicroGrid
from core.bulk import insert_objects

from . import routing, sla
from .services import ANSWER_WITHIN
from .codes import ALPHABET, RANDOM_LENGTH, _check_symbol, format_code
from .demo_content import (
    ADULT_TITLES, ANGRY_CONSULTATION_OPENINGS, AVOIDED_NAMES, CLOSINGS, CONSULTATION_LEADS, CONSULTATION_REPLIES,
    DURATIONS, ESTATES, GENERIC_ASKS, GENERIC_EFFECTS, GROUP_NUMBERS, MIDDLE_GIVEN, OLD_GIVEN, OLD_TITLES, OPENINGS,
    PROBLEMS, PROGRESS_NOTES, RATING_COMMENTS, REJECT_REASONS, REOPEN_REASONS, REPLIES, RETURN_REASONS, ROADS,
    RURAL_SPOTS, RURAL_WAYS, SEASONAL, SEASON_WORDS, SINCE, SOLVED_REPLIES, STAFF_VOICES, SUGGESTION_VERBS,
    SURNAMES, SYNONYMS, TOP_WEIGHTS, TOWN_SPOTS, TOWN_STREETS, TOWN_WAYS, URBAN_SPOTS, URBAN_WAYS, WAITS, WHO,
    WITHDRAW_REASONS, YOUNG_GIVEN,
)
from .models import (
    Category, Channel, Demand, DemandEvent, Department, Deputy, Outcome, Rating, SlaPolicy, SupervisionOrder, Urgency,
)
from .states import HANDLING_STATES, Action, Status, target_of

HOUR = dt.timedelta(hours=1)
MINUTE = dt.timedelta(minutes=1)
USER, RESIDENT, SYSTEM = DemandEvent.ActorKind.USER, DemandEvent.ActorKind.RESIDENT, DemandEvent.ActorKind.SYSTEM

# ---------------------------------------------------------------- arrivals
YEAR_DAYS = 365
# Month factors on top of the rest days (the Spring Festival and National Day holidays already count as such).
MONTH_FACTORS = {1: 0.97, 2: 0.92, 3: 1.0, 4: 1.0, 5: 1.0, 6: 1.03, 7: 1.07, 8: 1.07, 9: 1.0, 10: 0.96, 11: 0.98,
                 12: 1.0}
REST_DAY_FACTOR = 0.62  # weekends and statutory holidays
MONDAY_FACTOR = 1.12  # what piled up over the weekend
CHANNELS = [(Channel.WEB, 28), (Channel.QR, 18), (Channel.HOTLINE, 17), (Channel.PHONE, 5), (Channel.PATROL, 20),
            (Channel.WALK_IN, 8), (Channel.DEPUTY, 5)]
OFFICE_CHANNELS = {Channel.PATROL, Channel.PHONE, Channel.WALK_IN, Channel.DEPUTY}  # staff who type these work office hours
# Hour of day (0-23) of an arrival: residents write in the morning and the evening, staff in office hours.
RESIDENT_HOURS = [1, 0.5, 0.3, 0.2, 0.2, 0.5, 2, 5, 9, 11, 11, 9, 6, 5, 7, 8, 8, 7, 6, 7, 9, 9, 6, 3]
OFFICE_HOURS = [0, 0, 0, 0, 0, 0, 0, 0, 6, 10, 10, 8, 2, 1, 6, 10, 10, 8, 2, 0, 0, 0, 0, 0]
HOTLINE_HOURS = [0.3, 0.2, 0.1, 0.1, 0.1, 0.2, 1, 3, 8, 10, 10, 9, 6, 5, 7, 9, 9, 8, 6, 6, 6, 5, 3, 1]
RESIDENT_VOICES = [("elderly", 20), ("young", 30), ("polite", 20), ("angry", 14), ("short", 16)]

# ---------------------------------------------------------------- handling
REJECT_SHARE = 0.05
WITHDRAW_PER_MILLE = 12  # taken back by the resident before anyone started on it (撤回)
RESIDENT_CHANNELS = {Channel.WEB, Channel.QR, Channel.HOTLINE, Channel.PHONE}
DUPLICATE_SHARE = 0.035  # repeats of a demand received hours before, merged into it
ROUTED_SHARE = 0.06  # 代表码上见: scanned a deputy's code
AUTO_ROUTED_SHARE = 0.2  # web and QR demands the classifier was sure of (demands.routing)
RETURN_SHARE = 0.06
SUPERVISOR_REOPEN_SHARE = 0.03
UNRATED_SHARE = 0.12  # closed unrated when the rating window ends
FIRST_DISSATISFIED_SHARE = 0.04  # rated "dissatisfied" once, handled again, then content
RATING_WINDOW = dt.timedelta(days=7)
RATING_REMINDERS = [dt.timedelta(hours=24), dt.timedelta(hours=72)]

# ---------------------------------------------------------------- common problems
CLUSTERS_PER_TOWNSHIP = 2
CLUSTER_MIN_DEMANDS = 1000  # a smaller demo is a smoke test: no common problems
CLUSTER_SUBS = [
    "roads_traffic.street_light", "water_power_gas.water_outage", "sanitation.garbage", "water_power_gas.pipe_leak",
    "roads_traffic.road_damage", "environment.noise", "roads_traffic.rural_road", "environment.soot_odor",
    "agriculture_rural.rural_drinking_water", "public_safety.fire_safety", "roads_traffic.illegal_parking",
    "water_power_gas.power_outage", "water_power_gas.gas_supply",
]

def _weighted(rng, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def _code(rng) -> str:
    # One draw of random bits, spelled in the code alphabet: much cheaper than 17 choice() calls.
    n, symbols = rng.getrandbits(96), []
    for _i in range(RANDOM_LENGTH):
        n, r = divmod(n, len(ALPHABET))
        symbols.append(ALPHABET[r])
    body = "".join(symbols)
    return format_code(body + _check_symbol(body))


def _phone(rng) -> str:
    return rng.choice(["138", "139", "135", "150", "151", "158", "177", "180", "187", "199"]) + "".join(
        str(rng.randrange(10)) for _i in range(8))


def setting_of(grid: Grid) -> str:
    """The kind of place: a 村 is "rural", a 社区 of a town's seat "town", a 社区 of a street "urban"."""
    if not grid.community.name.endswith("社区"):
        return "rural"
    return "town" if grid.township.kind == "town" else "urban"


def _fits(where: str, setting: str) -> bool:
    return where == "any" or (where == "rural") == (setting == "rural")


def _season(month: int) -> str:
    if month in (6, 7, 8, 9):
        return "summer"
    if month in (12, 1, 2):
        return "winter"
    if month in (3, 4, 5):
        return "spring"
    return "autumn"


# ---------------------------------------------------------------- townships' performance


@dataclass
class Performance:
    solved: float  # share of final outcomes "solved": the 化解率 it aims at
    satisfied: float  # share of positive final ratings: the 满意率 it aims at
    on_time: float  # share resolved before the deadline


class _Quota:
    """Yes/no decisions that hit a share exactly (error diffusion): after n decisions with share p, about p·n were
    yes, ± 1, in every prefix. Random draws would leave a township of a hundred demands a few points off."""

    def __init__(self):
        self.carry = {}

    def __call__(self, key, share: float) -> bool:
        carry = self.carry.get(key)
        if carry is None:
            carry = random.Random(repr(key)).random()  # where in the cycle each key starts
        carry += share
        self.carry[key] = carry % 1.0
        return carry >= 1.0


def township_performance(townships) -> dict:
    """Township id -> Performance, fixed by the township's place in a seeded shuffle (the same every run): good
    resolution and good satisfaction go together, loosely."""
    ordered = sorted(townships, key=lambda t: t.code)
    n = max(len(ordered) - 1, 1)
    rng = random.Random("bazhou-performance")
    ranks, others = list(range(len(ordered))), list(range(len(ordered)))
    rng.shuffle(ranks)
    rng.shuffle(others)
    blend = {t.pk: 0.6 * rank + 0.4 * other for t, rank, other in zip(ordered, ranks, others, strict=True)}
    satisfaction_rank = {pk: i for i, pk in enumerate(sorted(blend, key=lambda pk: (blend[pk], pk)))}
    return {t.pk: Performance(solved=0.72 + 0.21 * rank / n, satisfied=0.82 + 0.13 * satisfaction_rank[t.pk] / n,
                              on_time=0.82 + 0.14 * rank / n)
            for t, rank in zip(ordered, ranks, strict=True)}


# ---------------------------------------------------------------- looked up once


class _Context:
    """Everything the generator looks up, loaded once."""

    def __init__(self):
        self.grids = list(Grid.objects.select_related("community", "township").order_by("code"))
        self.setting = {g.pk: setting_of(g) for g in self.grids}
        self.micro_grids = {}
        for micro_grid_id, grid_id in MicroGrid.objects.order_by("code").values_list("pk", "grid_id"):
            self.micro_grids.setdefault(grid_id, []).append(micro_grid_id)
        self.categories = {c.code: c for c in Category.objects.filter(parent__isnull=False).select_related("parent")}
        self.sub_codes = [c for c in PROBLEMS if c in self.categories]
        departments = {d.pk: d for d in Department.objects.filter(is_active=True)}
        self.departments_by_category = {}
        for link in Department.categories.through.objects.filter(department__is_active=True):
            self.departments_by_category.setdefault(link.category_id, []).append(departments[link.department_id])
        self.deputies_by_township = {}
        for deputy in Deputy.objects.filter(is_active=True).order_by("code"):
            self.deputies_by_township.setdefault(deputy.township_id, []).append(deputy)
        self.dispatcher, self.handler, self.grid_worker, self.deputy_user = {}, {}, {}, {}
        self.district_dispatcher = self.supervisor = None
        users = User.objects.exclude(role=Role.RESIDENT).filter(is_superuser=False, is_active=True)
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
        self.deputy_reporters = {}
        for township_id, deputies in self.deputies_by_township.items():
            users = [self.deputy_user[d.pk] for d in deputies if d.pk in self.deputy_user]
            if users:
                self.deputy_reporters[township_id] = users
        self.policies = {(p.type, p.urgency): p for p in SlaPolicy.objects.all()}
        # Event labels, translated once rather than for each of the hundreds of thousands of events.
        self.labels = {RESIDENT: _("resident"), SYSTEM: _("system")}
        self.performance = township_performance({g.township for g in self.grids})
        # Category weights per (setting, month): the top-level weight shared among the sub-categories that have a
        # problem fitting the setting, times the month's seasonal factor.
        self.sub_weights = {}
        for setting in ("urban", "town", "rural"):
            fitting = [c for c in self.sub_codes if any(_fits(p[1], setting) for p in PROBLEMS[c])]
            per_top = {}
            for code in fitting:
                per_top[code.split(".")[0]] = per_top.get(code.split(".")[0], 0) + 1
            for month in range(1, 13):
                weights = [TOP_WEIGHTS[c.split(".")[0]] / per_top[c.split(".")[0]]
                           * SEASONAL.get(c, {}).get(month, 1.0) for c in fitting]
                self.sub_weights[setting, month] = (fitting, _cumulative(weights))

    def deadlines(self, demand_type, urgency, start):
        policy = self.policies.get((demand_type, urgency))
        if policy is None:
            return sla.deadlines_for(demand_type, urgency, start)
        accept = sla.add_period(start, policy.accept_within, policy.accept_unit)
        resolve = sla.add_period(start, policy.resolve_within, policy.resolve_unit)
        return min(accept, resolve), resolve

    def auto_unit(self, category, grid):
        """The unit demands.routing would dispatch to by itself, or None when it leaves the demand to a
        dispatcher: the grid for a grid-level matter, else the one department handling the category."""
        if routing.matches(category.code, routing.GRID_MATTERS) and grid.pk in self.grid_worker:
            return grid
        departments = self.departments_by_category.get(category.pk) or []
        return departments[0] if len(departments) == 1 else None

    def auto_verified(self, demand_type, urgency) -> bool:
        policy = self.policies.get((demand_type, urgency))
        return bool(policy and policy.auto_verify)

    def label(self, actor, kind) -> str:
        if actor is None:
            return self.labels[kind]
        if actor.pk not in self.labels:
            self.labels[actor.pk] = str(actor)[:100]
        return self.labels[actor.pk]

    def dispatcher_for(self, township_id):
        return self.dispatcher.get(township_id) or self.district_dispatcher


def _cumulative(weights):
    total, result = 0.0, []
    for w in weights:
        total += w
        result.append(total)
    return result


# ---------------------------------------------------------------- texts


class _Writer:
    """Composes demand texts from parts; never the same text twice."""

    def __init__(self, rng, seen: set):
        self.rng, self.seen = rng, seen

    def spot(self, setting: str, *, way: bool = False) -> str:
        """A place a resident names: a building, a group of the village, a market; or a road when `way`."""
        rng = self.rng
        if setting == "rural":
            c, c2 = rng.sample(GROUP_NUMBERS[:12], 2) if rng.random() < 0.5 else rng.sample(GROUP_NUMBERS[12:], 2)
            return rng.choice(RURAL_WAYS if way else RURAL_SPOTS).format(c=c, c2=c2, surname=rng.choice(SURNAMES))
        if setting == "town":
            street, street2 = rng.sample(TOWN_STREETS, 2)
            return rng.choice(TOWN_WAYS if way else TOWN_SPOTS).format(street=street, street2=street2,
                                                                       n=rng.randint(3, 160), b=rng.randint(1, 12))
        estate, estate2 = rng.sample(ESTATES, 2)
        road, road2 = rng.sample(ROADS, 2)
        return rng.choice(URBAN_WAYS if way else URBAN_SPOTS).format(
            estate=estate, estate2=estate2, road=road, road2=road2, n=rng.randint(2, 300), b=rng.randint(1, 24),
            u=rng.randint(1, 4))

    def compose(self, *, problem, sub, setting, grid, voice, month, channel, core=None, spot=None) -> tuple[str, str]:
        """(text, spot) for one report of `problem` (of sub-category `sub`) at `grid`."""
        for _attempt in range(40):
            text, used_spot = self._one(problem, sub, setting, grid, voice, month, channel, core, spot)
            if text not in self.seen:
                self.seen.add(text)
                return text, used_spot
        # Practically unreachable; still, a text is never repeated.
        n = 2
        while f"{text}（补充第{n}次）" in self.seen:
            n += 1
        text = f"{text}（补充第{n}次）"
        self.seen.add(text)
        return text, used_spot

    def _one(self, problem, sub, setting, grid, voice, month, channel, core, spot):
        rng = self.rng
        demand_type, _where, _seen, cores, effects, asks = problem
        core_template = core if core is not None else rng.choice(cores)
        spot = spot or self.spot(setting, way="{way}" in core_template)
        # The weather is mentioned only in the months the problem is typical of (a power cut in a heat wave).
        in_season = SEASONAL.get(sub, {}).get(month, 1.0) >= 1.3
        season = rng.choice(SEASON_WORDS[_season(month)]) if in_season and rng.random() < 0.7 else ""
        fill = {"spot": spot, "way": spot, "dur": rng.choice(DURATIONS), "since": rng.choice(SINCE),
                "wait": rng.choice(WAITS), "who": rng.choice(WHO[setting]), "season": f"{season}，" if season else ""}
        body = core_template.format(**fill)
        community = grid.community.name
        place = community if rng.random() < 0.65 else f"{grid.township.name}{community}"
        staff = channel in STAFF_VOICES
        opening_template = "" if staff else rng.choice(OPENINGS[voice][setting])
        spot_first = core_template.replace("{season}", "").startswith(("{spot}", "{way}"))
        if spot_first and "{place}" not in opening_template and (staff or voice == "short" or rng.random() < 0.7):
            body = body.replace(spot, place + spot, 1)
        effect = self._effect(demand_type, effects, fill, plain=channel == Channel.PATROL)
        ask = self._ask(demand_type, asks, fill)
        if demand_type == "consultation":
            body = self._question(body)
        body, effect, ask = (self._reword(part) for part in (body, effect, ask))
        if staff:
            prefix, suffix = rng.choice(STAFF_VOICES[channel])
            prefix = prefix.format(township=grid.township.name)
            if demand_type == "consultation":
                calls = channel in (Channel.HOTLINE, Channel.PHONE)
                text = f"{prefix}{body}" + ("请答复来电人。" if calls and rng.random() < 0.5 else "")
            elif channel == Channel.PATROL:
                text = f"{prefix}{body}，{effect}。{suffix}"
            else:
                text = f"{prefix}{body}，{effect}，{ask}。{suffix}"
            return text, spot
        opening = opening_template.format(place=place)
        closing = rng.choice(CLOSINGS[voice])
        if demand_type == "consultation":
            if voice == "angry":
                return f"{rng.choice(ANGRY_CONSULTATION_OPENINGS)}{body}", spot
            closing = closing if voice in ("elderly", "polite", "young") and rng.random() < 0.6 else ""
            lead = rng.choice(CONSULTATION_LEADS) if not opening.endswith(("：", "！")) else ""
            return f"{opening}{lead}{body}{closing}", spot
        if voice == "short":
            return (f"{body}，{ask}。" if rng.random() < 0.5 else f"{body}，{effect}，{ask}。") + closing, spot
        if voice == "angry":
            return f"{opening}{body}，{effect}！{ask}！{closing}", spot
        if rng.random() < 0.5:
            return f"{opening}{body}，{effect}。{ask}。{closing}", spot
        return f"{opening}{body}。{effect}，{ask}。{closing}", spot

    def _effect(self, demand_type, effects, fill, *, plain=False) -> str:
        """What the problem leads to; a resident sometimes adds how long it has dragged on (`plain`: never)."""
        rng = self.rng
        if not effects:
            return ""
        effect, roll = rng.choice(effects).format(**fill), rng.random()
        if plain:
            return effect
        if roll < 0.25:
            return f"{effect}，{rng.choice(GENERIC_EFFECTS[demand_type])}"
        if roll < 0.35:
            return rng.choice(GENERIC_EFFECTS[demand_type])
        return effect

    def _ask(self, demand_type, asks, fill) -> str:
        rng = self.rng
        if not asks:
            return ""
        ask = rng.choice(asks).format(**fill)
        if demand_type in GENERIC_ASKS and rng.random() < 0.3:
            return rng.choice(GENERIC_ASKS[demand_type])
        if ask.startswith("建议"):
            return rng.choice(SUGGESTION_VERBS) + ask[2:]
        return ask

    def _question(self, body: str) -> str:
        """The first question, and each further one only now and then."""
        parts = re.findall(r"[^？]+？|[^？]+$", body)
        kept = parts[:1] + [p for p in parts[1:] if self.rng.random() < 0.6]
        text = "".join(kept)
        return text if text.endswith(("？", "。")) else text + "。"

    def _reword(self, text: str) -> str:
        rng = self.rng
        for word, other in SYNONYMS:
            if word in text and rng.random() < 0.3:
                text = text.replace(word, other)
        return text


def _contact(rng, voice: str) -> str:
    for _attempt in range(10):
        name = _name(rng, voice)
        if name not in AVOIDED_NAMES:
            return name
    return name[0] + rng.choice(ADULT_TITLES)


def _name(rng, voice: str) -> str:
    surname = rng.choice(SURNAMES)
    if voice == "elderly":
        return surname + (rng.choice(OLD_GIVEN) if rng.random() < 0.5 else rng.choice(OLD_TITLES))
    if voice == "young":
        return surname + (rng.choice(YOUNG_GIVEN + MIDDLE_GIVEN) if rng.random() < 0.5 else rng.choice(ADULT_TITLES))
    if rng.random() < 0.5:
        return surname + rng.choice(MIDDLE_GIVEN + OLD_GIVEN + YOUNG_GIVEN)
    return surname + rng.choice(ADULT_TITLES + OLD_TITLES)


def _for_place(text: str, setting: str, township_kind: str) -> str:
    """A reply template's "村（社区）" and "镇（街道）" said for the place at hand."""
    text = text.replace("村（社区）", "村" if setting == "rural" else "社区")
    text = text.replace("镇（街道）", "街道" if township_kind == "street" else "镇")
    if setting == "rural":
        text = text.replace("社区网格员", "村网格员").replace("社区工作人员", "村干部").replace("社区干部", "村干部")
    return text


# ---------------------------------------------------------------- plans: what arrives, where and when


@dataclass
class _Plan:
    created: dt.datetime
    grid: Grid
    setting: str
    sub: str
    problem: tuple
    channel: str
    voice: str
    content: str
    spot: str
    address: str
    contact_name: str
    contact_phone: str
    urgency: str
    is_public: bool
    fate: str  # "normal", "reject", "duplicate"
    seed: int
    target: "object | None" = None  # the walk a duplicate repeats
    final: tuple | None = None  # how its handling ends (_final_plan)
    cluster: bool = False


def _day_weights(now: dt.datetime) -> list[tuple[dt.date, float]]:
    today = timezone.localtime(now).date()
    days = []
    for back in range(YEAR_DAYS, -1, -1):
        day = today - dt.timedelta(days=back)
        weight = MONTH_FACTORS[day.month]
        if not sla.is_working_day(day):
            weight *= REST_DAY_FACTOR
        elif day.weekday() == 0:
            weight *= MONDAY_FACTOR
        if back == 0:
            # Today only up to now.
            local = timezone.localtime(now)
            weight *= (local.hour + local.minute / 60) / 24
        days.append((day, weight))
    return days


def _arrival(rng, day: dt.date, channel: str, now: dt.datetime) -> dt.datetime | None:
    hours = OFFICE_HOURS if channel in OFFICE_CHANNELS else HOTLINE_HOURS if channel == Channel.HOTLINE \
        else RESIDENT_HOURS
    hour = rng.choices(range(24), weights=hours)[0]
    moment = timezone.make_aware(dt.datetime.combine(day, dt.time(hour, rng.randrange(60), rng.randrange(60))))
    return moment if moment < now - 10 * MINUTE else None


class _Planner:
    def __init__(self, ctx, rng, now, writer):
        self.ctx, self.rng, self.now, self.writer = ctx, rng, now, writer

    def pick_sub(self, setting, month) -> str:
        codes, cumulative = self.ctx.sub_weights[setting, month]
        return self.rng.choices(codes, cum_weights=cumulative)[0]

    def plan(self, *, created, grid, sub, problem=None, core=None, spot=None, fate="normal", cluster=False,
             channel=None) -> _Plan:
        ctx, rng = self.ctx, self.rng
        setting = ctx.setting[grid.pk]
        month = timezone.localtime(created).month
        problem = problem or rng.choice([p for p in PROBLEMS[sub] if _fits(p[1], setting)])
        channel = channel or _weighted(rng, CHANNELS)
        if channel == Channel.PATROL and not problem[2]:
            channel = Channel.WEB  # a grid worker reports what can be seen on the spot
        if channel in OFFICE_CHANNELS and not _in_office(created):
            channel = rng.choice([Channel.WEB, Channel.QR])
        voice = _weighted(rng, RESIDENT_VOICES)
        if channel in (Channel.HOTLINE, Channel.PHONE) and rng.random() < 0.3:
            voice = "elderly"
        content, used_spot = self.writer.compose(problem=problem, sub=sub, setting=setting, grid=grid, voice=voice,
                                                 month=month, channel=channel, core=core, spot=spot)
        anonymous = channel == Channel.PATROL or rng.random() < 0.15
        return _Plan(
            created=created, grid=grid, setting=setting, sub=sub, problem=problem, channel=channel, voice=voice,
            content=content, spot=used_spot, address=f"{grid.township.name}{grid.community.name}{used_spot}",
            contact_name="" if anonymous else _contact(rng, voice),
            contact_phone="" if anonymous else _phone(rng),
            urgency=Urgency.URGENT if rng.random() < 0.05 else Urgency.NORMAL,
            is_public=rng.random() < 0.4, fate=fate, seed=rng.getrandbits(48), cluster=cluster,
        )

    def clusters(self, count: int) -> list[_Plan]:
        """Each township's common problems: one spot, one problem, told by neighbours in their own words once or
        twice in the month before last and three or four times in the last weeks (a rising hotspot)."""
        if count < CLUSTER_MIN_DEMANDS:
            return []
        ctx, rng = self.ctx, self.rng
        by_township = {}
        for grid in ctx.grids:
            by_township.setdefault(grid.township_id, []).append(grid)
        plans = []
        month = timezone.localtime(self.now).month
        for township_id in sorted(by_township):
            used = set()
            for _i in range(CLUSTERS_PER_TOWNSHIP):
                grid = rng.choice(by_township[township_id])
                setting = ctx.setting[grid.pk]
                choices = [(sub, p) for sub in CLUSTER_SUBS if sub in ctx.categories and sub not in used
                           for p in PROBLEMS[sub] if _fits(p[1], setting) and p[0] != "consultation"]
                # What the season brings: gas pressure in winter, water cuts in summer.
                sub, problem = rng.choices(choices, weights=[SEASONAL.get(c, {}).get(month, 1.0) ** 2
                                                             for c, _p in choices])[0]
                used.add(sub)
                core = rng.choice(problem[3])
                spot = self.writer.spot(setting, way="{way}" in core)
                end = rng.uniform(0.2, 8)
                days = [rng.uniform(end, end + rng.uniform(4, 20)) for _j in range(rng.randint(3, 4))]
                days += [rng.uniform(32, 56) for _j in range(rng.randint(1, 2))]
                for back in days:
                    day = timezone.localtime(self.now - dt.timedelta(days=back)).date()
                    moment = _arrival(rng, day, Channel.WEB, self.now) or self.now - dt.timedelta(days=back)
                    plans.append(self.plan(created=moment, grid=grid, sub=sub, problem=problem, core=core, spot=spot,
                                           cluster=True))
        return plans

    def background(self, count: int, taken: list[_Plan]) -> list[_Plan]:
        """`count` arrivals over the year, fewer on the days the common problems already fill."""
        ctx, rng, now = self.ctx, self.rng, self.now
        days = _day_weights(now)
        total = sum(w for _d, w in days)
        expected = count + len(taken)
        taken_per_day = {}
        for p in taken:
            day = timezone.localtime(p.created).date()
            taken_per_day[day] = taken_per_day.get(day, 0) + 1
        weights = [max(0.0, expected * w / total - taken_per_day.get(d, 0)) for d, w in days]
        # Each month gets its share exactly (largest remainders); the days within a month are drawn at random.
        months = {}
        for (day, _w), weight in zip(days, weights, strict=True):
            months.setdefault((day.year, day.month), []).append((day, weight))
        month_weights = {m: sum(w for _d, w in ds) for m, ds in months.items()}
        all_weight = sum(month_weights.values()) or 1.0
        shares = {m: count * w / all_weight for m, w in month_weights.items()}
        quota = {m: int(share) for m, share in shares.items()}
        for m in sorted(shares, key=lambda m: -(shares[m] - quota[m]))[: count - sum(quota.values())]:
            quota[m] += 1
        draws = []
        for m, ds in months.items():
            if quota[m]:
                draws += rng.choices([d for d, _w in ds], weights=[w for _d, w in ds], k=quota[m])
        plans, drawn = [], 0
        while len(plans) < count:
            day = draws[drawn] if drawn < len(draws) else rng.choices(days, weights=weights)[0][0]
            drawn += 1
            channel = _weighted(rng, CHANNELS)
            created = None
            for _attempt in range(8):  # today's arrivals are before now
                created = created or _arrival(rng, day, channel, now)
            if created is None:
                continue
            grid = rng.choice(ctx.grids)
            sub = self.pick_sub(ctx.setting[grid.pk], day.month)
            fate = "reject" if rng.random() < REJECT_SHARE else "normal"
            plans.append(self.plan(created=created, grid=grid, sub=sub, fate=fate, channel=channel))
        return plans

    def duplicates(self, plans: list[_Plan], count: int) -> list[_Plan]:
        """Repeats of demands received shortly before: same place and problem, other words."""
        rng, now = self.rng, self.now
        candidates = [p for p in plans if p.fate == "normal" and not p.cluster]
        result = []
        for target in rng.sample(candidates, min(count, len(candidates))):
            created = target.created + HOUR * rng.uniform(0.5, 30)
            if created >= now - HOUR:
                continue
            dup = self.plan(created=created, grid=target.grid, sub=target.sub, problem=target.problem,
                            spot=target.spot, fate="duplicate")
            dup.target = target
            result.append(dup)
        return result


def _in_office(moment: dt.datetime) -> bool:
    local = timezone.localtime(moment)
    return sla.is_working_day(local.date()) and 8.5 <= local.hour + local.minute / 60 < 17.5


# ---------------------------------------------------------------- walking a demand along its timeline


class _Stop(Exception):
    """The timeline reached now (or the state it was asked to stop in)."""


PIN_SALT = 0x5EED_9140
PINNED_SHARE = {Channel.WEB: 0.45, Channel.QR: 0.3, Channel.PATROL: 0.8}
MICRO_SALT = 0x3EC0_0617
MICRO_SHARE = 0.6  # of the demands placed in a grid, those that name the micro-grid too (a patrol always does)


def _point_in(grid, rng) -> tuple[Decimal, Decimal]:
    """A point in the middle half of the grid's boundary box (the demo's grids are rectangles), else near its centre."""
    try:
        ring = grid.polygon["coordinates"][0]
        lngs, lats = [float(p[0]) for p in ring], [float(p[1]) for p in ring]
        south, north, west, east = min(lats), max(lats), min(lngs), max(lngs)
    except (KeyError, IndexError, TypeError, ValueError):
        south, north = float(grid.lat) - 0.001, float(grid.lat) + 0.001
        west, east = float(grid.lng) - 0.001, float(grid.lng) + 0.001
    lat = south + (north - south) * rng.uniform(0.25, 0.75)
    lng = west + (east - west) * rng.uniform(0.25, 0.75)
    return Decimal(f"{lat:.6f}"), Decimal(f"{lng:.6f}")


class _Walk:
    """Walks one demand along its timeline, recording events as the services and sweeps would."""

    def __init__(self, ctx, plan: _Plan, now, quota: _Quota, stop_in: str | None = None):
        self.ctx, self.plan, self.now, self.quota, self.stop_in = ctx, plan, now, quota, stop_in
        self.rng = random.Random(plan.seed)
        self.events, self.orders = [], []
        self.clock = plan.created
        self.entered = {}  # status -> when the demand last entered it
        self.merge_event = None
        rng = self.rng
        category = ctx.categories[plan.sub]
        resident_chose_category = rng.random() < 0.45
        resident_chose_grid = plan.channel != Channel.HOTLINE and rng.random() < 0.75
        self.d = Demand(
            tracking_code=_code(rng), channel=plan.channel, type=plan.problem[0],
            category=category if resident_chose_category or plan.channel == Channel.PATROL else None,
            urgency=plan.urgency, content=plan.content, address=plan.address,
            township_id=plan.grid.township_id, community_id=plan.grid.community_id,
            grid=plan.grid if resident_chose_grid or plan.channel == Channel.PATROL else None,
            contact_name=plan.contact_name, contact_phone=plan.contact_phone, is_public=plan.is_public,
            status=Status.RECEIVED, created_at=plan.created, updated_at=plan.created,
        )
        # Some residents drop a pin on the map, and a patrol takes the device's position: drawn from a generator of
        # their own, so every other choice of the demo stays as it was.
        pin = random.Random(plan.seed ^ PIN_SALT)
        if pin.random() < PINNED_SHARE.get(plan.channel, 0):
            self.d.lat, self.d.lng = _point_in(plan.grid, pin)
        micro = random.Random(plan.seed ^ MICRO_SALT)
        choices = ctx.micro_grids.get(plan.grid.pk)
        if self.d.grid is not None and choices and (plan.channel == Channel.PATROL or micro.random() < MICRO_SHARE):
            self.d.micro_grid_id = micro.choice(choices)
        self.category = category
        self.township_kind = plan.grid.township.kind

    # -- time
    def at(self, moment: dt.datetime) -> None:
        """Move the clock to `moment`; escalations fall due on the way. Beyond now, the timeline stops."""
        moment = max(moment, self.clock + dt.timedelta(seconds=1))
        if self.d.status in HANDLING_STATES:
            self._escalate_until(min(moment, self.now))
        if moment > self.now - MINUTE:
            raise _Stop
        self.clock = moment

    def office(self, moment: dt.datetime) -> dt.datetime:
        """The first moment from `moment` when a centre is staffed: office hours, and on rest days a duty shift."""
        rng = self.rng
        local = timezone.localtime(moment)
        for _i in range(15):
            day = local.date()
            staffed = sla.is_working_day(day) or rng.random() < 0.35
            hour = local.hour + local.minute / 60
            if staffed and 8.5 <= hour < 17.5:
                return local
            if staffed and hour < 8.5:
                return local.replace(hour=8, minute=30) + MINUTE * rng.uniform(0, 90)
            local = (local + dt.timedelta(days=1)).replace(hour=8, minute=30) + MINUTE * rng.uniform(0, 90)
        return local

    def _escalate_until(self, end: dt.datetime) -> None:
        from .escalation import LEVEL_FIELDS, LEVEL_LABELS, SUPERVISED

        d = self.d
        for level, field in LEVEL_FIELDS.items():
            moment = getattr(d, field)
            if level <= d.escalation_level or moment is None:
                continue
            when = moment + MINUTE * self.rng.uniform(1, 8)  # the sweep runs every few minutes
            if when >= end:
                break
            d.escalation_level = level
            self.events.append(self._event(Action.ESCALATE, None, SYSTEM, d.status, d.status, at=when,
                                           note=str(LEVEL_LABELS[level]), public=False,
                                           data={"level": level, "deadline": d.resolve_deadline.isoformat()}))
            if level == SUPERVISED:
                self.orders.append(SupervisionOrder(
                    source=SupervisionOrder.Source.ESCALATION, created_at=when,
                    note=_("One working day past the deadline: supervised automatically."),
                    due_date=timezone.localtime(sla.add_working_days(when, 1)).date()))

    # -- events
    def _event(self, action, actor, kind, from_status, to_status, *, note="", data=None, public=True, at=None):
        # Plain rows, not model instances: building hundreds of thousands of instances would dominate the run.
        kind = kind if actor or kind != USER else SYSTEM  # a unit without a login: the system acted
        return SimpleNamespace(
            demand_id=None, actor_id=actor.pk if actor else None, actor_kind=kind,
            actor_label=self.ctx.label(actor, kind), action=action, from_status=from_status, to_status=to_status,
            note=note, data=data or {}, public=public, created_at=at or self.clock)

    def step(self, action, actor=None, *, kind=USER, note="", data=None, public=True):
        d = self.d
        first = not self.events
        from_status = "" if first else d.status
        d.status = Status.RECEIVED if first else target_of(action, from_status)
        event = self._event(action, actor, kind, from_status, d.status, note=note, data=data, public=public)
        self.events.append(event)
        d.updated_at = self.clock
        if d.status != from_status:
            self.entered[d.status] = self.clock
            if self.stop_in == d.status:
                raise _Stop
        return event

    # -- who
    def dispatcher(self):
        return self.ctx.dispatcher_for(self.d.township_id)

    def unit_user(self, unit=None):
        unit = unit or self.d.unit
        if isinstance(unit, Grid):
            return self.ctx.grid_worker.get(unit.pk)
        if isinstance(unit, Department):
            return self.ctx.handler.get(unit.pk)
        return self.ctx.deputy_user.get(unit.pk)

    def pick_unit(self, exclude=None):
        d, rng, ctx = self.d, self.rng, self.ctx
        departments = [u for u in ctx.departments_by_category.get(d.category_id) or [] if u != exclude]
        roll = rng.random()
        deputies = ctx.deputies_by_township.get(d.township_id)
        if roll < 0.04 and deputies:
            return rng.choice(deputies)
        if (roll < 0.6 or not departments) and d.grid != exclude:
            return d.grid
        return rng.choice(departments) if departments else d.grid

    def set_unit(self, unit):
        d = self.d
        d.unit_grid = unit if isinstance(unit, Grid) else None
        d.unit_department = unit if isinstance(unit, Department) else None
        d.unit_deputy = unit if isinstance(unit, Deputy) else None
        d.dispatched_at = self.clock
        d.accept_deadline, d.resolve_deadline = self.ctx.deadlines(d.type, d.urgency, self.clock)
        d.warn_at, d.supervise_at = sla.escalation_times(self.clock, d.resolve_deadline)
        d.escalation_level = 0
        d.accept_reminded = False
        d.accepted_by = d.accepted_at = None

    def clear_unit(self):
        d = self.d
        d.unit_grid = d.unit_department = d.unit_deputy = None
        d.dispatched_at = d.accept_deadline = d.resolve_deadline = d.warn_at = d.supervise_at = None
        d.escalation_level = 0
        d.accepted_by = d.accepted_at = None

    @staticmethod
    def unit_data(unit) -> dict:
        return {"unit": str(unit), "unit_kind": type(unit).__name__.lower(), "unit_id": unit.pk}

    # -- actions
    def classify(self, *, automatic=False):
        d = self.d
        d.category = self.category
        d.grid = d.grid or self.plan.grid
        note = _("Classified automatically: the classifier is %(percent)s%% sure.") % {
            "percent": self.rng.randint(86, 98)} if automatic else ""
        self.step(Action.CLASSIFY, None if automatic else self.dispatcher(), kind=SYSTEM if automatic else USER,
                  note=note, data={"type": d.type, "category": d.category.code, "urgency": d.urgency,
                                   "grid": d.grid.code})

    def dispatch(self, *, automatic=False, exclude=None):
        unit = self.ctx.auto_unit(self.category, self.d.grid) if automatic else self.pick_unit(exclude)
        self.set_unit(unit)
        note = ""
        if automatic:
            reason = (_("a grid-level matter, sent to the grid where it is") if isinstance(unit, Grid)
                      else _("the only department handling this category"))
            note = _("Dispatched automatically: %(reason)s.") % {"reason": reason}
        self.step(Action.DISPATCH, None if automatic else self.dispatcher(), kind=SYSTEM if automatic else USER,
                  note=note, data=self.unit_data(unit))

    def accept(self):
        d, rng = self.d, self.rng
        slow = rng.random() < 0.06
        urgent = d.urgency == Urgency.URGENT
        delay = HOUR * (rng.uniform(0.1, 1.5) if urgent else rng.uniform(20, 40) if slow else rng.uniform(0.1, 5))
        self.at(self.clock + delay if urgent else self.office(self.clock + delay))
        user = self.unit_user()
        d.accepted_by, d.accepted_at = user, self.clock
        d.accept_reminded = d.accept_deadline is not None and self.clock > d.accept_deadline
        self.step(Action.ACCEPT, user, data={"unit": str(d.unit)})

    def resolve(self, outcome: str):
        d, rng = self.d, self.rng
        window = d.resolve_deadline - d.dispatched_at
        late = rng.random() > self.ctx.performance[d.township_id].on_time
        # Late ones overshoot by up to four fifths of the window, so that on any day a few open demands are overdue.
        share = 1 + rng.uniform(0.03, 0.8) if late else rng.uniform(0.15, 0.95)
        due = d.dispatched_at + window * share
        if rng.random() < 0.3:
            note_at = self.clock + (due - self.clock) * rng.uniform(0.2, 0.6)
            if note_at > self.clock:
                self.at(note_at)
                self.step(Action.NOTE, self.unit_user(), note=rng.choice(PROGRESS_NOTES), public=rng.random() < 0.5)
        self.at(max(due, self.clock + HOUR * rng.uniform(0.3, 2)))
        d.outcome = outcome
        if d.type == "consultation":
            pool = CONSULTATION_REPLIES
        elif outcome == Outcome.SOLVED:
            pool = SOLVED_REPLIES.get(self.plan.sub, []) * 3 + REPLIES["solved"]
        else:
            pool = REPLIES[outcome]
        d.reply = _for_place(rng.choice(pool), self.plan.setting, self.township_kind)
        d.resolved_at = self.clock
        d.resolved_by_grid = d.unit_grid is not None
        d.answered_in_24h = d.answered_in_24h or self.clock - d.created_at <= ANSWER_WITHIN
        user = self.unit_user()
        for order in self.orders:
            if order.answered_at is None:
                order.answer, order.answered_by, order.answered_at = d.reply, user, self.clock
        self.step(Action.RESOLVE, user, note=d.reply, data={"outcome": outcome, "unit": str(d.unit),
                                                            "reply_flags": []})
        if self.ctx.auto_verified(d.type, d.urgency):
            self.verify(automatic=True)

    def verify(self, *, automatic=False):
        d = self.d
        actor, kind, note, data = None, SYSTEM, _("Verified automatically by policy for this type."), {"policy": True}
        if not automatic:
            self.at(self.office(self.clock + HOUR * self.rng.uniform(2, 60)))
            actor, kind, note, data = self.ctx.supervisor, USER, "", None
        d.verified_at = self.clock
        # What secrets.token_urlsafe(24) gives the service, drawn from the seeded generator.
        d.rating_token = base64.urlsafe_b64encode(self.rng.getrandbits(192).to_bytes(24, "big")).decode()
        d.rating_reminders_sent = 0
        self.step(Action.VERIFY, actor, kind=kind, note=note, data=data)

    def rated_at(self) -> dt.datetime:
        rng = self.rng
        roll = rng.random()
        hours = rng.uniform(0.5, 24) if roll < 0.6 else rng.uniform(24, 72) if roll < 0.88 else rng.uniform(72, 160)
        return self.d.verified_at + HOUR * hours

    def rate(self, rating: str, *, comment=True):
        d, rng = self.d, self.rng
        moment = self.rated_at()
        self.at(moment)
        d.rating_reminders_sent = sum(1 for delay in RATING_REMINDERS if d.verified_at + delay <= moment)
        d.rating = rating
        d.rating_comment = rng.choice(RATING_COMMENTS[rating]) if comment and rng.random() < 0.6 else ""
        d.rated_at = d.closed_at = self.clock
        d.rating_token = ""
        if rating == Rating.DISSATISFIED:
            d.dissatisfied_count += 1
            d.flagged = d.flagged or d.dissatisfied_count >= 2
        via = "rating_link" if rng.random() < 0.7 else "tracking_code"
        self.step(Action.RATE, None, kind=RESIDENT, note=d.rating_comment, data={"rating": rating, "via": via})

    def reopen(self, actor, reason):
        d = self.d
        unit = d.unit
        d.rework_count += 1
        for f in ("outcome", "reply", "rating", "rating_comment", "rating_token"):
            setattr(d, f, "")
        d.resolved_at = d.verified_at = d.rated_at = d.closed_at = None
        d.resolved_by_grid = False
        self.set_unit(unit)
        self.step(Action.REOPEN, actor, kind=USER if actor else SYSTEM, note=reason,
                  data={**self.unit_data(unit), "rework": d.rework_count})

    def finish(self):
        """What the sweeps would have recorded by now."""
        d = self.d
        if d.status in HANDLING_STATES:
            self._escalate_until(self.now)
        if d.status == Status.VERIFIED:
            d.rating_reminders_sent = sum(1 for delay in RATING_REMINDERS if d.verified_at + delay <= self.now)
        if d.status == Status.DISPATCHED and d.accept_deadline and d.accept_deadline <= self.now:
            d.accept_reminded = True


FORWARD_NOTES = [
    "个案问题，需职能部门现场处置，请快处中心派单，本人跟进。",
    "涉及多个部门，请中心统筹派单，我会持续关注办理结果。",
    "已向群众了解情况，属于部门职责，转交派单办理。",
]


def _final_plan(w: _Walk) -> tuple[str, str, bool]:
    """(final outcome, final rating or "" for unrated, rated dissatisfied once before), by the township's quotas.

    Decided once per plan and with its own generator, so that walking the plan again takes the same path."""
    if w.plan.final is not None:
        return w.plan.final
    w.plan.final = _decide_final(w)
    return w.plan.final


def _decide_final(w: _Walk) -> tuple[str, str, bool]:
    township, quota, rng = w.d.township_id, w.quota, random.Random(w.plan.seed + 1)
    perf = w.ctx.performance[township]
    solved = quota((township, "solved"), perf.solved)
    outcome = Outcome.SOLVED if solved else (Outcome.EXPLAINED if rng.random() < 0.7 else Outcome.UNSOLVABLE)
    if quota((township, "unrated"), UNRATED_SHARE):
        return outcome, "", rng.random() < FIRST_DISSATISFIED_SHARE
    # Unsolved outcomes are more often rated "dissatisfied"; the shares still add up to the township's target.
    dissatisfied = 1 - perf.satisfied
    if_unsolved = min(0.45, 2.5 * dissatisfied)
    if_solved = max(0.0, (dissatisfied - (1 - perf.solved) * if_unsolved) / perf.solved)
    if quota((township, "dissatisfied", solved), if_solved if solved else if_unsolved):
        return outcome, Rating.DISSATISFIED, True
    rating = Rating.SATISFIED if rng.random() < 0.8 else Rating.BASICALLY_SATISFIED
    return outcome, rating, rng.random() < FIRST_DISSATISFIED_SHARE


def _lifecycle(w: _Walk) -> None:
    d, rng, ctx, plan = w.d, w.rng, w.ctx, w.plan
    receiver = None
    kind = RESIDENT
    if plan.channel == Channel.PATROL:
        receiver, kind = ctx.grid_worker.get(plan.grid.pk), USER
    elif plan.channel in (Channel.PHONE, Channel.WALK_IN, Channel.HOTLINE):
        receiver, kind = w.dispatcher(), USER
    elif plan.channel == Channel.DEPUTY:
        # 代表网格通: one of the township's deputies with an account; chosen from the seed, not the walk's generator,
        # so the rest of the demo stays as it was.
        reporters = ctx.deputy_reporters.get(d.township_id)
        if reporters:
            receiver, kind = reporters[plan.seed % len(reporters)], USER
    if receiver is not None and plan.channel in (Channel.PATROL, Channel.PHONE, Channel.WALK_IN, Channel.DEPUTY):
        d.submitted_by = receiver  # typed in by staff for the resident (代录, 巡查上报, 代表上报)
    w.step(Action.RECEIVE, receiver, kind=kind if receiver else RESIDENT, data={"channel": d.channel})

    if plan.fate == "duplicate":
        target = plan.target.d
        w.at(w.office(w.clock + HOUR * rng.uniform(0.1, 3)))
        d.merged_into, d.closed_at = target, w.clock
        w.merge_event = w.step(Action.MERGE, w.dispatcher(), data={"into": None})
        return
    if plan.fate == "reject":
        w.at(w.office(w.clock + HOUR * rng.uniform(0.2, 6)))
        d.closed_at = w.clock
        w.step(Action.REJECT, w.dispatcher(), note=rng.choice(REJECT_REASONS))
        return
    # Drawn from the seed, not the walk's generator, so the demo's other demands stay as they were.
    if plan.fate == "normal" and plan.channel in RESIDENT_CHANNELS and (plan.seed >> 9) % 1000 < WITHDRAW_PER_MILLE:
        w.at(w.clock + HOUR * (0.3 + (plan.seed >> 20) % 40 / 4))  # a later moment still to come stops the walk
        d.closed_at = w.clock
        w.step(Action.WITHDRAW, None, kind=RESIDENT, note=WITHDRAW_REASONS[(plan.seed >> 30) % len(WITHDRAW_REASONS)],
               data={"unit": ""})
        return

    outcome, rating, dissatisfied_first = _final_plan(w)
    deputies = ctx.deputies_by_township.get(d.township_id)
    routed = deputies and plan.channel in (Channel.WEB, Channel.QR) and rng.random() < ROUTED_SHARE
    forwarded = False
    if routed:
        deputy = rng.choice(deputies)
        d.channel, d.addressed_deputy = Channel.QR, deputy
        w.at(w.clock + dt.timedelta(seconds=rng.uniform(2, 30)))
        w.set_unit(deputy)
        w.step(Action.ROUTE, None, kind=SYSTEM, data=w.unit_data(deputy))
        forwarded = rng.random() < 0.35
        if forwarded:
            w.at(w.clock + HOUR * rng.uniform(0.5, 12))
            user = w.unit_user()
            w.clear_unit()
            w.step(Action.FORWARD, user, note=rng.choice(FORWARD_NOTES), data={"unit": str(deputy)})
    if not routed or forwarded:
        automatic = (not forwarded and d.channel in (Channel.WEB, Channel.QR) and d.grid is not None
                     and d.urgency == Urgency.NORMAL and rng.random() < AUTO_ROUTED_SHARE
                     and ctx.auto_unit(w.category, d.grid) is not None)
        if automatic:
            w.at(w.clock + dt.timedelta(seconds=rng.uniform(1, 20)))
        else:
            roll = rng.random()  # most within the hour or two, some wait for a busy centre
            w.at(w.office(w.clock + HOUR * (rng.uniform(0.1, 2) if roll < 0.55 else rng.uniform(2, 8) if roll < 0.85
                                            else rng.uniform(8, 30))))
        w.classify(automatic=automatic)
        if not automatic:
            w.at(w.clock + HOUR * rng.uniform(0.02, 1.2))
        w.dispatch(automatic=automatic)
        if rng.random() < RETURN_SHARE:
            w.at(w.office(w.clock + HOUR * rng.uniform(0.5, 8)))
            unit = d.unit
            d.return_count += 1
            user = w.unit_user(unit)
            w.clear_unit()
            w.step(Action.RETURN, user, note=rng.choice(RETURN_REASONS), public=False,
                   data={"unit": str(unit), "returns": d.return_count, "to_district": False})
            w.at(w.office(w.clock + HOUR * rng.uniform(0.2, 3)))
            w.dispatch(exclude=unit)

    w.accept()
    if rng.random() < SUPERVISOR_REOPEN_SHARE and not ctx.auto_verified(d.type, d.urgency):
        # Supervision finds the result wanting and orders the unit to handle it again.
        w.resolve(Outcome.SOLVED if rng.random() < 0.5 else Outcome.EXPLAINED)
        w.at(w.office(w.clock + HOUR * rng.uniform(2, 30)))
        w.reopen(ctx.supervisor, rng.choice(REOPEN_REASONS))
        w.accept()
    if dissatisfied_first:
        w.resolve(Outcome.SOLVED if rng.random() < 0.6 else Outcome.EXPLAINED)
        if d.status == Status.RESOLVED:
            w.verify()
        w.rate(Rating.DISSATISFIED)
        # A first "dissatisfied" reopens the demand to the same unit at once.
        w.reopen(None, _("The resident was not satisfied; the demand is handled again."))
        w.accept()
    w.resolve(outcome)
    if d.status == Status.RESOLVED:
        w.verify()
    if not rating:
        w.at(d.verified_at + RATING_WINDOW + MINUTE * rng.uniform(1, 20))
        d.closed_at = w.clock
        d.rating_token = ""
        d.rating_reminders_sent = len(RATING_REMINDERS)
        w.step(Action.EXPIRE_RATING, None, kind=SYSTEM)
        return
    w.rate(rating)


def _walk(ctx, plan, now, quota, stop_in=None) -> _Walk:
    w = _Walk(ctx, plan, now, quota, stop_in=stop_in)
    try:
        _lifecycle(w)
    except _Stop:
        pass
    w.finish()
    return w


def _merge_target_open(walk: _Walk, moment: dt.datetime) -> bool:
    d = walk.d
    return (d.merged_into is None and d.status not in (Status.REJECTED, Status.WITHDRAWN)
            and (d.closed_at is None or d.closed_at > moment))


# ---------------------------------------------------------------- writing


def _insert(walks: list[_Walk]) -> None:
    demands = [w.d for w in walks]
    for d in demands:
        d.merged_into_id = None  # set below, once the demand it repeats has its id
    insert_objects(Demand, demands)
    ids = {}
    codes = [d.tracking_code for d in demands]
    for start in range(0, len(codes), 900):  # stay under SQLite's bound-parameter limit
        ids.update(Demand.objects.filter(tracking_code__in=codes[start : start + 900]).values_list("tracking_code", "id"))
    for d in demands:
        d.pk = ids[d.tracking_code]
    merged = []
    for w in walks:
        if w.plan.fate == "duplicate" and w.d.status == Status.MERGED:
            w.d.merged_into = w.plan.target.d
            w.d.merged_into_id = w.plan.target.d.pk
            w.merge_event.data = {"into": w.d.merged_into_id}
            merged.append(w.d)
    if merged:
        Demand.objects.bulk_update(merged, ["merged_into"], batch_size=500)
    events, orders = [], []
    for w in walks:
        for e in w.events:
            e.demand_id = w.d.pk
        events.extend(sorted(w.events, key=lambda e: e.created_at))
        for order in w.orders:
            order.demand_id = w.d.pk
            order.created_by = None
            orders.append(order)
    insert_objects(DemandEvent, events)
    SupervisionOrder.objects.bulk_create(orders, batch_size=500)


COVERED = [Status.RECEIVED, Status.CLASSIFIED, Status.DISPATCHED, Status.ACCEPTED, Status.RESOLVED, Status.VERIFIED]


def _cover_every_state(ctx, walks: list[_Walk], counts: Counter, now, quota, least: int) -> None:
    """Every open state on the workbench: where the timelines left fewer than `least` demands in one (a small
    demo, or a quiet hour), the latest demands that passed through it are stopped there, as if their handler were
    a little slower. `counts` are the states written so far."""
    repeated = {id(w.plan.target) for w in walks if w.plan.fate == "duplicate"}
    stopped = set()
    for status in COVERED:
        while counts[status] < least:
            candidates = [i for i, w in enumerate(walks)
                          if status in w.entered and w.d.status != status and i not in stopped
                          and w.plan.fate == "normal"
                          and id(w) not in repeated
                          and counts[w.d.status] > (least if w.d.status in COVERED else 1)]
            if not candidates:
                break
            i = max(candidates, key=lambda i: walks[i].entered[status])
            stopped.add(i)
            counts[walks[i].d.status] -= 1
            walks[i] = _walk(ctx, walks[i].plan, now, quota, stop_in=status)
            counts[walks[i].d.status] += 1


def generate_demands(count: int, *, seed: int = 2026, batch: int = 2000) -> int:
    """Add `count` demands received over the past year, with their histories; returns how many were written."""
    if count <= 0:
        return 0
    ctx = _Context()
    if not ctx.grids or not ctx.sub_codes:
        raise RuntimeError("Seed places and categories before demo demands.")
    rng = random.Random(seed * 1_000_003 + Demand.objects.count())
    now = timezone.now()
    writer = _Writer(rng, set(Demand.objects.values_list("content", flat=True)))
    planner = _Planner(ctx, rng, now, writer)
    clusters = planner.clusters(count)[:count]
    duplicates_wanted = round((count - len(clusters)) * DUPLICATE_SHARE)
    plans = planner.background(count - len(clusters) - duplicates_wanted, clusters) + clusters
    plans += planner.duplicates(plans, duplicates_wanted)
    while len(plans) < count:  # a duplicate that would have arrived in the future
        plans += planner.background(count - len(plans), [])
    plans.sort(key=lambda p: p.created)

    repeated = {id(p.target) for p in plans if p.fate == "duplicate"}
    walk_of = {}  # the walks of demands that a later one repeats, and only those: a large demo is held in batches
    counts = Counter()
    quota = _Quota()
    written = 0
    for start in range(0, len(plans), batch):
        walks = []
        for plan in plans[start : start + batch]:
            if plan.fate == "duplicate":
                target = walk_of.get(id(plan.target))
                # The dispatcher merges it within hours; the demand it repeats must still be open then.
                if target is None or not _merge_target_open(target, plan.created + dt.timedelta(days=2)):
                    plan.fate = "normal"
                else:
                    plan.target = target
            w = _walk(ctx, plan, now, quota)
            if id(plan) in repeated:
                walk_of[id(plan)] = w
            walks.append(w)
            counts[w.d.status] += 1
        if start + batch >= len(plans):
            _cover_every_state(ctx, walks, counts, now, quota, least=min(3, max(1, count // 1000)))
        with transaction.atomic():
            _insert(walks)
        written += len(walks)
    return written
