"""Demo evaluation: last year's round counted and published, its ratings following each unit's own figures (a unit
that resolves less, later, or to less satisfaction is rated worse), the two units below the threshold rectifying;
this year's round open for rating."""

import hashlib
import random

from django.db import transaction
from django.utils import timezone
from django.utils.translation import override

from accounts.models import Role, User
from core.models import Department
from deputies.models import Deputy

from . import selectors, services
from .models import DeputyRating, Rating, Rectification, ResidentRating, Round

# Units that are public services (utilities, hospitals, schools) rather than government departments.
PUBLIC_SERVICE_WORDS = ("公司", "医院", "学校", "中心")
COMMENTS = {
    Rating.SATISFIED: ["办事效率高，态度好。", "反映的问题很快就解决了。", "工作人员很耐心。"],
    Rating.BASICALLY: ["总体还行，答复有时偏慢。", "解决了，但跑了两趟。", "希望电话更好打通。"],
    Rating.DISSATISFIED: ["答复多、解决少，问题反复出现。", "推诿扯皮，迟迟不处理。", "办理超时，没有回音。"],
}


def _supervisor():
    return (User.objects.filter(role=Role.SUPERVISOR, township__isnull=True, is_active=True).order_by("pk").first()
            or User.objects.filter(is_superuser=True, is_active=True).order_by("pk").first())


def _units():
    units = list(Department.objects.filter(is_active=True).order_by("code"))
    public = [u for u in units if any(word in u.name for word in PUBLIC_SERVICE_WORDS)]
    return units, public


def _odds(rank: int, count: int) -> tuple[float, float]:
    """(satisfied, dissatisfied) chances for the unit at `rank` (0 best) by its own figures; the two worst are the
    units the district hears most complaints about."""
    if rank >= count - 2:
        return 0.22, 0.42
    share = rank / max(count - 3, 1)
    return 0.85 - 0.2 * share, 0.02 + 0.04 * share


def _pick(rng, satisfied: float, dissatisfied: float) -> str:
    roll = rng.random()
    if roll < satisfied:
        return Rating.SATISFIED
    return Rating.DISSATISFIED if roll > 1 - dissatisfied else Rating.BASICALLY


def _rate(rng, round_, deputies, *, share: float = 1.0, residents=(40, 120)) -> None:
    """Ratings consistent with the figures: units ranked by the figures' part of the composite score."""
    sheets = list(round_.sheets.select_related("department"))
    figures = selectors.units_figures(round_.year)
    points = {s.pk: selectors.composite(figures.get(s.department_id, {}), {}, {}).score for s in sheets}
    known = [p for p in points.values() if p is not None]
    # A unit with nothing to count ranks in the middle: no figures are neither good nor bad ones.
    middle = sorted(known)[len(known) // 2] if known else 0
    points = {pk: middle if p is None else p for pk, p in points.items()}
    ranked = sorted(sheets, key=lambda s: (-points[s.pk], s.department.code))
    deputy_rows, resident_rows = [], []
    for rank, sheet in enumerate(ranked):
        satisfied, dissatisfied = _odds(rank, len(ranked))
        for deputy in deputies:
            if rng.random() < share:
                rating = _pick(rng, satisfied, dissatisfied)
                comment = rng.choice(COMMENTS[rating]) if rng.random() < 0.1 else ""
                deputy_rows.append(DeputyRating(sheet=sheet, deputy=deputy, rating=rating, comment=comment))
        for i in range(int(rng.randint(*residents) * share)):
            rating = _pick(rng, satisfied, dissatisfied)
            voter = hashlib.sha256(f"demo:{round_.pk}:{sheet.pk}:{i}".encode()).hexdigest()
            comment = rng.choice(COMMENTS[rating]) if rng.random() < 0.15 else ""
            resident_rows.append(ResidentRating(sheet=sheet, voter=voter, rating=rating, comment=comment))
    DeputyRating.objects.bulk_create(deputy_rows, ignore_conflicts=True, batch_size=2000)
    ResidentRating.objects.bulk_create(resident_rows, ignore_conflicts=True, batch_size=2000)


def _last_year(staff, year, units, public, deputies) -> None:
    round_ = services.round_create(actor=staff, year=year, units=units, public_service_units=public,
                                   min_score=70, min_satisfaction=70)
    services.round_open(round_id=round_.pk, actor=staff)
    _rate(random.Random(year), round_, deputies)
    services.round_count(round_id=round_.pk, actor=staff)
    services.round_publish(round_id=round_.pk, actor=staff)
    # The worse of the units below the threshold has planned and been interviewed; the other is drafting its plan.
    due = list(Rectification.objects.filter(sheet__round=round_).select_related("sheet__department")
               .order_by("sheet__score", "pk"))
    if due:
        handler = User.objects.filter(role=Role.HANDLER, department=due[0].sheet.department_id,
                                      is_active=True).order_by("pk").first()
        if handler is not None:
            services.rectification_plan(
                rectification_id=due[0].pk, actor=handler,
                plan="一、建立诉求办理周调度机制，超期件由分管领导督办；二、对重复投诉点位逐一回访、现场核实；"
                     "三、三个月内办结率、满意率回到全区平均水平以上，按月向区人大常委会报告。")
            services.rectification_interview(
                rectification_id=due[0].pk, actor=staff, held_on=timezone.localdate(),
                held_by="区人大常委会副主任；该单位主要负责人、分管负责人",
                notes="通报测评结果和群众意见集中的问题，要求一个月内报送整改进展，三个月内整改到位。")


def seed_demo() -> None:
    """Idempotent: a year that has its round is left as it is."""
    staff = _supervisor()
    units, public = _units()
    if staff is None or not units:
        return
    deputies = list(Deputy.objects.filter(is_active=True, level=Deputy.Level.COUNTY).order_by("code"))
    this_year = timezone.localdate().year
    with override("zh-hans"), transaction.atomic():
        if not Round.objects.filter(year=this_year - 1).exists():
            _last_year(staff, this_year - 1, units, public, deputies)
        if not Round.objects.filter(year=this_year).exists():
            round_ = services.round_create(actor=staff, year=this_year, units=units, public_service_units=public)
            services.round_open(round_id=round_.pk, actor=staff)
            # Rating has just opened: about a third of the deputies and a few residents have rated so far.
            _rate(random.Random(this_year), round_, deputies, share=0.3, residents=(10, 30))
