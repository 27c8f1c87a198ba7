"""Demo duty archive: terms, congress sessions, inspections, reception days, and the records demand events imply;
then last year's groups, links, constituent contacts and yearly reports with their ratings."""

import datetime as dt
import random

from django.db import models, transaction
from django.utils import timezone

from accounts.models import Role, User
from demands.demo_content import SURNAMES
from demands.models import DemandEvent

from .models import (AnnualReport, AnnualReportEvent, ConstituentContact, ContactLink, Deputy, DeputyGroup, DutyRecord,
                     GroupActivity, Reception, ReportRating, ScoreRule, Station, Term)
from .receivers import TITLES, demand_detail, kind_of
from .schedule import next_reception_dates
from .states import ReportAction, ReportStatus

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


# ---------------------------------------------------------------- accountability: groups, links, contacts, 述职

SECTORS = [
    ("农业农村行业代表小组", "农业农村", ("种植", "养殖", "合作社", "家庭农场", "农技", "茶叶", "村")),
    ("教育卫生行业代表小组", "教育卫生", ("教师", "校长", "医生", "医师", "幼儿园")),
    ("工商企业行业代表小组", "工商企业", ("企业", "个体", "电商", "餐饮", "快递", "物业", "律师")),
]
GROUP_ACTIVITIES = [
    (GroupActivity.Kind.MEETING, "集中学习新修订的《代表法》和代表履职规范"),
    (GroupActivity.Kind.INSPECTION, "视察辖区民生实事项目推进情况"),
    (GroupActivity.Kind.RECEPTION, "进站开展集中接待选民活动"),
    (GroupActivity.Kind.INSPECTION, "调研农村饮水安全和道路养护情况"),
    (GroupActivity.Kind.MEETING, "围绕群众反映集中的问题讨论形成代表建议"),
    (GroupActivity.Kind.INSPECTION, "开展食品安全专题调研"),
]
COMMENTS = ["希望继续关注小区加装电梯", "村道修好了，谢谢代表", "接待日能不能多安排在周末", "希望多来村里走走",
            "建议的落实情况希望再公开一些", ""]


def _report_body(deputy, year: int, counts: dict) -> str:
    """A report consistent with the archive: the figures are the deputy's own counts for the year."""
    c = {k: counts.get(k, 0) for k in DutyRecord.Kind.values}
    return (f"{year}年，我认真履行{deputy.get_level_display()}人大代表职责。全年参加会议{c['meeting']}次，"
            f"参加视察调研{c['inspection']}次，进站接待选民{c['reception']}次，提出代表建议{c['suggestion']}件，"
            f"办理和跟踪群众诉求{c['demand']}件，走访中发现并上报问题{c['report']}件。"
            "下一步，我将继续深入联系网格，定期进站接待，把群众反映集中的问题转化为代表建议，"
            "跟踪有关部门办理落实，接受选民监督。")


def _groups(rng: random.Random, year: int) -> int:
    deputies = list(Deputy.objects.filter(is_active=True).select_related("township"))
    by_township: dict = {}
    for d in deputies:
        by_township.setdefault(d.township, []).append(d)
    groups = []
    for township, members in by_township.items():
        leader = next((d for d in members if d.level == Deputy.Level.COUNTY), members[0])
        group, _ = DeputyGroup.objects.get_or_create(name=f"{township.name}代表小组", defaults={
            "kind": DeputyGroup.Kind.TOWNSHIP, "township": township, "leader": leader})
        group.members.set(members)
        groups.append(group)
    for name, sector, words in SECTORS:
        members = [d for d in deputies if d.level != Deputy.Level.TOWNSHIP and any(w in d.occupation for w in words)]
        if not members:
            continue
        group, _ = DeputyGroup.objects.get_or_create(name=name, defaults={
            "kind": DeputyGroup.Kind.SECTOR, "sector": sector, "leader": members[0]})
        group.members.set(members)
        groups.append(group)
    written = 0
    for group in groups:
        members = list(group.members.all())
        for kind, title in rng.sample(GROUP_ACTIVITIES, k=rng.randint(3, 5)):
            day = dt.date(year, rng.randint(2, 12), rng.randint(1, 28))
            present = rng.sample(members, k=max(1, int(len(members) * rng.uniform(0.6, 1.0))))
            activity = GroupActivity.objects.create(group=group, held_on=day, kind=kind, title=title)
            activity.participants.set(present)
            DutyRecord.objects.bulk_create([
                DutyRecord(deputy=d, kind=kind, occurred_on=day, title=f"{group.name}：{title}",
                           source="group_activity", source_id=activity.pk) for d in present], ignore_conflicts=True)
            written += 1
    return written


def _links_and_contacts(rng: random.Random) -> None:
    deputies = list(Deputy.objects.filter(is_active=True).prefetch_related("grids"))
    county = [d for d in deputies if d.level == Deputy.Level.COUNTY]
    grassroots = [d for d in deputies if d.level == Deputy.Level.TOWNSHIP]
    members = county[::6]  # about one county deputy in six sits on the standing committee
    Deputy.objects.filter(pk__in=[d.pk for d in members]).update(is_standing_member=True)
    if members:
        ContactLink.objects.bulk_create([ContactLink(member=members[i % len(members)], deputy=d)
                                         for i, d in enumerate(grassroots)], ignore_conflicts=True)
    rows = []
    for d in deputies:
        for grid in d.grids.all():
            if rng.random() < 0.9:
                rows.append(ConstituentContact(deputy=d, grid=grid, households=rng.randint(3, 18)))
    ConstituentContact.objects.bulk_create(rows, ignore_conflicts=True)


def _annual_reports(rng: random.Random, year: int) -> int:
    deputies = list(Deputy.objects.filter(is_active=True).select_related("township"))
    counts: dict = {}
    for r in (DutyRecord.objects.filter(occurred_on__year=year).order_by().values("deputy_id", "kind")
              .annotate(n=models.Count("id"))):
        counts.setdefault(r["deputy_id"], {})[r["kind"]] = r["n"]
    published_at = timezone.make_aware(dt.datetime(year + 1, 1, 20, 10))
    written = 0
    for d in deputies:
        if rng.random() < 0.12:  # a few have not reported yet
            continue
        closed = rng.random() < 0.5
        report = AnnualReport.objects.create(
            deputy=d, year=year, body=_report_body(d, year, counts.get(d.pk, {})),
            status=ReportStatus.CLOSED if closed else ReportStatus.PUBLISHED, published_at=published_at,
            created_at=published_at - dt.timedelta(days=5), updated_at=published_at)
        steps = [(ReportAction.WRITE, "", ReportStatus.DRAFT, published_at - dt.timedelta(days=5)),
                 (ReportAction.PUBLISH, ReportStatus.DRAFT, ReportStatus.PUBLISHED, published_at)]
        if closed:
            steps.append((ReportAction.CLOSE, ReportStatus.PUBLISHED, ReportStatus.CLOSED,
                          published_at + dt.timedelta(days=30)))
        AnnualReportEvent.objects.bulk_create([
            AnnualReportEvent(report=report, actor_label=d.name if a != ReportAction.CLOSE else "区人大常委会代表工委",
                              action=a, from_status=f, to_status=t, created_at=at) for a, f, t, at in steps])
        n = rng.randint(6, 40)
        weights = rng.choice([(80, 15, 5), (65, 25, 10), (50, 30, 20)])
        ReportRating.objects.bulk_create([
            ReportRating(report=report, voter=f"demo-{report.pk}-{i}",
                         verdict=rng.choices(ReportRating.Verdict.values, weights=weights)[0],
                         comment=rng.choice(COMMENTS) if rng.random() < 0.2 else "",
                         created_at=published_at + dt.timedelta(days=rng.randint(0, 25)))
            for i in range(n)])
        written += 1
    return written


# The published rule's opening values, as deputies/migrations/0005_score_rule_defaults.py writes them; a database
# emptied since (a flush) gets them back with the demo's reference data, demands or not.
SCORE_RULE_DEFAULTS = [("meeting", 2, None), ("inspection", 3, 30), ("suggestion", 5, 30), ("reception", 3, 36),
                       ("demand", 1, 30), ("report", 1, 20), ("report_done", 1, 20), ("annual_report", 10, None)]


def seed_score_rule() -> None:
    for item, points, cap in SCORE_RULE_DEFAULTS:
        ScoreRule.objects.get_or_create(item=item, defaults={"points": points, "yearly_cap": cap})


@transaction.atomic
def seed_accountability(*, seed: int = 2026) -> dict:
    """Last year's groups and their activities, links, contacts and yearly reports with ratings. Runs after the
    suggestions, so each report's figures are the archive's; idempotent (skipped once reports exist)."""
    if AnnualReport.objects.exists():
        return {}
    seed_score_rule()
    rng = random.Random(seed)
    year = timezone.localdate().year - 1
    activities = _groups(rng, year)
    _links_and_contacts(rng)
    return {"group_activities": activities, "yearly_reports": _annual_reports(rng, year)}
