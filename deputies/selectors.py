"""Reading the deputies' side: a deputy's demands, their archive, a term's book, participation."""

import datetime as dt
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from demands.models import Channel, Demand
from core.validators import valid_pk
from demands.states import HANDLING_STATES, Status
from core.errors import NotFound
from core.rates import Rate

from . import permissions
from .models import Deputy, DutyRecord, Reception, Station, Term


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
    return TermBook(deputy=deputy, term=term, records=records, by_kind=by_kind, by_year=by_year, reports=reports)


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
