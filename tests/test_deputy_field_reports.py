"""Issue 15, item 4 (代表网格通): a demand a deputy reports from the field goes into dispatch, counts in their duty
archive, and the figure 代表上报/办结 per term is shown in their term book and on the participation page, on a
hand-computed fixture."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from demands import services
from demands.models import Demand
from demands.states import Status
from deputies import selectors
from deputies.models import DutyRecord, Term

from .test_recording import signed_in

pytestmark = pytest.mark.django_db

REPORT = "走访中群众反映东城街道莲花社区三号楼楼道灯坏了半个月，老人晚上上下楼不便。"


def report(page, world, content=REPORT):
    response = page.post("/staff/record/", {"type": "help", "channel": "deputy", "content": content,
                                            "township": world.township.pk, "contact_name": "陈德明"})
    assert response.status_code == 302
    return Demand.objects.filter(content=content).get()


def test_a_field_report_is_written_into_the_deputys_duty_archive(deputy, world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demand = report(signed_in(deputy), world)
    record = DutyRecord.objects.get(deputy=world.deputy_record, kind=DutyRecord.Kind.REPORT)
    assert demand.public_no in record.title and "楼道灯坏了" in record.detail
    archive = signed_in(deputy).get(reverse("deputies:duties")).content.decode()
    assert "代表上报诉求" in archive and demand.public_no in archive


def test_reported_and_answered_per_term_on_a_known_fixture(deputy, dispatcher, supervisor, handler, world,
                                                          time_machine):
    term = Term.objects.create(name="霸州市第十八届人民代表大会", starts_on=dt.date(2026, 1, 1),
                               ends_on=dt.date(2030, 12, 31))
    page = signed_in(deputy)
    # One report in the previous term: not counted.
    time_machine.move_to(dt.datetime(2025, 11, 20, 10, tzinfo=timezone.get_current_timezone()))
    report(page, world, content="上一届：村口桥面破损。")
    time_machine.move_to(dt.datetime(2026, 3, 2, 10, tzinfo=timezone.get_current_timezone()))
    answered, waiting, reopened = (report(page, world, content=f"{REPORT}（{n}）") for n in range(3))
    for demand in (answered, reopened):
        services.demand_classify_and_dispatch(demand_id=demand.pk, actor=dispatcher, type="help",
                                              category=world.category, urgency="normal", grid=world.grid,
                                              unit=world.department)
        services.demand_accept(demand_id=demand.pk, actor=handler)
        services.demand_resolve(demand_id=demand.pk, actor=handler, outcome="solved", reply="已更换楼道灯。")
    services.demand_verify(demand_id=reopened.pk, actor=supervisor)
    services.demand_reopen(demand_id=reopened.pk, actor=supervisor, reason="现场仍有两层不亮")  # no longer 办结
    # A demand of the same deputy's grid that a resident sent: not a field report.
    services.demand_receive(actor=None, type="help", content="居民自己提交的诉求", township=world.township)

    book = selectors.term_book(world.deputy_record, term)
    assert (book.reports.reported, book.reports.done, book.reports.done_rate.display) == (3, 1, "33.3%")
    html = page.get(reverse("deputies:book", args=[world.deputy_record.code]) + f"?term={term.pk}").content.decode()
    assert "代表上报 <strong>3</strong>" in html and "办结 <strong>1</strong>" in html
    figures = selectors.participation(start=term.starts_on, end=dt.date(2026, 12, 31), viewer=supervisor,
                                      township=world.township)
    assert (figures["reports"].reported, figures["reports"].done) == (3, 1)
    listing = signed_in(supervisor).get(reverse("deputies:participation"), {
        "start": "2026-01-01", "end": "2026-12-31", "township": world.township.pk}).content.decode()
    assert "3 / 1" in listing
    assert Demand.objects.get(pk=waiting.pk).status == Status.RECEIVED  # waits in dispatch, as reported


def test_the_figure_is_private_like_the_book(deputy, world, handler):
    report(signed_in(deputy), world)
    url = reverse("deputies:book", args=[world.deputy_record.code])
    assert signed_in(handler).get(url).status_code == 404
    assert Client().get(url).status_code in (302, 404)
