"""Demo special inquiries: a year of practice in 巴州区, written through the services under a replayed clock.

Topics proposed by residents on the public form (some accepted, some declined with a reason, one awaiting
moderation) and taken by supervisors from the hotspots and the satisfaction figures; five inquiries on the themes
the demo's demands and suggestions keep raising (parking, rural drinking water, rubbish collection, care for the
elderly, school-gate traffic): two closed and public, one followed up with an overdue commitment, one just held,
one planned. Deterministic; does nothing when topics or inquiries exist. Call: `seed_demo()`.
"""

import datetime as dt

from django.db import transaction
from django.utils import timezone

from accounts.models import Role, User
from core.models import Department
from deputies.models import Deputy
from grids.models import Township

from . import services
from .models import Inquiry, Topic
from .states import Status

# Public proposals: (days ago, title, description, township, decision: accept / decline reason / None)
PUBLIC = [
    (330, "农村自来水水压低、夏季经常停水", ("梁永镇、水宁寺镇地势高的村一到夏天就停水，水压上不去，水有时发黄，"
                                         "希望人大代表问问水务部门什么时候能接入城区管网。"), "梁永镇", "accept"),
    (300, "小区门口烧烤摊油烟扰民", "晚上十点以后还在烤，油烟和噪音很大。", "西城街道",
     "属于个案诉求，已转12345热线交区综合执法局办理，不作为专题询问议题。"),
    (160, "社区养老服务跟不上", "独居老人多，吃饭、看病没人管，希望代表询问民政和卫健部门养老服务中心建设进度。",
     "宕梁街道", "accept"),
    (120, "学校门口上下学时段交通混乱", ("巴州二小、江北小学门口接送车辆乱停，孩子过马路很危险，"
                                       "建议就校园周边交通安全开展询问。"), "江北街道", "accept"),
    (90, "希望公开某单位领导的家庭住址", "要去当面反映问题。", None,
     "涉及个人信息，不属于人大监督议题。"),
    (6, "农贸市场周边占道经营", "回风街道农贸市场门口早晚占道摆摊，车辆无法通行。", "回风街道", None),
]

# Topics supervisors took from the figures: (days ago, title, description, source, note)
FROM_FIGURES = [
    (350, "中心城区停车难", "违章停车、停车泊位不足的诉求在东城、西城街道连续三个月上升。", Topic.Source.HOTSPOT,
     "热点：道路交通·违章停车，东城街道、西城街道近30天上升明显"),
    (200, "生活垃圾清运不及时", "市容环卫类诉求办理满意率连续两个季度低于全区平均。", Topic.Source.FIGURE,
     "指标：市容环卫类诉求满意率 78.6%（全区 91.2%）"),
]

# Inquiries: (topic title, title, township or None, held days ago, departments, questions, commitments, final state)
# questions: (department code, question, answer); commitments: (department code, text, due days after the meeting,
# outcome: ("done", note) / ("drop", reason) / None while open)
INQUIRIES = [
    ("中心城区停车难", "关于中心城区停车难问题的专题询问", None, 320, ["police", "housing"], [
        ("housing", "中心城区公共停车泊位缺口有多大？新增泊位计划什么时候落地？",
         "经测算缺口约4000个。今年利用边角地和机关、学校错时共享新增泊位1500个，年底前建成2处立体停车场。"),
        ("police", "医院、学校周边违停严重，执法和疏导有什么措施？",
         "已在区人民医院、巴州二小周边划设临时停车区，高峰时段增派警力疏导，违停查处实行“首违警告”。"),
    ], [
        ("housing", "新增公共停车泊位1500个，建成立体停车场2处", 240, ("done", "已新增泊位1526个，江北、西城两处立体停车场投入使用。")),
        ("police", "医院、学校周边高峰时段设置疏导岗", 60, ("done", "8个疏导岗已常态化运行，周边违停投诉下降四成。")),
    ], Status.CLOSED),
    ("农村自来水水压低、夏季经常停水", "关于农村饮水安全保障的专题询问", None, 270, ["water", "agriculture"], [
        ("water", "梁永镇、水宁寺镇高处村组夏季停水的原因是什么？什么时候解决？",
         "主要是加压能力不足、管径偏小。已列入城乡供水一体化项目，新建加压站2座，改造管网18公里。"),
        ("agriculture", "农村饮水工程建成后的管护责任怎么落实？",
         "推行“区级统管、镇级负责、村级落实”，每村明确1名管水员，经费纳入区级预算。"),
        ("water", "水质发黄的问题有没有检测？结果公开吗？",
         "已对12个集中供水点每月检测，结果在区政府网站公开。发黄主要是老旧铁管锈蚀，随管网改造一并解决。"),
    ], [
        ("water", "新建加压站2座，改造农村供水管网18公里", 180, ("done", "2座加压站已通水，管网改造完成18.6公里，夏季未再发生停水。")),
        ("agriculture", "每村明确1名管水员并公示", 45, ("done", "全区村级管水员已全部明确并在村务公开栏公示。")),
        ("water", "农村供水水质检测结果每月公开", 30, ("drop", "已并入全区饮用水水质信息统一公开平台，由市级部门按月发布，本项销号。")),
    ], Status.CLOSED),
    ("生活垃圾清运不及时", "关于生活垃圾清运和市容环境卫生的专题询问", None, 150, ["law_enforcement"], [
        ("law_enforcement", "市容环卫类诉求满意率为什么连续偏低？",
         "主要是老城区收集点设置不足、清运频次偏低，部分诉求答复后未到现场复核。"),
        ("law_enforcement", "老旧小区垃圾收集点什么时候增设到位？",
         "年内在东城、西城、回风街道老旧小区增设收集点60个，清运频次由每日一次增至两次。"),
    ], [
        ("law_enforcement", "老旧小区增设垃圾收集点60个", 90, None),
        ("law_enforcement", "建立环卫诉求办结后现场复核制度", 40, ("done", "已印发复核办法，诉求办结后三日内现场复核。")),
    ], Status.FOLLOWING_UP),
    ("社区养老服务跟不上", "关于社区居家养老服务的专题询问", "宕梁街道", 20, ["civil_affairs", "health"], [
        ("civil_affairs", "街道社区养老服务中心建设进度如何？老年食堂什么时候开？",
         "宕梁街道养老服务中心主体已完工，预计下月开放，同步开设老年食堂，提供助餐服务。"),
        ("health", "失能老人上门医疗服务能不能覆盖？",
         "社区卫生服务中心已组建家庭医生团队，对失能老人每月上门随访一次。"),
    ], [], Status.HELD),
    ("学校门口上下学时段交通混乱", "关于中小学校园周边交通安全的专题询问", None, -14,
     ["education", "police", "transport"], [
        ("police", "校园周边护学岗能不能覆盖到乡镇学校？", ""),
        ("transport", "学校门口减速带、斑马线、警示标志什么时候设置到位？", ""),
    ], [], Status.PLANNED),
]


def _context():
    users = User.objects.filter(is_active=True)
    supervisor = (users.filter(username="supervisor", role=Role.SUPERVISOR).first()
                  or users.filter(role=Role.SUPERVISOR, township__isnull=True).order_by("pk").first())
    handlers = {}
    for user in users.filter(role=Role.HANDLER, department__isnull=False).order_by("username"):
        if user.department_id not in handlers or user.username.startswith("handler_"):
            handlers[user.department_id] = user
    return {
        "supervisor": supervisor,
        "handlers": handlers,
        "departments": {d.code: d for d in Department.objects.filter(is_active=True)},
        "townships": {t.name: t for t in Township.objects.all()},
        "deputy_users": {u.deputy_id: u for u in users.filter(role=Role.DEPUTY, deputy__isnull=False)},
    }


def _at(now, days_ago, hour=10):
    return (now - dt.timedelta(days=days_ago)).replace(hour=hour, minute=0, second=0, microsecond=0)


def _deputies(ctx, township, count=4):
    """The deputies taking part: the township's where the inquiry is a township's, else a spread over the district."""
    qs = Deputy.objects.filter(is_active=True).order_by("code")
    if township is not None:
        qs = qs.filter(township=township)
    with_login = [d for d in qs if d.pk in ctx["deputy_users"]]
    chosen = (with_login or list(qs))[:count]
    return chosen or _deputies(ctx, None, count)


@transaction.atomic
def seed_demo() -> int:
    """Write the demo's topics and inquiries; returns how many inquiries were written (0 if any exist)."""
    if Topic.objects.exists() or Inquiry.objects.exists():
        return 0
    ctx = _context()
    supervisor = ctx["supervisor"]
    needed = {code for _t, _title, _town, _d, codes, *_rest in INQUIRIES for code in codes}
    if supervisor is None or not needed <= set(ctx["departments"]) or not Deputy.objects.exists():
        return 0
    now = timezone.now()
    topics = {}
    for days, title, description, township, decision in PUBLIC:
        with services.history_clock(_at(now, days, 20)):
            topic = services.topic_propose(actor=None, title=title, description=description,
                                           township=ctx["townships"].get(township))
        if decision is not None:
            with services.history_clock(_at(now, days - 3)):
                if decision == "accept":
                    services.topic_accept(topic_id=topic.pk, actor=supervisor, note="纳入年度监督工作计划")
                else:
                    services.topic_decline(topic_id=topic.pk, actor=supervisor, reason=decision)
        topics[title] = topic
    for days, title, description, source, note in FROM_FIGURES:
        with services.history_clock(_at(now, days, 15)):
            topics[title] = services.topic_propose(actor=supervisor, title=title, description=description,
                                                   source=source, source_note=note)
    written = 0
    for topic_title, title, township_name, held_days, codes, questions, commitments, final in INQUIRIES:
        _one(ctx, now, topics[topic_title], title, ctx["townships"].get(township_name) if township_name else None,
             held_days, codes, questions, commitments, final)
        written += 1
    return written


def _one(ctx, now, topic, title, township, held_days, codes, questions, commitments, final):
    supervisor, departments = ctx["supervisor"], ctx["departments"]
    held_on = (now - dt.timedelta(days=held_days)).date()
    deputies = _deputies(ctx, township)
    plan_days = max(held_days + 25, 2)
    with services.history_clock(_at(now, plan_days)):
        inquiry = services.inquiry_plan(actor=supervisor, title=title, held_on=held_on, township=township,
                                        departments=[departments[c] for c in codes], deputies=deputies, topic=topic)
    asked = []
    for i, (code, question, _answer) in enumerate(questions):
        deputy = deputies[i % len(deputies)]
        user = ctx["deputy_users"].get(deputy.pk)
        # Deputies send their questions ahead of the meeting (a week before it, or today for one to come).
        with services.history_clock(_at(now, max(held_days + 7 - i, 0), 9)):
            asked.append(services.inquiry_ask(inquiry_id=inquiry.pk, actor=user or supervisor,
                                              department=departments[code], text=question,
                                              deputy=None if user else deputy))
    if final == Status.PLANNED:
        return inquiry
    with services.history_clock(_at(now, held_days, 17)):
        services.inquiry_hold(inquiry_id=inquiry.pk, actor=supervisor,
                              summary=f"{held_on:%Y年%m月%d日}召开询问会，{len(deputies)}名代表参加，"
                                      f"{len(codes)}个部门主要负责人到会应询。")
    for question, (code, _q, answer) in zip(asked, questions):
        handler = ctx["handlers"].get(departments[code].pk)
        if handler is None or not answer:
            continue
        with services.history_clock(_at(now, held_days, 16)):
            services.inquiry_answer(inquiry_id=inquiry.pk, actor=handler, question_id=question.pk, answer=answer)
    if final == Status.HELD:
        return inquiry
    made = []
    for code, text, due_after, outcome in commitments:
        with services.history_clock(_at(now, held_days - 2)):
            made.append((services.inquiry_commit(inquiry_id=inquiry.pk, actor=supervisor, department=departments[code],
                                                 text=text, due_on=held_on + dt.timedelta(days=due_after)),
                         code, due_after, outcome))
    with services.history_clock(_at(now, held_days - 3)):
        services.inquiry_follow(inquiry_id=inquiry.pk, actor=supervisor)
    for commitment, code, due_after, outcome in made:
        handler = ctx["handlers"].get(departments[code].pk)
        halfway = max(held_days - due_after // 2, 1)
        if handler is not None:
            with services.history_clock(_at(now, halfway, 11)):
                services.inquiry_progress(inquiry_id=inquiry.pk, actor=handler, commitment_id=commitment.pk,
                                          note="已制定实施方案，正按计划推进。")
        if outcome is None:
            continue  # still open: past its due date it shows as overdue
        kind, note = outcome
        finished = max(held_days - due_after + 3, 1)
        with services.history_clock(_at(now, finished, 11)):
            if kind == "done" and handler is not None:
                services.inquiry_progress(inquiry_id=inquiry.pk, actor=handler, commitment_id=commitment.pk,
                                          note=note, done=True)
            else:
                services.inquiry_drop(inquiry_id=inquiry.pk, actor=supervisor, commitment_id=commitment.pk,
                                      reason=note)
    if final == Status.CLOSED:
        # A week after the last commitment was finished.
        last = min(held_days - due_after + 3 for _c, _code, due_after, _o in made) - 7 if made else held_days - 5
        with services.history_clock(_at(now, max(last, 1), 15)):
            services.inquiry_close(inquiry_id=inquiry.pk, actor=supervisor,
                                   note="各项整改承诺已落实，询问会纪要及办理结果向社会公开。")
    return inquiry
