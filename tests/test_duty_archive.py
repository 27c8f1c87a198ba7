"""一人一档、一任一册: the duty archive, reception days, the term book and the participation rate."""

import datetime as dt

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from demands.models import Channel
from demands.states import Status
from deputies import selectors, services
from deputies.models import DutyRecord, Reception, Station, Term
from core.errors import InvalidInput, NotPermitted

from .conftest import PASSWORD
from .factories import DeputyFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate()


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


@pytest.fixture
def station(world):
    s = Station.objects.create(code="DBZJ-T1", name="东城街道人大代表之家", kind=Station.Kind.HOME,
                               township=world.township, address="东城街道江北大道东段88号",
                               reception_weekdays="4", convener=world.deputy_record)
    s.members.add(world.deputy_record)
    return s


def test_a_meeting_is_recorded_by_hand_and_listed_in_the_archive(world, staff):
    client = login(staff.deputy)
    response = client.post(reverse("deputies:duties"), {
        "kind": "meeting", "occurred_on": TODAY.isoformat(), "title": "出席区人大常委会第三十次会议", "detail": "列席"})
    assert response.status_code == 302
    record = DutyRecord.objects.get(deputy=world.deputy_record)
    assert record.kind == DutyRecord.Kind.MEETING and record.recorded_by == staff.deputy and record.source == ""
    assert "出席区人大常委会第三十次会议" in client.get(reverse("deputies:duties")).content.decode()


def test_kinds_the_system_records_cannot_be_written_by_hand(world, staff):
    with pytest.raises(InvalidInput) as error:
        services.duty_record_write(actor=staff.deputy, kind=DutyRecord.Kind.DEMAND, title="办理诉求",
                                   occurred_on=TODAY)
    assert "kind" in error.value.field_errors
    assert not DutyRecord.objects.exists()


def test_a_duty_record_dated_in_the_future_is_refused_on_the_page(world, staff):
    response = login(staff.deputy).post(reverse("deputies:duties"), {
        "kind": "inspection", "occurred_on": (TODAY + dt.timedelta(days=2)).isoformat(), "title": "视察"})
    assert response.status_code == 400
    assert "履职记录的日期不能晚于今天" in response.content.decode()
    assert not DutyRecord.objects.exists()


def test_a_reception_day_is_logged_with_a_duty_record_for_each_deputy_receiving(world, staff, station, walk):
    colleague = DeputyFactory(township=world.township, name="陈桂兰", level="township")
    station.members.add(colleague)
    raised = walk(Status.RECEIVED)
    response = login(staff.deputy).post(reverse("deputies:reception_new"), {
        "station": station.pk, "held_on": TODAY.isoformat(), "deputies": [world.deputy_record.pk, colleague.pk],
        "visitor_count": 7, "visitors": "张大爷、刘阿姨等", "topics": "老旧小区加装电梯；菜市场周边停车难",
        "demand_numbers": raised.public_no,
    })
    assert response.status_code == 302
    reception = Reception.objects.get()
    assert list(reception.demands.all()) == [raised]
    records = DutyRecord.objects.filter(kind=DutyRecord.Kind.RECEPTION, source="reception", source_id=reception.pk)
    assert {r.deputy for r in records} == {world.deputy_record, colleague}


def test_a_reception_names_demands_by_number_and_missing_or_foreign_ones_read_the_same(world, staff, station):
    from demands import services as demand_services

    foreign = demand_services.demand_receive(actor=None, type="help", content="白鹤村路灯坏了",
                                             township=world.other_township)
    missing = foreign.public_no[:-6] + f"{foreign.pk + 500:06d}"
    answers = []
    for number in (foreign.public_no, missing, foreign.tracking_code):
        with pytest.raises(InvalidInput) as error:
            services.reception_record(actor=staff.deputy, station=station, held_on=TODAY,
                                      deputies=[world.deputy_record], topics="路灯", demand_numbers=[number])
        answers.append(error.value.field_errors["demand_numbers"][0].replace(number[:40], "…"))
    assert answers[0] == answers[1] == answers[2]
    assert not Reception.objects.exists()


def test_only_members_of_a_station_can_be_logged_as_receiving_there(world, staff, station):
    outsider = DeputyFactory(township=world.other_township)
    with pytest.raises(InvalidInput) as error:
        services.reception_record(actor=staff.deputy, station=station, held_on=TODAY, deputies=[outsider],
                                  topics="停车难")
    assert "deputies" in error.value.field_errors
    assert not Reception.objects.exists()


def test_a_deputy_outside_the_station_cannot_log_its_receptions(world, station):
    stranger = UserFactory(username="stranger", role=Role.DEPUTY, deputy=DeputyFactory(township=world.township))
    with pytest.raises(NotPermitted):
        services.reception_record(actor=stranger, station=station, held_on=TODAY, deputies=[world.deputy_record],
                                  topics="停车难")
    assert login(stranger).get(reverse("deputies:reception_new")).status_code == 404


def test_a_demand_raised_at_reception_is_registered_linked_and_held_by_the_deputy(world, staff, station):
    reception = services.reception_record(actor=staff.deputy, station=station, held_on=TODAY,
                                          deputies=[world.deputy_record], topics="居民反映路灯不亮", visitor_count=2)
    response = login(staff.deputy).post(reverse("deputies:reception", args=[reception.pk]), {
        "type": "help", "content": "江北大道东段三盏路灯不亮，晚上回家很黑。", "contact_name": "刘阿姨",
        "contact_phone": "13881112222"})
    assert response.status_code == 302
    demand = reception.demands.get()
    assert demand.channel == Channel.WALK_IN and demand.station == station
    assert demand.status == Status.DISPATCHED and demand.unit_deputy == world.deputy_record


def test_the_term_book_holds_the_terms_records_only_and_is_private_to_the_deputy_and_supervisors(world, staff):
    term = Term.objects.create(name="巴州区第十九届人民代表大会", starts_on=dt.date(2022, 1, 1), ends_on=dt.date(2026, 12, 31))
    services.duty_record_add(deputy=world.deputy_record, kind="meeting", title="出席区十九届人大三次会议",
                             occurred_on=dt.date(2024, 1, 10))
    services.duty_record_add(deputy=world.deputy_record, kind="inspection", title="上一届的视察",
                             occurred_on=dt.date(2021, 6, 1))
    book = selectors.term_book(world.deputy_record, term)
    assert [r.title for r in book.records] == ["出席区十九届人大三次会议"]
    url = reverse("deputies:book", args=[world.deputy_record.code]) + f"?term={term.pk}"
    page = login(staff.deputy).get(url).content.decode()
    assert "出席区十九届人大三次会议" in page and "上一届的视察" not in page
    assert "出席区十九届人大三次会议" in login(staff.supervisor).get(url).content.decode()
    other = UserFactory(username="other_deputy", role=Role.DEPUTY, deputy=DeputyFactory(township=world.township))
    assert login(other).get(url).status_code == 404
    assert login(staff.handler).get(url).status_code == 404


def test_participation_rate_on_a_known_fixture(world, staff):
    # Four active deputies in the township (world's + three), one inactive; two take part in the period.
    a, b, c = (DeputyFactory(township=world.township) for _ in range(3))
    DeputyFactory(township=world.township, is_active=False)
    services.duty_record_add(deputy=a, kind="meeting", title="会议", occurred_on=dt.date(2026, 3, 1))
    services.duty_record_add(deputy=a, kind="inspection", title="视察", occurred_on=dt.date(2026, 4, 1))
    services.duty_record_add(deputy=b, kind="reception", title="接待", occurred_on=dt.date(2026, 5, 1))
    services.duty_record_add(deputy=c, kind="meeting", title="去年的会议", occurred_on=dt.date(2025, 12, 31))
    figures = selectors.participation(start=dt.date(2026, 1, 1), end=dt.date(2026, 6, 30), viewer=staff.supervisor,
                                      township=world.township)
    assert (figures["total"].participating, figures["total"].deputies) == (2, 4)
    assert figures["total"].percent == "50.0%"
    rows = {d.pk: d for d in figures["deputies"]}
    assert (rows[a.pk].records, rows[a.pk].n_meeting, rows[a.pk].n_inspection) == (2, 1, 1)
    page = login(staff.supervisor).get(reverse("deputies:participation"), {
        "start": "2026-01-01", "end": "2026-06-30", "township": world.township.pk}).content.decode()
    assert "50.0%" in page


def test_participation_is_for_supervisors_and_a_reversed_period_is_refused(world, staff):
    assert login(staff.deputy).get(reverse("deputies:participation")).status_code == 404
    response = login(staff.supervisor).get(reverse("deputies:participation"), {"start": "2026-06-01", "end": "2026-01-01"})
    assert response.status_code == 400 and "起始日期不能晚于截止日期" in response.content.decode()


def test_api_lists_a_deputys_own_archive_only_and_supervisors_add_for_a_deputy(world, staff):
    other = DeputyFactory(township=world.township)
    services.duty_record_add(deputy=world.deputy_record, kind="meeting", title="我的会议", occurred_on=TODAY)
    services.duty_record_add(deputy=other, kind="meeting", title="别人的会议", occurred_on=TODAY)
    titles = [r["title"] for r in login(staff.deputy).get("/api/v1/duty-records/").json()["results"]]
    assert titles == ["我的会议"]
    response = login(staff.supervisor).post("/api/v1/duty-records/", {
        "deputy": other.code, "kind": "inspection", "occurred_on": TODAY.isoformat(), "title": "视察农村饮水安全"},
        content_type="application/json")
    assert response.status_code == 201 and response.json()["recorded_by_system"] is False
    assert DutyRecord.objects.filter(deputy=other, kind="inspection").exists()
    assert login(staff.handler).get("/api/v1/duty-records/").json()["results"] == []


def test_api_answers_404_for_a_deputy_outside_the_supervisors_township(world, staff):
    outsider = DeputyFactory(township=world.other_township)
    township_supervisor = UserFactory(username="township_supervisor", role=Role.SUPERVISOR, township=world.township)
    response = login(township_supervisor).post("/api/v1/duty-records/", {
        "deputy": outsider.code, "kind": "inspection", "occurred_on": TODAY.isoformat(), "title": "视察"},
        content_type="application/json")
    assert response.status_code == 404
    assert not DutyRecord.objects.exists()


def test_api_refuses_a_hand_written_demand_record_with_a_field_error(world, staff):
    response = login(staff.deputy).post("/api/v1/duty-records/", {
        "kind": "demand", "occurred_on": TODAY.isoformat(), "title": "办理诉求"}, content_type="application/json")
    assert response.status_code == 400 and "kind" in response.json()["fields"]
    assert not DutyRecord.objects.exists()


def test_api_logs_a_reception_and_reports_participation_to_supervisors_only(world, staff, station):
    response = login(staff.deputy).post("/api/v1/receptions/", {
        "station": station.code, "held_on": TODAY.isoformat(), "deputies": [world.deputy_record.code],
        "visitor_count": 3, "topics": "反映村道会车困难"}, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["deputies"] == [world.deputy_record.code]
    assert login(staff.deputy).get("/api/v1/participation/").status_code == 403
    figures = login(staff.supervisor).get("/api/v1/participation/", {"township": world.township.pk}).json()
    assert figures["total"]["participating"] == 1 and figures["total"]["deputies"] == 1


def test_participation_page_without_a_query_shows_this_year(world, staff):
    services.duty_record_add(deputy=world.deputy_record, kind="meeting", title="会议", occurred_on=TODAY)
    page = login(staff.supervisor).get(reverse("deputies:participation"))
    assert page.status_code == 200 and "100.0%" in page.content.decode()
