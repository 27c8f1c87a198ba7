"""Changes to the deputies' side: duty records, receptions, and the deputy's own demand actions."""

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from demands import selectors as demand_selectors
from demands import services as demand_services
from demands.models import Channel, Demand, Outcome
from demands.permissions import can_view
from demands.states import Status
from core.errors import InvalidInput, NotFound, NotPermitted, TransitionNotAllowed
from core.workflow import Lifecycle

from . import permissions
from .models import (AnnualReport, AnnualReportEvent, ConstituentContact, Deputy, DeputyGroup, DutyRecord, GroupActivity,
                     Reception, ReportRating, Station)
from .states import REPORT_TRANSITIONS, ReportAction, ReportStatus


def duty_record_add(
    *, deputy: Deputy, kind: str, title: str, occurred_on: dt.date | None = None, detail: str = "",
    source: str = "", source_id: int | None = None, recorded_by=None,
) -> DutyRecord:
    """Add one entry to a deputy's archive. An entry with a source is written once: a replay returns the first."""
    errors = {}
    if kind not in DutyRecord.Kind.values:
        errors["kind"] = [_("Choose a kind of duty.")]
    title = (title or "").strip()
    if not title:
        errors["title"] = [_("Give the record a title.")]
    occurred_on = occurred_on or timezone.localdate()
    if occurred_on > timezone.localdate():
        errors["occurred_on"] = [_("A duty record cannot be dated in the future.")]
    if errors:
        raise InvalidInput(field_errors=errors)
    fields = {"kind": kind, "title": title[:200], "occurred_on": occurred_on, "detail": (detail or "").strip(),
              "recorded_by": recorded_by}
    if not source:
        return DutyRecord.objects.create(deputy=deputy, **fields)
    try:
        with transaction.atomic():
            return DutyRecord.objects.create(deputy=deputy, source=source, source_id=source_id, **fields)
    except IntegrityError:
        return DutyRecord.objects.get(deputy=deputy, source=source, source_id=source_id)


MANUAL_KINDS = (DutyRecord.Kind.MEETING, DutyRecord.Kind.INSPECTION)


def duty_record_write(*, actor, kind: str, title: str, occurred_on: dt.date | None, detail: str = "",
                      deputy: Deputy | None = None) -> DutyRecord:
    """A hand-written entry: meetings and inspections. The other kinds are written by the actions themselves."""
    deputy = deputy or getattr(actor, "deputy", None)
    if deputy is None:
        raise NotPermitted()
    if not permissions.can_read_archive(actor, deputy):
        raise NotFound()  # another's archive: as if it did not exist
    if not permissions.can_write_duty(actor, deputy):
        raise NotPermitted()
    if kind not in MANUAL_KINDS:
        raise InvalidInput(field_errors={"kind": [_("Only meetings and inspections are recorded by hand; "
                                                    "the other kinds are recorded by the system.")]})
    return duty_record_add(deputy=deputy, kind=kind, title=title, occurred_on=occurred_on, detail=detail,
                           recorded_by=actor)


# ---------------------------------------------------------------- the deputy's demands


@transaction.atomic
def deputy_answer(*, demand_id, actor, reply: str, outcome: str = Outcome.EXPLAINED) -> Demand:
    """Answer a demand held by the deputy in one step (a consultation, 即问即答): take it if not yet taken, then reply."""
    demand = Demand.objects.select_for_update().filter(pk=demand_id).first()
    if demand is not None and demand.status == Status.DISPATCHED:
        demand_services.demand_accept(demand_id=demand_id, actor=actor)
    return demand_services.demand_resolve(demand_id=demand_id, actor=actor, outcome=outcome, reply=reply)


# ---------------------------------------------------------------- receptions


def _station_deputies(station: Station, deputies) -> list[Deputy]:
    members = set(station.members.values_list("pk", flat=True))
    chosen = list(deputies)
    if not chosen:
        raise InvalidInput(field_errors={"deputies": [_("Choose the deputies who received constituents.")]})
    if any(d.pk not in members for d in chosen):
        raise InvalidInput(field_errors={"deputies": [_("Only deputies of this station can be recorded as receiving here.")]})
    return chosen


def _demands_by_numbers(actor, numbers: list[str], station: Station) -> list[Demand]:
    # A public number names a demand raised that day; the station's township is enough, seeing its details is not
    # needed. Missing and out-of-township numbers get the same words.
    found = []
    for number in numbers:
        q = demand_selectors.public_no_q(number)
        demand = Demand.objects.filter(q).first() if q is not None else None
        if demand is None or not (can_view(actor, demand) or demand.township_id == station.township_id):
            raise InvalidInput(field_errors={"demand_numbers": [
                _("No demand of this station's township has the number %(number)s.") % {"number": number[:40]}]})
        if demand not in found:
            found.append(demand)
    return found


@transaction.atomic
def reception_record(
    *, actor, station: Station, held_on: dt.date, deputies, topics: str, visitor_count: int = 0, visitors: str = "",
    demand_numbers: list[str] = (),
) -> Reception:
    """Log a reception day at a station; every deputy who received gets a duty record."""
    if not permissions.can_record_reception(actor, station):
        raise NotPermitted()
    errors = {}
    if held_on is None or held_on > timezone.localdate():
        errors["held_on"] = [_("A reception cannot be logged before it takes place.")]
    if not (topics or "").strip():
        errors["topics"] = [_("Write down what the constituents raised.")]
    if visitor_count is None or visitor_count < 0:
        errors["visitor_count"] = [_("Enter the number of visitors.")]
    if errors:
        raise InvalidInput(field_errors=errors)
    chosen = _station_deputies(station, deputies)
    demands = _demands_by_numbers(actor, list(demand_numbers), station)
    reception = Reception.objects.create(station=station, held_on=held_on, visitor_count=visitor_count,
                                         visitors=(visitors or "").strip(), topics=topics.strip(), recorded_by=actor)
    reception.deputies.set(chosen)
    reception.demands.set(demands)
    for deputy in chosen:
        duty_record_add(deputy=deputy, kind=DutyRecord.Kind.RECEPTION, occurred_on=held_on,
                        title=_("Received constituents at %(station)s") % {"station": station.name},
                        detail=_("%(n)s visitors. %(topics)s") % {"n": visitor_count, "topics": topics.strip()[:300]},
                        source="reception", source_id=reception.pk, recorded_by=actor)
    return reception


@transaction.atomic
def reception_add_demand(*, reception_id, actor, type: str, content: str, contact_name: str = "",
                         contact_phone: str = "", address: str = "") -> Demand:
    """Register a demand a visitor raised at the reception: it goes to the recording deputy and is linked to the day."""
    reception = Reception.objects.select_for_update().select_related("station").filter(pk=reception_id).first()
    if reception is None or not permissions.can_record_reception(actor, reception.station):
        raise NotFound(_("No such reception."))
    deputy = getattr(actor, "deputy", None)
    demand = demand_services.demand_receive(
        actor=actor, type=type, content=content, channel=Channel.WALK_IN, contact_name=contact_name,
        contact_phone=contact_phone, address=address, township=reception.station.township,
        community=reception.station.community, station=reception.station, deputy=deputy,
    )
    reception.demands.add(demand)
    return demand


# ---------------------------------------------------------------- yearly reports (代表述职)

REPORT_MIN_LENGTH, REPORT_MAX_LENGTH = 50, 5000
COMMENT_MAX_LENGTH = 300

REPORTS = Lifecycle(
    model=AnnualReport,
    transitions=REPORT_TRANSITIONS,
    can=permissions.REPORT_CAN,
    can_view=permissions.can_view_report,
    refused=gettext_lazy("“%(action)s” is not possible while the yearly report is “%(status)s”."),
    missing=gettext_lazy("No such yearly report."),
    forbidden={ReportAction.RATE: gettext_lazy("Residents rate the yearly reports; staff accounts do not.")},
    status_label=lambda status: ReportStatus(status).label,
    action_label=lambda action: ReportAction(action).label,
    event_model=AnnualReportEvent,
    event_owner=lambda report: {"report": report},
)


def _report_body(body) -> str:
    body = (body or "").strip() if isinstance(body, str) else ""
    if "\x00" in body:
        raise InvalidInput(field_errors={"body": [_("The text contains a character that cannot be stored.")]})
    if len(body) < REPORT_MIN_LENGTH:
        raise InvalidInput(field_errors={"body": [
            _("Write at least %(n)s characters: what you did this year and what you will do next.")
            % {"n": REPORT_MIN_LENGTH}]})
    if len(body) > REPORT_MAX_LENGTH:
        raise InvalidInput(field_errors={"body": [_("At most %(n)s characters.") % {"n": REPORT_MAX_LENGTH}]})
    return body


@transaction.atomic
def report_write(*, actor, year: int, body: str) -> AnnualReport:
    """A deputy starts their report on a year (this year or an earlier one), as a draft only they and supervisors see."""
    if not permissions.is_deputy(actor):
        raise NotPermitted(_("Deputies write their own yearly reports."))
    if not isinstance(year, int) or not 2000 <= year <= timezone.localdate().year:
        raise InvalidInput(field_errors={"year": [_("Choose this year or an earlier one.")]})
    body = _report_body(body)
    deputy = Deputy.objects.select_for_update().get(pk=actor.deputy_id)
    if AnnualReport.objects.filter(deputy=deputy, year=year).exists():
        raise TransitionNotAllowed(_("You already have a yearly report on %(year)s.") % {"year": year})
    report = AnnualReport.objects.create(deputy=deputy, year=year, body=body)
    REPORTS.record(report, actor=actor, action=ReportAction.WRITE, from_status="")
    return report


@transaction.atomic
def report_edit(*, report_id, actor, body: str) -> AnnualReport:
    report = REPORTS.begin(report_id, actor, ReportAction.EDIT)
    REPORTS.apply(report, actor=actor, action=ReportAction.EDIT, changes={"body": _report_body(body)})
    return report


@transaction.atomic
def report_publish(*, report_id, actor) -> AnnualReport:
    report = REPORTS.begin(report_id, actor, ReportAction.PUBLISH)
    REPORTS.apply(report, actor=actor, action=ReportAction.PUBLISH, changes={"published_at": timezone.now()})
    return report


@transaction.atomic
def report_close(*, report_id, actor) -> AnnualReport:
    report = REPORTS.begin(report_id, actor, ReportAction.CLOSE)
    REPORTS.apply(report, actor=actor, action=ReportAction.CLOSE)
    return report


@transaction.atomic
def report_rate(*, report_id, actor, voter: str, verdict: str, comment: str = "") -> ReportRating:
    """A resident's rating, once per voter (a digest of address and browser cookie, made by the page). It writes no
    event: no time and no address stand beside a rating in any history."""
    report = REPORTS.begin(report_id, actor, ReportAction.RATE)
    errors = {}
    if verdict not in ReportRating.Verdict.values:
        errors["verdict"] = [_("Choose how satisfied you are with the report.")]
    comment = (comment or "").strip() if isinstance(comment, str) else ""
    if "\x00" in comment:
        errors["comment"] = [_("The text contains a character that cannot be stored.")]
    elif len(comment) > COMMENT_MAX_LENGTH:
        errors["comment"] = [_("At most %(n)s characters.") % {"n": COMMENT_MAX_LENGTH}]
    if not voter:
        errors["verdict"] = [_("Your browser must accept cookies to rate.")]
    if errors:
        raise InvalidInput(field_errors=errors)
    try:
        with transaction.atomic():
            return ReportRating.objects.create(report=report, verdict=verdict, comment=comment, voter=voter[:64])
    except IntegrityError:
        raise TransitionNotAllowed(_("You have already rated this report. Thank you.")) from None


# ---------------------------------------------------------------- deputies' groups (代表小组) and 联系群众

MAX_HOUSEHOLDS = 2000


@transaction.atomic
def group_activity_record(*, actor, group_id, held_on: dt.date | None, kind: str, title: str,
                          participants) -> GroupActivity:
    """Log a group's activity; every member present gets a duty record of the same kind, written once."""
    group = DeputyGroup.objects.select_for_update().filter(pk=group_id, is_active=True).first()
    if group is None or not permissions.can_view_group(actor, group):
        raise NotFound(_("No such deputies' group."))
    if not permissions.can_record_group_activity(actor, group):
        raise NotPermitted(_("The group's leader or the people's congress office records its activities."))
    errors = {}
    if held_on is None or held_on > timezone.localdate():
        errors["held_on"] = [_("An activity cannot be logged before it takes place.")]
    if kind not in GroupActivity.Kind.values:
        errors["kind"] = [_("Choose a kind of activity.")]
    title = (title or "").strip() if isinstance(title, str) else ""
    if not title or "\x00" in title or len(title) > 200:
        errors["title"] = [_("Give the activity a title of at most 200 characters.")]
    members = set(group.members.values_list("pk", flat=True))
    chosen = list(participants or [])
    if not chosen:
        errors["participants"] = [_("Choose the members who took part.")]
    elif any(d.pk not in members for d in chosen):
        errors["participants"] = [_("Only members of this group can be recorded as present.")]
    if errors:
        raise InvalidInput(field_errors=errors)
    activity = GroupActivity.objects.create(group=group, held_on=held_on, kind=kind, title=title, recorded_by=actor)
    activity.participants.set(chosen)
    for deputy in chosen:
        duty_record_add(deputy=deputy, kind=kind, occurred_on=held_on,
                        title=_("%(group)s: %(title)s") % {"group": group.name, "title": title},
                        source="group_activity", source_id=activity.pk, recorded_by=actor)
    return activity


@transaction.atomic
def contacts_set(*, actor, households: dict) -> list[ConstituentContact]:
    """A deputy states how many households of each of their grids they keep in fixed contact with (0 removes)."""
    if not permissions.can_set_contacts(actor):
        raise NotPermitted()
    deputy = Deputy.objects.select_for_update().get(pk=actor.deputy_id)
    grids = {g.pk: g for g in deputy.grids.all()}
    errors = {}
    for grid_id, n in households.items():
        if grid_id not in grids:
            raise NotFound()
        if not isinstance(n, int) or isinstance(n, bool) or not 0 <= n <= MAX_HOUSEHOLDS:
            errors[f"grid_{grid_id}"] = [_("Enter a number of households from 0 to %(n)s.") % {"n": MAX_HOUSEHOLDS}]
    if errors:
        raise InvalidInput(field_errors=errors)
    now = timezone.now()
    for grid_id, n in households.items():
        if n == 0:
            ConstituentContact.objects.filter(deputy=deputy, grid_id=grid_id).delete()
        else:
            ConstituentContact.objects.update_or_create(deputy=deputy, grid_id=grid_id,
                                                        defaults={"households": n, "updated_at": now})
    return list(deputy.constituent_contacts.select_related("grid"))
