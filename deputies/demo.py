"""Demo duty archive: terms, congress sessions, inspections, reception days, and the records demand events imply."""

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from demands.demo_content import SURNAMES
from demands.models import DemandEvent

from .models import Deputy, DutyRecord, Reception, Station, Term
from .receivers import TITLES, demand_detail, kind_of
from .schedule import next_reception_dates

TERMS = [
    ("巴州区第十八届人民代表大会", dt.date(2017, 1, 1), dt.date(2021, 12, 31)),
    ("巴州区第十九届人民代表大会", dt.date(2022, 1, 1), dt.date(2026, 12, 31)),
]
SESSION_NUMBERS = "一二三四五"

INSPECTIONS = [
    "参加区人大常委会组织的城区背街小巷改造提升视察",
    "调研农村饮水安全工程运行管护情况",
    "视察义务教育学校校舍安全和食堂管理",
    "参加巴河流域水污染防治法执法检查",
    "调研乡村振兴衔接资金项目实施情况",
    "视察城区老旧小区改造和电梯加装工作",
    "调研农村客运班线运营和群众出行情况",
    "参加食品安全法贯彻实施情况执法检查",
    "视察基层医疗卫生机构服务能力建设",
    "调研城乡居民养老保险参保缴费情况",
    "视察城区停车泊位建设和交通秩序整治",
    "参加区人大常委会对民生实事项目推进情况的专题询问",
]
MEETINGS = [
    "列席区人大常委会第{n}次会议",
    "参加代表小组活动，学习新修订的《代表法》",
    "参加代表履职培训班",
    "出席{township}人大主席团召开的代表座谈会",
]
TOPICS = [
    "反映小区老旧电梯频繁故障，希望加快更新改造",
    "反映村道狭窄会车困难，建议增设错车道",
    "询问城乡居民医保缴费标准和报销比例",
    "反映菜市场周边占道经营、噪音扰民",
    "建议在学校门口增设减速带和护学岗",
    "反映集中供水点水压不足，高峰时段停水",
    "询问高龄津贴和养老服务补贴申领办法",
    "反映农产品销售难，希望搭建电商销售渠道",
    "反映小区化粪池满溢、污水外溢",
    "建议增开农村客运班次，方便赶场和就医",
    "反映务工工资被拖欠，请求帮助维权",
    "询问残疾人两项补贴的申请条件",
]
VISITORS = ["{surname}大爷等{n}人", "{surname}女士等{n}人", "附近居民{n}人", "{n}名村民代表", "赶场群众{n}人",
            "小区业主代表{n}人"]


def _records_from_demand_events() -> int:
    """The duty records the receiver writes for live actions, for the histories the demo inserted in bulk."""
    deputy_of = dict(User.objects.filter(role=Role.DEPUTY, deputy__isnull=False).values_list("pk", "deputy_id"))
    rows = []
    events = (DemandEvent.objects.filter(actor_id__in=list(deputy_of), action__in=list(TITLES))
              .select_related("demand__category").iterator(chunk_size=2000))
    for e in events:
        rows.append(DutyRecord(
            deputy_id=deputy_of[e.actor_id], kind=kind_of(e.action), occurred_on=timezone.localdate(e.created_at),
            title=str(TITLES[e.action](e.demand.public_no)),
            detail=demand_detail(e.demand),
            source="demand_event", source_id=e.pk, created_at=e.created_at,
        ))
    DutyRecord.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def _sessions_and_inspections(rng: random.Random, today: dt.date) -> list[DutyRecord]:
    rows = []
    deputies = list(Deputy.objects.filter(is_active=True).select_related("township"))
    for year in range(2022, today.year + 1):
        n = SESSION_NUMBERS[year - 2022] if year - 2022 < len(SESSION_NUMBERS) else str(year - 2021)
        session_day = dt.date(year, 1, 8 + rng.randrange(10))
        for deputy in deputies:
            if session_day <= today and rng.random() < 0.96:
                if deputy.level == Deputy.Level.TOWNSHIP:
                    title = f"出席{deputy.township.name}第十九届人民代表大会第{n}次会议"
                else:
                    title = f"出席巴州区第十九届人民代表大会第{n}次会议"
                rows.append(DutyRecord(deputy=deputy, kind=DutyRecord.Kind.MEETING, occurred_on=session_day,
                                       title=title, detail="审议政府工作报告、计划和预算报告，参加民生实事项目票决。"))
            for _i in range(rng.choice([0, 1, 1, 2, 3])):
                day = dt.date(year, rng.randint(3, 12), rng.randint(1, 28))
                if day <= today:
                    rows.append(DutyRecord(deputy=deputy, kind=DutyRecord.Kind.INSPECTION, occurred_on=day,
                                           title=rng.choice(INSPECTIONS)))
            if rng.random() < 0.5:
                day = dt.date(year, rng.randint(2, 12), rng.randint(1, 28))
                if day <= today:
                    title = rng.choice(MEETINGS).format(n=rng.randint(20, 38), township=deputy.township.name)
                    rows.append(DutyRecord(deputy=deputy, kind=DutyRecord.Kind.MEETING, occurred_on=day, title=title))
    return rows


def _receptions(rng: random.Random, today: dt.date) -> int:
    written = 0
    start = today - dt.timedelta(days=150)
    for station in Station.objects.filter(is_active=True).prefetch_related("members"):
        members = list(station.members.all())
        if not members:
            continue
        for day in next_reception_dates(station, today=start, count=40):
            if day >= today or rng.random() < 0.3:
                continue
            receiving = rng.sample(members, k=min(len(members), rng.randint(1, 3)))
            count = rng.randint(2, 16)
            topics = "；".join(rng.sample(TOPICS, k=rng.randint(1, 3)))
            reception = Reception.objects.create(
                station=station, held_on=day, visitor_count=count,
                visitors=rng.choice(VISITORS).format(n=count, surname=rng.choice(SURNAMES)),
                topics=topics)
            reception.deputies.set(receiving)
            DutyRecord.objects.bulk_create([
                DutyRecord(deputy=d, kind=DutyRecord.Kind.RECEPTION, occurred_on=day,
                           title=f"在{station.name}接待选民", detail=f"来访 {count} 人次。{topics}",
                           source="reception", source_id=reception.pk)
                for d in receiving], ignore_conflicts=True)
            written += 1
    return written


def seed_terms() -> None:
    for name, starts_on, ends_on in TERMS:
        Term.objects.update_or_create(name=name, defaults={"starts_on": starts_on, "ends_on": ends_on})


@transaction.atomic  # one commit, not one per reception: thousands of fsyncs would dominate the seed
def seed_demo(*, seed: int = 2026) -> dict:
    """Idempotent: hand-written kinds and receptions are added once; demand records are keyed by their event."""
    seed_terms()
    rng = random.Random(seed)
    today = timezone.localdate()
    written = {"demand": _records_from_demand_events()}
    if not DutyRecord.objects.filter(kind__in=[DutyRecord.Kind.MEETING, DutyRecord.Kind.INSPECTION]).exists():
        rows = _sessions_and_inspections(rng, today)
        DutyRecord.objects.bulk_create(rows, batch_size=1000)
        written["sessions_and_inspections"] = len(rows)
    if not Reception.objects.exists():
        written["receptions"] = _receptions(rng, today)
    return written
