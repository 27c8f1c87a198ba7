"""Demo ballot: the completed 2026 round (voted through `ballot_cast`, published, six projects with progress) and
the 2027 round collecting proposals now. Deterministic and safe to run twice: `seed_demo()`.

Every step goes through the services. Only the round's dates are moved by hand (the windows are opened around
"now" for each step, then set to where they belong), which is how a past round can be replayed today.
"""

import datetime as dt
import random
from decimal import Decimal

from django.db import transaction
from django.utils import timezone, translation

from accounts.models import Role, User
from core.models import Department
from deputies.models import Deputy, DutyRecord
from grids.models import Township
from core.names import person_name

from . import permissions, services
from .models import Candidate, Evaluation, Project, ProjectProgress, ProjectReport, Proposal, Round

DAY = dt.timedelta(days=1)
HOUR = dt.timedelta(hours=1)

# (title, department code, budget 万元, description, [(proposal title, content, township, by deputy?)])
CANDIDATES_2026 = [
    ("城区老旧小区改造提升", "housing", "4200", "对东城、西城、江北街道2000年前建成的38个老旧小区实施雨污分流、外立面整治、"
     "加装电梯和适老化改造，惠及居民约1.2万户。", [
        ("老旧小区加装电梯", "江北大道老小区都是七层楼，老人上下楼太难，希望统一规划加装电梯。", "江北街道", False),
        ("小区雨污管网改造", "回风小区每逢下雨化粪池就冒，污水流到院坝里，请求改造管网。", "回风街道", False),
        ("老旧院落综合整治", "东城街道多个无物业老院落路面破损、线缆乱拉，建议纳入改造。", "东城街道", True),
    ]),
    ("农村客运公交化改造", "transport", "1680", "开通城区至曾口、清江、化成等镇的公交化客运线路12条，新建招呼站60个，"
     "票价统一为2元，解决群众出行难、候车久的问题。", [
        ("开通到城区的公交", "曾口镇到城区班车一天只有几趟，学生和老人赶车很不方便。", "曾口镇", False),
        ("村里设招呼站", "清江镇沿线村民在路边等车日晒雨淋，希望建候车亭。", "清江镇", False),
        ("农村客运公交化", "建议推进城乡客运一体化，降低票价、加密班次。", "化成镇", True),
    ]),
    ("中心城区停车泊位建设", "housing", "2350", "利用边角地和学校、机关错时共享，新增公共停车泊位1500个，"
     "建设2处立体停车场，配套智慧停车引导系统。", [
        ("老城区停车难", "西城街道晚上车都停到人行道上，建议建立体停车场。", "西城街道", False),
        ("医院周边停车", "区人民医院周边一位难求，堵车严重。", "东城街道", False),
    ]),
    ("城乡供水一体化", "water", "5600", "延伸城区供水管网至水宁寺、梁永、三江等镇，改造老旧供水管网46公里，"
     "新建加压站3座，让农村群众喝上和城里一样的自来水。", [
        ("农村自来水水压低", "梁永镇高处几个村一到夏天就停水，水压上不去。", "梁永镇", False),
        ("饮水水质不稳定", "水宁寺镇自来水有时发黄，希望接入城区管网。", "水宁寺镇", False),
        ("推进城乡供水一体化", "建议统筹城乡供水，统一水质标准和服务。", "三江镇", True),
    ]),
    ("社区居家养老服务中心建设", "civil_affairs", "1250", "在6个街道各建1个社区居家养老服务中心，提供助餐、助浴、"
     "日间照料和康复服务，覆盖老年人约3万人。", [
        ("社区老年食堂", "宕梁街道独居老人多，吃饭成问题，希望开老年食堂。", "宕梁街道", False),
        ("日间照料中心", "时新街道失能老人家属白天要上班，希望有日间照料。", "时新街道", False),
        ("居家养老服务全覆盖", "建议街道层面建设综合养老服务中心。", "东城街道", True),
    ]),
    ("中小学校园周边交通安全设施", "education", "620", "为城区及乡镇42所中小学校园周边设置减速带、护栏、"
     "警示标志和上下学接送区，配备护学岗亭。", [
        ("学校门口没有斑马线", "巴州二小门口车速快，孩子过马路很危险。", "西城街道", False),
        ("校门口接送拥堵", "放学时家长车辆乱停，建议设置临时接送区。", "江北街道", False),
    ]),
    ("巴河沿线滨河步道照明改造", "law_enforcement", "880", "更换巴河两岸滨河步道老旧路灯420盏，补齐照明盲区，"
     "增设监控和应急呼叫点。", [
        ("滨河路晚上太黑", "巴河边散步的人多，好几段路灯不亮。", "江北街道", False),
        ("增设步道监控", "建议滨河步道增加监控和呼叫点。", "回风街道", False),
    ]),
    ("农贸市场标准化改造", "market", "960", "对城区5个农贸市场实施标准化改造，完善排水、通风和快检设施。", [
        ("菜市场地面脏乱", "西城农贸市场地面常年积水，气味大。", "西城街道", False),
        ("市场食品快检", "希望菜市场设快检室，公开检测结果。", "东城街道", False),
    ]),
    ("乡镇卫生院远程诊疗设备配置", "health", "740", "为12个乡镇卫生院配置远程会诊和影像设备，与区人民医院联网。", [
        ("乡镇看病难", "大茅坪镇卫生院设备少，小病也要跑城里。", "大茅坪镇", False),
        ("远程会诊", "建议乡镇卫生院接入区医院远程会诊。", "平梁镇", True),
    ]),
    ("全民健身小广场建设", "culture_tourism", "530", "在15个村（社区）建设全民健身小广场，配置健身器材和照明。", [
        ("村里没有活动场地", "枣林镇群众跳坝坝舞只能在公路边。", "枣林镇", False),
        ("健身器材老化", "社区健身器材坏了好几年没人修。", "宕梁街道", False),
    ]),
]
# Proposals screened out (a reason each).
DECLINED_2026 = [
    ("修建高铁站", "建议在巴州区再修一个高铁站。", "回风街道", "超出区级民生实事范围，已转交相关部门研究。"),
    ("小区物业费太高", "希望政府规定物业费降价。", "江北街道", "属于物业服务纠纷，已转12345热线按诉求办理。"),
]
WINNERS_2026 = [c[0] for c in CANDIDATES_2026[:6]]

PROPOSALS_2027 = [
    ("背街小巷路面修补", "江北街道多条背街小巷路面坑洼，雨天积水，建议统一修补。", "江北街道", False),
    ("增设社区充电桩", "电动车在楼道充电很危险，希望小区集中建充电棚。", "西城街道", False),
    ("农村道路安防设施", "鼎山镇村道急弯多，没有护栏，建议加装。", "鼎山镇", True),
    ("城区公厕提升", "东城老城区公厕少且脏，建议新建和改造。", "东城街道", False),
    ("幼儿园学位扩充", "时新街道新小区多，幼儿园学位紧张。", "时新街道", False),
    ("乡镇污水处理", "金碑镇场镇污水直排河沟，建议建污水处理站。", "金碑镇", True),
    ("便民服务中心延时服务", "上班族办事难，希望便民服务中心周末也开门。", "回风街道", False),
    ("河道清淤", "寺岭镇河沟淤塞，一下大雨就淹田。", "寺岭镇", False),
    ("城区绿道连通", "建议把南龛山和巴河绿道连起来。", "江北街道", True),
    ("残疾人康复服务", "希望社区提供残疾儿童康复训练。", "宕梁街道", False),
    ("农村集中供水点改造", "光辉镇几个村还在用山泉水，旱季缺水。", "光辉镇", False),
    ("老年助餐点", "凤仪乡留守老人多，希望设助餐点。", "凤仪乡", False),
]
# The first screening steps of 2027: (title, department, budget, description, indexes into PROPOSALS_2027)
CANDIDATES_2027 = [
    ("背街小巷整治提升", "housing", "1800", "修补城区背街小巷路面，完善排水和照明。", [0, 3]),
    ("城乡供水保障提升", "water", "2600", "改造农村集中供水点，解决旱季缺水。", [10]),
]

PROGRESS_NOTES = [
    "完成项目立项和初步设计，启动招投标准备。",
    "完成施工招标，施工单位进场。",
    "主体工程开工，完成计划工程量的一部分。",
    "按计划推进施工，组织群众代表现场查看。",
    "完成阶段性验收，整改发现的问题。",
    "加快推进剩余工程，协调解决用地和管线迁改问题。",
    "主体工程基本完工，开展配套设施建设。",
    "进入收尾阶段，组织竣工验收准备。",
    "完成竣工验收，投入使用并收集群众意见。",
]
FINAL_PERCENT = {0: 92, 1: 100, 2: 85, 3: 78, 4: 100, 5: 100}
EVALUATION_COMMENTS = ["效果明显，群众认可。", "进度可以再快一些。", "希望后续管护跟上。", "", "解决了大问题，点赞！"]


def _township(name: str) -> Township:
    return Township.objects.filter(name=name).first() or Township.objects.order_by("sort").first()


def _phone(rng) -> str:
    return f"1{rng.choice('3589')}{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}"


def _deputy_users() -> list[User]:
    return list(User.objects.filter(role=Role.DEPUTY, is_active=True, deputy__isnull=False)
                .filter(deputy__in=Deputy.objects.filter(permissions.voter_eligibility()))
                .select_related("deputy").order_by("deputy__code"))


def _set_dates(round_: Round, **dates) -> Round:
    Round.objects.filter(pk=round_.pk).update(**dates)
    round_.refresh_from_db()
    return round_


def _propose(rng, round_, rows, deputy_users) -> list[Proposal]:
    proposals = []
    for i, (title, content, township, by_deputy) in enumerate(rows):
        if by_deputy and deputy_users:
            actor = deputy_users[i % len(deputy_users)]
            proposals.append(services.proposal_submit(round_id=round_.pk, actor=actor, title=title, content=content,
                                                      township=_township(township)))
        else:
            proposals.append(services.proposal_submit(
                round_id=round_.pk, actor=None, title=title, content=content, township=_township(township),
                contact_name=person_name(f"ballot-{round_.year}-{i}") if rng.random() < 0.8 else "",
                contact_phone=_phone(rng) if rng.random() < 0.7 else ""))
    return proposals


@transaction.atomic
def seed_demo(*, now: dt.datetime | None = None) -> None:
    """Idempotent: a round that exists is left as it is; missing progress, reports and evaluations are added."""
    now = now or timezone.now()
    staff = (User.objects.filter(role=Role.SUPERVISOR, township__isnull=True, is_active=True).order_by("pk").first()
             or User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first())
    if staff is None or not Department.objects.exists():
        return
    with translation.override("zh-hans"):
        round_2026 = Round.objects.filter(year=2026).first() or _replay_2026(now, staff)
        _follow_up_2026(now, round_2026, staff)
        if not Round.objects.filter(year=2027).exists():
            _open_2027(now, staff)


def _replay_2026(now, staff) -> Round:
    rng = random.Random(2026)
    voters = _deputy_users()
    departments = {d.code: d for d in Department.objects.all()}
    round_ = services.round_open(
        actor=staff, year=2026, title="2026年巴州区民生实事项目票决", seats=6,
        proposals_open_at=now - DAY, proposals_close_at=now + DAY, voting_opens_at=now + 2 * DAY,
        voting_closes_at=now + 3 * DAY)
    # Proposals are collected ...
    rows = [p for c in CANDIDATES_2026 for p in c[4]]
    proposals = _propose(rng, round_, rows + [(t, c, tw, False) for t, c, tw, _r in DECLINED_2026], voters)
    by_title = {p.title: p for p in proposals}
    # ... screened and merged into candidates ...
    round_ = _set_dates(round_, proposals_open_at=now - 2 * DAY, proposals_close_at=now - HOUR)
    for title, code, budget, description, merged in CANDIDATES_2026:
        department = departments.get(code) or next(iter(departments.values()))
        services.candidate_create(round_id=round_.pk, actor=staff, title=title, description=description,
                                  budget=Decimal(budget), department=department,
                                  proposal_ids=[by_title[m[0]].pk for m in merged])
    for title, _content, _township, reason in DECLINED_2026:
        services.proposal_decline(proposal_id=by_title[title].pk, actor=staff, reason=reason)
    services.round_screen(round_id=round_.pk, actor=staff, rng=random.Random(20260))
    # ... the deputies vote (most of them) ...
    round_ = _set_dates(round_, voting_opens_at=now - HOUR, voting_closes_at=now + HOUR)
    candidates = {c.title: c for c in Candidate.objects.filter(round=round_)}
    appeal = {title: 0.92 - 0.05 * i for i, title in enumerate(WINNERS_2026)}
    for c in CANDIDATES_2026[6:]:
        appeal[c[0]] = 0.3
    for i, voter in enumerate(voters):
        if i % 11 == 5:  # two or so deputies absent
            continue
        if i % 13 == 7:  # one blank ballot
            chosen = []
        else:
            picks = sorted(candidates, key=lambda t: rng.random() - appeal[t])
            chosen = [candidates[t].pk for t in picks[: rng.choice([5, 6, 6, 6])]]
        services.ballot_cast(round_id=round_.pk, actor=voter, candidate_ids=chosen)
    # ... in the past: the dates where they belong.
    voting = (now - 290 * DAY).replace(hour=1, minute=30, second=0, microsecond=0)  # 09:30 in Bazhou
    open_eval, close_eval = services.year_end_window(2026)
    round_ = _set_dates(
        round_, proposals_open_at=now - 330 * DAY, proposals_close_at=now - 300 * DAY, screened_at=now - 296 * DAY,
        voting_opens_at=voting, voting_closes_at=voting + 3 * HOUR,
        evaluation_opens_at=min(open_eval, now - 5 * DAY), evaluation_closes_at=max(close_eval, now + 30 * DAY))
    for k, proposal in enumerate(proposals):
        Proposal.objects.filter(pk=proposal.pk).update(created_at=now - (329 - k) * DAY)
    voting_day = timezone.localdate(voting)
    DutyRecord.objects.filter(source="ballot", source_id=round_.pk).update(
        occurred_on=voting_day, created_at=timezone.make_aware(dt.datetime.combine(voting_day, dt.time.min)))
    services.round_publish(round_id=round_.pk, actor=staff)  # counts the sealed ballots, then publishes
    Round.objects.filter(pk=round_.pk).update(published_at=voting + DAY)
    Project.objects.filter(round=round_).update(created_at=voting + DAY)
    round_.refresh_from_db()
    return round_


def _follow_up_2026(now, round_, staff) -> None:
    """Monthly progress, quarterly reports and year-end evaluations that are missing."""
    if round_.published_at is None:
        return
    rng = random.Random(20261)
    today = timezone.localdate(now)
    start = timezone.localdate(round_.voting_closes_at).replace(day=1)
    months = []
    month = start
    while len(months) < 12:
        month = (month + 31 * DAY).replace(day=1)
        if month > today.replace(day=1):
            break
        months.append(month)
    for project in Project.objects.filter(round=round_).order_by("rank"):
        reporter = (User.objects.filter(role=Role.HANDLER, department=project.department, is_active=True)
                    .order_by("pk").first() or staff)
        final = FINAL_PERCENT.get((project.rank - 1) % 6, 80)
        done = set(ProjectProgress.objects.filter(project=project).values_list("month", flat=True))
        for k, month in enumerate(months):
            if month in done:
                continue
            percent = min(final, round(final * (k + 1) / len(months)))
            note = PROGRESS_NOTES[min(k * len(PROGRESS_NOTES) // len(months), len(PROGRESS_NOTES) - 1)]
            services.project_progress_add(project_id=project.pk, actor=reporter, month=month, percent=percent,
                                          note=f"{project.title}：{note}")
        for quarter in range(1, 5):
            ends = dt.date(round_.year + (quarter == 4), 1 if quarter == 4 else 3 * quarter + 1, 1)
            if ends > today or ProjectReport.objects.filter(project=project, year=round_.year, quarter=quarter).exists():
                continue
            share = Decimal(min(100, final * quarter // 3)) / 100
            services.project_report_add(
                project_id=project.pk, actor=reporter, year=round_.year, quarter=quarter,
                summary=(f"{round_.year}年第{quarter}季度，{project.department.name}牵头推进“{project.title}”，"
                         f"累计完成投资约{(project.budget * share).quantize(Decimal('1'))}万元。"
                         "下一步将加强质量安全监管，及时回应群众关切。"),
                spent=(project.budget * share).quantize(Decimal("0.01")))
        if round_.evaluation_open and not project.evaluations.exists():
            for voter in _deputy_users()[: 12 + project.rank]:
                services.project_evaluate(project_id=project.pk, actor=voter,
                                          rating=rng.choices(Evaluation.Rating.values, weights=[7, 3, 1])[0],
                                          comment=rng.choice(EVALUATION_COMMENTS))
            for _i in range(rng.randint(8, 20)):
                services.project_evaluate(project_id=project.pk, actor=None,
                                          rating=rng.choices(Evaluation.Rating.values, weights=[6, 3, 1])[0],
                                          comment=rng.choice(EVALUATION_COMMENTS))


def _open_2027(now, staff) -> Round:
    rng = random.Random(2027)
    voting = (now + 60 * DAY).replace(hour=1, minute=30, second=0, microsecond=0)
    round_ = services.round_open(
        actor=staff, year=2027, title="2027年巴州区民生实事项目票决", seats=6,
        proposals_open_at=now - 7 * DAY, proposals_close_at=now + 30 * DAY, voting_opens_at=voting,
        voting_closes_at=voting + 3 * HOUR)
    proposals = _propose(rng, round_, PROPOSALS_2027, _deputy_users())
    for k, proposal in enumerate(proposals):
        Proposal.objects.filter(pk=proposal.pk).update(created_at=now - (6 - k * 6 / len(proposals)) * DAY)
    departments = {d.code: d for d in Department.objects.all()}
    for title, code, budget, description, indexes in CANDIDATES_2027:
        services.candidate_create(round_id=round_.pk, actor=staff, title=title, description=description,
                                  budget=Decimal(budget), department=departments.get(code) or staff_department(),
                                  proposal_ids=[proposals[i].pk for i in indexes])
    return round_


def staff_department() -> Department:
    return Department.objects.order_by("code").first()
