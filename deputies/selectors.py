"""Reading the deputies' side: a deputy's demands, their archive, a term's book, participation."""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from demands.models import Channel, Demand
from core.validators import valid_pk
from demands.states import HANDLING_STATES, Status
from core.errors import NotFound
from core.rates import Rate

from . import permissions
from .models import (AnnualReport, ContactLink, Deputy, DeputyGroup, DutyRecord, GroupActivity,
                     Reception, ReportRating, ScoreRule, Station, Term)
from .states import ReportStatus


def deputy_waiting(deputy: Deputy) -> QuerySet:
    """Demands this deputy holds and has to take or answer."""
    return (Demand.objects.filter(unit_deputy=deputy, status__in=HANDLING_STATES)
            .select_related("category__parent", "township", "station").order_by("resolve_deadline", "id"))


def deputy_following(deputy: Deputy) -> QuerySet:
    """Demands addressed to this deputy that they passed on: they keep following them to the end."""
    return (Demand.objects.filter(addressed_deputy=deputy).exclude(unit_deputy=deputy)
            .select_related("category__parent", "township", "unit_grid", "unit_department", "unit_deputy")
            .order_by("-updated_at", "-id"))


def deputy_recently_answered(deputy: Deputy, limit: int = 10) -> QuerySet:
    return (Demand.objects.filter(unit_deputy=deputy).exclude(status__in=[*HANDLING_STATES, Status.RECEIVED])
            .select_related("category__parent").order_by("-resolved_at", "-id")[:limit])


def deputy_get_for(*, viewer, code: str) -> Deputy:
    deputy = Deputy.objects.select_related("township").filter(code=code).first()
    if deputy is None or not permissions.can_read_archive(viewer, deputy):
        raise NotFound()
    return deputy


def duty_records_visible_to(user) -> QuerySet:
    """A deputy's own archive; a supervisor's every archive of their township (all of them for the district)."""
    if permissions.is_deputy(user):
        return DutyRecord.objects.filter(deputy_id=user.deputy_id)
    if permissions.is_supervisor(user):
        qs = DutyRecord.objects.all()
        return qs if user.is_superuser or user.township_id is None else qs.filter(deputy__township_id=user.township_id)
    return DutyRecord.objects.none()


def stations_of(user) -> QuerySet:
    if permissions.is_deputy(user):
        return Station.objects.filter(members=user.deputy_id, is_active=True).select_related("township")
    if permissions.is_supervisor(user):
        qs = Station.objects.filter(is_active=True).select_related("township")
        return qs if user.is_superuser or user.township_id is None else qs.filter(township_id=user.township_id)
    return Station.objects.none()


def receptions_visible_to(user) -> QuerySet:
    stations = stations_of(user)
    return (Reception.objects.filter(station__in=stations).select_related("station")
            .prefetch_related("deputies", "demands").order_by("-held_on", "-id"))


def reception_get_for(*, viewer, pk) -> Reception:
    reception = receptions_visible_to(viewer).filter(pk=pk).first() if valid_pk(pk) else None
    if reception is None:
        raise NotFound()
    return reception


def current_term(today: dt.date) -> Term | None:
    return Term.objects.filter(starts_on__lte=today, ends_on__gte=today).first() or Term.objects.first()


@dataclass
class FieldReports:
    """代表上报/办结: demands a deputy typed in from the field (channel "deputy") in a period, and how many of them
    have a result reported by their unit (办结: ``resolved_at`` set, as the dashboard's "resolved"; a reopened one
    counts again once answered again)."""

    reported: int = 0
    done: int = 0

    @property
    def done_rate(self) -> Rate:
        return Rate(self.done, self.reported)


def field_reports(deputy_ids, start: dt.date, end: dt.date) -> dict[int, FieldReports]:
    """Deputy id -> FieldReports for demands received on the local days from `start` to `end`. One query."""
    zone = timezone.get_current_timezone()
    since = dt.datetime.combine(start, dt.time.min, tzinfo=zone)
    until = dt.datetime.combine(end + dt.timedelta(days=1), dt.time.min, tzinfo=zone)
    rows = (Demand.objects.filter(channel=Channel.DEPUTY, submitted_by__deputy_id__in=list(deputy_ids),
                                  created_at__gte=since, created_at__lt=until)
            .order_by().values("submitted_by__deputy_id")
            .annotate(reported=Count("id"), done=Count("id", filter=Q(resolved_at__isnull=False))))
    return {r["submitted_by__deputy_id"]: FieldReports(r["reported"], r["done"]) for r in rows}


@dataclass
class TermBook:
    """一任一册: a deputy's record over one term."""

    deputy: Deputy
    term: Term
    records: list
    by_kind: list  # [(kind label, count)] in the order of DutyRecord.Kind
    by_year: list  # [(year, {kind: count}, total)]
    reports: FieldReports
    scores: list  # [(year, Score)]


def term_book(deputy: Deputy, term: Term) -> TermBook:
    records = list(deputy.duty_records.filter(occurred_on__range=(term.starts_on, term.ends_on))
                   .order_by("occurred_on", "id"))
    counts = {kind: 0 for kind in DutyRecord.Kind.values}
    years: dict[int, dict] = {}
    for r in records:
        counts[r.kind] += 1
        years.setdefault(r.occurred_on.year, {k: 0 for k in DutyRecord.Kind.values})[r.kind] += 1
    by_kind = [(DutyRecord.Kind(k).label, counts[k]) for k in DutyRecord.Kind.values]
    by_year = [(y, [c[k] for k in DutyRecord.Kind.values], sum(c.values())) for y, c in sorted(years.items())]
    reports = field_reports([deputy.pk], term.starts_on, term.ends_on).get(deputy.pk, FieldReports())
    years_in_term = range(term.starts_on.year, min(term.ends_on, timezone.localdate()).year + 1)
    scores = [(y, duty_scores([deputy.pk], y)[deputy.pk]) for y in years_in_term]
    return TermBook(deputy=deputy, term=term, records=records, by_kind=by_kind, by_year=by_year, reports=reports,
                    scores=scores)


@dataclass
class Participation:
    """履职参与率 = active deputies with at least one duty record in the period / active deputies."""

    label: str
    deputies: int
    participating: int

    @property
    def rate(self) -> float | None:
        return Rate(self.participating, self.deputies).value

    @property
    def percent(self) -> str:
        return Rate(self.participating, self.deputies).display


def participation(*, start: dt.date, end: dt.date, viewer, township=None, level: str = "") -> dict:
    """Participation for the period, in total and per township, plus each deputy's counts by kind."""
    deputies = Deputy.objects.filter(is_active=True)
    if not viewer.is_superuser and viewer.township_id is not None:
        deputies = deputies.filter(township_id=viewer.township_id)
    if township is not None:
        deputies = deputies.filter(township=township)
    if level:
        deputies = deputies.filter(level=level)
    in_period = Q(duty_records__occurred_on__range=(start, end))
    rows = list(deputies.select_related("township").annotate(
        records=Count("duty_records", filter=in_period),
        **{f"n_{k}": Count("duty_records", filter=in_period & Q(duty_records__kind=k)) for k in DutyRecord.Kind.values},
    ).order_by("township__sort", "code"))
    per_township: dict = {}
    for d in rows:
        p = per_township.setdefault(d.township_id, Participation(d.township.name, 0, 0))
        p.deputies += 1
        p.participating += d.records > 0
    total = Participation("", len(rows), sum(1 for d in rows if d.records > 0))
    reports = field_reports([d.pk for d in rows], start, end)
    all_reports = FieldReports()
    for d in rows:
        d.reports = reports.get(d.pk, FieldReports())
        all_reports.reported += d.reports.reported
        all_reports.done += d.reports.done
    return {"total": total, "townships": list(per_township.values()), "deputies": rows,
            "kinds": [DutyRecord.Kind(k).label for k in DutyRecord.Kind.values], "reports": all_reports}


# ---------------------------------------------------------------- the public profile, 履职积分, 代表述职


def duty_counts_by_year(deputy: Deputy) -> tuple[list, list]:
    """The public summary of a deputy's archive: counts per kind per year, newest year first. Counts only: titles
    and details name demands and what residents wrote."""
    rows = (deputy.duty_records.order_by().values("occurred_on__year", "kind").annotate(n=Count("id")))
    years: dict[int, dict] = {}
    for r in rows:
        years.setdefault(r["occurred_on__year"], {k: 0 for k in DutyRecord.Kind.values})[r["kind"]] = r["n"]
    kinds = [DutyRecord.Kind(k).label for k in DutyRecord.Kind.values]
    by_year = [(y, [c[k] for k in DutyRecord.Kind.values], sum(c.values())) for y, c in sorted(years.items(), reverse=True)]
    return kinds, by_year


@dataclass
class ScoreLine:
    label: str
    count: int
    points: int
    cap: int | None

    @property
    def earned(self) -> int:
        earned = self.count * self.points
        return earned if self.cap is None else min(earned, self.cap)


@dataclass
class Score:
    """履职积分 for one year: Σ over the rule's items of min(count × points, cap) (docs/figures.md#duty-score)."""

    lines: list

    @property
    def total(self) -> int:
        return sum(line.earned for line in self.lines)


def score_rule() -> list[ScoreRule]:
    """The rule in the order of its items; an item without a line scores nothing."""
    rules = {r.item: r for r in ScoreRule.objects.all()}
    return [rules[item] for item in ScoreRule.Item.values if item in rules]


def duty_scores(deputy_ids, year: int) -> dict[int, Score]:
    """Deputy id -> Score for the calendar year, from the archive, field reports and published yearly reports."""
    ids = list(deputy_ids)
    start, end = dt.date(year, 1, 1), dt.date(year, 12, 31)
    counts: dict[int, dict] = {pk: {} for pk in ids}
    rows = (DutyRecord.objects.filter(deputy_id__in=ids, occurred_on__range=(start, end)).order_by()
            .values("deputy_id", "kind").annotate(n=Count("id")))
    for r in rows:
        counts[r["deputy_id"]][r["kind"]] = r["n"]
    for pk, fr in field_reports(ids, start, end).items():
        counts[pk][ScoreRule.Item.REPORT_DONE] = fr.done
    published = (AnnualReport.objects.filter(deputy_id__in=ids, year=year,
                                             status__in=[ReportStatus.PUBLISHED, ReportStatus.CLOSED])
                 .values_list("deputy_id", flat=True))
    for pk in published:
        counts[pk][ScoreRule.Item.ANNUAL_REPORT] = 1
    rule = score_rule()
    return {pk: Score([ScoreLine(r.get_item_display(), c.get(r.item, 0), r.points, r.yearly_cap) for r in rule])
            for pk, c in counts.items()}


def score_ranking(*, viewer, year: int) -> list:
    """Active deputies of the viewer's scope with their score for the year, highest first."""
    deputies = Deputy.objects.filter(is_active=True).select_related("township")
    if not viewer.is_superuser and viewer.township_id is not None:
        deputies = deputies.filter(township_id=viewer.township_id)
    deputies = list(deputies)
    scores = duty_scores([d.pk for d in deputies], year)
    for d in deputies:
        d.score = scores[d.pk]
    return sorted(deputies, key=lambda d: (-d.score.total, d.township.sort, d.code))


@dataclass
class RatingResult:
    satisfied: int = 0
    basic: int = 0
    dissatisfied: int = 0

    @property
    def total(self) -> int:
        return self.satisfied + self.basic + self.dissatisfied

    @property
    def satisfaction(self) -> Rate:
        """满意度 of a yearly report: satisfied and basically satisfied over all ratings."""
        return Rate(self.satisfied + self.basic, self.total)


def rating_results(report_ids) -> dict[int, RatingResult]:
    results = {pk: RatingResult() for pk in report_ids}
    rows = (ReportRating.objects.filter(report_id__in=list(report_ids)).order_by()
            .values("report_id", "verdict").annotate(n=Count("id")))
    for r in rows:
        setattr(results[r["report_id"]], r["verdict"], r["n"])
    return results


def public_reports(deputy: Deputy) -> list[AnnualReport]:
    """Published and closed yearly reports, newest first, each with `.results` (counts only, never comments)."""
    reports = list(deputy.annual_reports.filter(status__in=[ReportStatus.PUBLISHED, ReportStatus.CLOSED]))
    results = rating_results([r.pk for r in reports])
    for r in reports:
        r.results = results[r.pk]
    return reports


def reports_visible_to(user) -> QuerySet:
    """A deputy's own reports; a supervisor's every report of their township (all of them for the district)."""
    qs = AnnualReport.objects.select_related("deputy__township")
    if permissions.is_deputy(user):
        return qs.filter(deputy_id=user.deputy_id)
    if permissions.is_supervisor(user):
        return qs if user.is_superuser or user.township_id is None else qs.filter(deputy__township_id=user.township_id)
    return qs.none()


# ---------------------------------------------------------------- groups, 两个联系, 联系群众


def groups_visible_to(user) -> QuerySet:
    qs = DeputyGroup.objects.filter(is_active=True).select_related("township", "leader")
    if permissions.is_deputy(user):
        return qs.filter(members=user.deputy_id)
    if permissions.is_supervisor(user):
        return qs if user.is_superuser or user.township_id is None else qs.filter(township_id=user.township_id)
    return qs.none()


def group_get_for(*, viewer, pk) -> DeputyGroup:
    group = groups_visible_to(viewer).filter(pk=pk).first() if valid_pk(pk) else None
    if group is None:
        raise NotFound()
    return group


def links_of(deputy: Deputy) -> dict:
    """两个联系 seen from one deputy: the members who keep in touch with them, and those they keep in touch with."""
    return {"linked_members": [link.member for link in ContactLink.objects.filter(deputy=deputy, member__is_active=True)
                               .select_related("member")],
            "linked_deputies": [link.deputy for link in ContactLink.objects.filter(member=deputy, deputy__is_active=True)
                                .select_related("deputy")]}


def households_in_contact(deputy: Deputy) -> int:
    return deputy.constituent_contacts.aggregate(n=Sum("households"))["n"] or 0


@dataclass
class ContactCoverage:
    """联系群众覆盖率 = active deputies with at least `minimum` households in fixed contact / active deputies."""

    minimum: int
    deputies: int
    covered: int
    households: int

    @property
    def rate(self) -> Rate:
        return Rate(self.covered, self.deputies)


def contact_coverage(*, viewer, minimum: int | None = None) -> tuple[ContactCoverage, list]:
    """The coverage in the viewer's scope, and each active deputy with their households in fixed contact."""
    minimum = settings.DEPUTY_FIXED_CONTACTS_MIN if minimum is None else minimum
    deputies = Deputy.objects.filter(is_active=True).select_related("township")
    if not viewer.is_superuser and viewer.township_id is not None:
        deputies = deputies.filter(township_id=viewer.township_id)
    rows = list(deputies.annotate(households=Sum("constituent_contacts__households")).order_by("township__sort", "code"))
    for d in rows:
        d.households = d.households or 0
    coverage = ContactCoverage(minimum, len(rows), sum(1 for d in rows if d.households >= minimum),
                               sum(d.households for d in rows))
    return coverage, rows


def group_activities_by_year(deputy: Deputy) -> list:
    """[(group, {year: activities})] of the deputy's active groups: counts only, for the public profile."""
    groups = list(deputy.deputy_groups.filter(is_active=True).order_by("kind", "name"))
    rows = (GroupActivity.objects.filter(group__in=groups).order_by().values("group_id", "held_on__year")
            .annotate(n=Count("id")))
    counts: dict[int, dict] = {}
    for r in rows:
        counts.setdefault(r["group_id"], {})[r["held_on__year"]] = r["n"]
    return [(g, sorted(counts.get(g.pk, {}).items(), reverse=True)) for g in groups]
