"""The tracking code is the resident's credential: staff and integrations know a demand by its public number, only
the resident rates, registered residents see only the public timeline, and the deputies' evidence forms name no
demand outside what the deputy may cite."""

import logging
import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from demands import services
from demands.codes import parse_public_number
from demands.models import Demand, DemandEvent, Outcome, Rating, Urgency
from core.actors import ResidentActor
from demands.states import Action, Status
from integrations.services import integration_create
from notifications.models import Notification, OutboundMessage
from core.errors import NotPermitted

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def api_as(user=None, token=None) -> APIClient:
    client = APIClient()
    if token:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    elif user is not None:
        client.force_authenticate(user)
    return client


def rate_form(client, code, rating=Rating.SATISFIED):
    return client.post(reverse("demands:track_rate", args=[code]), {"rating": rating, "comment": ""})


# ---------------------------------------------------------------- the public number


def test_public_number_names_the_year_and_is_found_however_it_is_typed(walk):
    demand = walk(Status.RECEIVED)
    number = demand.public_no
    assert re.fullmatch(r"BZ-20\d\d-\d{6,}", number)
    assert parse_public_number(number.lower().replace("-", " ")) == (demand.created_at.year, demand.pk)
    assert parse_public_number(demand.tracking_code) is None
    assert str(demand) == number and demand.tracking_code not in str(demand)


def test_staff_find_a_demand_by_its_number_and_not_by_its_code(walk, staff):
    demand = walk(Status.DISPATCHED)
    client = login(staff.dispatcher)
    by_number = client.get(reverse("demands:workbench"), {"q": demand.public_no, "tab": "all"}).content.decode()
    assert demand.public_no in by_number
    by_code = client.get(reverse("demands:workbench"), {"q": demand.tracking_code, "tab": "all"}).content.decode()
    assert demand.public_no not in by_code  # a code typed into the search box finds nothing


def test_the_handling_unit_sees_the_number_and_never_the_code(walk, staff):
    demand = walk(Status.ACCEPTED)
    page = login(staff.handler).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert demand.public_no in page and demand.tracking_code not in page
    body = api_as(staff.handler).get(f"/api/v1/demands/{demand.pk}/").json()
    assert body["public_no"] == demand.public_no and "tracking_code" not in body


def test_hotline_intake_answers_the_number_but_keeps_the_code_for_the_resident(world):
    _integration, token = integration_create(name="12345热线", townships=[world.township])
    response = api_as(token=token).post("/api/v1/demands/", {
        "type": "help", "content": "小区门口路灯不亮", "township": world.township.code, "channel": "hotline",
        "external_id": "12345-0001", "contact_phone": "13812345678"}, format="json")
    assert response.status_code == 201, response.content
    demand = Demand.objects.get()
    assert response.json()["public_no"] == demand.public_no
    assert demand.tracking_code not in response.content.decode()


def test_an_anonymous_resident_submitting_through_the_api_gets_their_code(world):
    response = api_as().post("/api/v1/demands/", {"type": "help", "content": "楼道灯坏了",
                                                 "township": world.township.code}, format="json")
    assert response.status_code == 201
    assert response.json()["tracking_code"] == Demand.objects.get().tracking_code


# ---------------------------------------------------------------- only the resident rates


def test_handler_supervisor_deputy_and_integration_cannot_rate_and_the_resident_rates_once(world, staff, walk):
    _integration, token = integration_create(name="12345热线", townships=[world.township])
    demand = walk(Status.VERIFIED)
    events_before = demand.events.count()
    for client in (api_as(staff.handler), api_as(staff.supervisor), api_as(staff.deputy), api_as(token=token)):
        response = client.post(f"/api/v1/demands/{demand.pk}/rate/", {"rating": Rating.SATISFIED}, format="json")
        assert response.status_code in (403, 404), response.content
    for user in (staff.handler, staff.supervisor, staff.dispatcher):
        response = login(user).post(reverse("demands:action", args=[demand.pk, "rate"]), {"rate-rating": "satisfied"})
        assert response.status_code == 404
    demand.refresh_from_db()
    assert demand.status == Status.VERIFIED and demand.events.count() == events_before

    resident = Client()
    response = rate_form(resident, demand.tracking_code, Rating.DISSATISFIED)
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.status == Status.DISPATCHED and demand.dissatisfied_count == 1  # reopened to the unit
    rating = demand.events.get(action=Action.RATE)
    assert rating.data == {"rating": Rating.DISSATISFIED, "via": "tracking_code"}
    again = rate_form(resident, demand.tracking_code, Rating.SATISFIED)
    assert again.status_code == 404
    assert demand.events.filter(action=Action.RATE).count() == 1


def test_an_integration_that_typed_the_demand_in_cannot_rate_it(world, staff):
    integration, token = integration_create(name="12345热线", townships=[world.township])
    demand, _created = services.demand_intake(actor=integration.user, type="help", content="垃圾没人收",
                                              township=world.township, channel="hotline", external_id="x-1")
    services.demand_classify(demand_id=demand.pk, actor=staff.dispatcher, type="help", category=world.category,
                             urgency="normal", grid=world.grid)
    services.demand_dispatch(demand_id=demand.pk, actor=staff.dispatcher, unit=world.department)
    services.demand_accept(demand_id=demand.pk, actor=staff.handler)
    services.demand_resolve(demand_id=demand.pk, actor=staff.handler, outcome="solved", reply="已经清运完毕。")
    services.demand_verify(demand_id=demand.pk, actor=staff.supervisor)
    response = api_as(token=token).post(f"/api/v1/demands/{demand.pk}/rate/", {"rating": "satisfied"}, format="json")
    assert response.status_code in (403, 404)
    with pytest.raises(NotPermitted):
        services.demand_rate(demand_id=demand.pk, actor=integration.user, rating=Rating.SATISFIED)
    demand.refresh_from_db()
    assert demand.status == Status.VERIFIED and not demand.rating


def test_a_rating_through_the_sms_link_records_that_it_came_by_the_link(walk):
    demand = walk(Status.VERIFIED)
    response = Client().post(reverse("demands:rate", args=[demand.rating_token]), {"rating": "satisfied"})
    assert response.status_code == 302
    assert demand.events.get(action=Action.RATE).data["via"] == "rating_link"


def test_the_tracking_page_offers_rating_without_revealing_the_private_link(walk):
    demand = walk(Status.VERIFIED)
    page = Client().get(reverse("demands:track_detail", args=[demand.tracking_code])).content.decode()
    assert reverse("demands:track_rate", args=[demand.tracking_code]) in page
    assert demand.rating_token not in page


def test_after_rating_the_tracking_page_shows_the_rating(walk):
    demand = walk(Status.VERIFIED)
    client = Client()
    rate_form(client, demand.tracking_code, Rating.SATISFIED)
    page = client.get(reverse("demands:track_detail", args=[demand.tracking_code])).content.decode()
    assert "满意" in page and "您的评价" in page


def test_the_signed_in_resident_who_submitted_rates_through_their_account(world, staff):
    demand = services.demand_receive(actor=staff.resident, type="help", content="小区垃圾桶满了",
                                     township=world.township)
    services.demand_classify(demand_id=demand.pk, actor=staff.dispatcher, type="help", category=world.category,
                             urgency="normal", grid=world.grid)
    services.demand_dispatch(demand_id=demand.pk, actor=staff.dispatcher, unit=world.department)
    services.demand_accept(demand_id=demand.pk, actor=staff.handler)
    services.demand_resolve(demand_id=demand.pk, actor=staff.handler, outcome="solved", reply="已经清运完毕。")
    services.demand_verify(demand_id=demand.pk, actor=staff.supervisor)
    services.demand_rate(demand_id=demand.pk, actor=staff.resident, rating=Rating.SATISFIED)
    assert demand.events.get(action=Action.RATE).data["via"] == "account"


# ---------------------------------------------------------------- residents see the public timeline only


def test_a_registered_resident_sees_only_the_public_timeline_of_their_demand(world, staff):
    demand = services.demand_receive(actor=staff.resident, type="help", content="楼下垃圾站臭气熏天",
                                     township=world.township)
    services.demand_classify(demand_id=demand.pk, actor=staff.dispatcher, type="help", category=world.category,
                             urgency="normal", grid=world.grid)
    services.demand_dispatch(demand_id=demand.pk, actor=staff.dispatcher, unit=world.department)
    services.demand_accept(demand_id=demand.pk, actor=staff.handler)
    services.demand_note(demand_id=demand.pk, actor=staff.handler, text="已联系物业经理张伟 13900009999 协调")
    services.demand_request_extension(demand_id=demand.pk, actor=staff.handler, days=3, reason="需等物业开会")
    services.demand_resolve(demand_id=demand.pk, actor=staff.handler, outcome="solved", reply="好")
    secret_texts = ("13900009999", "张伟", "需等物业开会", staff.handler.username)

    page = login(staff.resident).get(reverse("demands:detail", args=[demand.pk]))
    assert page.status_code == 302 and page["Location"] == reverse("demands:track_detail", args=[demand.tracking_code])
    timeline = login(staff.resident).get(page["Location"]).content.decode()
    api = api_as(staff.resident)
    events = api.get(f"/api/v1/demands/{demand.pk}/events/")
    detail = api.get(f"/api/v1/demands/{demand.pk}/")
    assert events.status_code == 200 and detail.status_code == 200
    assert events.json() and all(set(e) == {"at", "text", "note"} for e in events.json())
    assert detail.json()["reply_flags"] == []
    for body in (timeline, events.content.decode(), detail.content.decode()):
        for text in secret_texts:
            assert text not in body, text
    # Staff still see the whole history.
    staff_events = api_as(staff.handler).get(f"/api/v1/demands/{demand.pk}/events/").content.decode()
    assert "13900009999" in staff_events
    assert DemandEvent.objects.filter(demand=demand, public=False).exists()


# ---------------------------------------------------------------- deputies: returns and what the centres see


def test_a_deputy_forwarding_what_a_centre_dispatched_to_them_counts_as_a_return(world, staff, settings):
    settings.RETURNS_BEFORE_DISTRICT = 2
    demand = services.demand_receive(actor=None, type="help", content="路灯坏了", township=world.township)
    services.demand_classify(demand_id=demand.pk, actor=staff.township_dispatcher, type="help",
                             category=world.category, urgency="normal", grid=world.grid)
    for round_ in (1, 2):
        services.demand_dispatch(demand_id=demand.pk, actor=staff.dispatcher, unit=world.deputy_record)
        services.demand_forward(demand_id=demand.pk, actor=staff.deputy, note="请中心派给职能部门")
        demand.refresh_from_db()
        assert demand.return_count == round_
        if round_ == 1:
            services.demand_classify(demand_id=demand.pk, actor=staff.dispatcher, type="help",
                                     category=world.category, urgency="normal", grid=world.grid)
    assert demand.at_district_centre
    with pytest.raises(NotPermitted):  # the township centre no longer holds it: 首办负责制 sent it to the district
        services.demand_classify(demand_id=demand.pk, actor=staff.township_dispatcher, type="help",
                                 category=world.category, urgency="normal", grid=world.grid)


def test_forwarding_what_residents_addressed_to_the_deputy_is_not_a_return(world, staff):
    demand = services.demand_receive(actor=None, type="help", content="村口路灯坏了", township=world.township,
                                     deputy=world.deputy_record, channel="qr")
    services.demand_forward(demand_id=demand.pk, actor=staff.deputy)
    demand.refresh_from_db()
    assert demand.return_count == 0 and demand.status == Status.RECEIVED


def test_centres_see_a_demand_written_to_a_deputy_masked_while_the_deputy_holds_it(world, staff):
    demand = services.demand_receive(actor=None, type="help", content="村口路灯坏了", township=world.township,
                                     deputy=world.deputy_record, channel="qr", contact_name="王秀英",
                                     contact_phone="13812345678")
    for user in (staff.dispatcher, staff.township_dispatcher):
        body = api_as(user).get(f"/api/v1/demands/{demand.pk}/").json()
        assert body["contact_phone"] == "138****5678" and body["contact_name"] != "王秀英"
    assert api_as(staff.deputy).get(f"/api/v1/demands/{demand.pk}/").json()["contact_phone"] == "13812345678"
    services.demand_forward(demand_id=demand.pk, actor=staff.deputy)
    # Forwarded: the centre now handles it and calls the resident back.
    assert api_as(staff.township_dispatcher).get(f"/api/v1/demands/{demand.pk}/").json()["contact_phone"] == \
        "13812345678"


# ---------------------------------------------------------------- deputies' evidence names nothing outside scope


def test_citing_demands_outside_the_deputys_scope_names_none_of_them(world, staff):
    elsewhere = [services.demand_receive(actor=None, type="help", content=f"白鹤村垃圾问题{i}",
                                         township=world.other_township) for i in range(3)]
    client = login(staff.deputy)
    response = client.post(reverse("suggestions:similar"), {
        "demand_ids": ",".join(str(d.pk) for d in elsewhere), "title": "关于垃圾清运的建议"}, follow=True)
    body = response.content.decode()
    assert "只能引用" in body or "You may cite only" in body
    for demand in elsewhere:
        assert demand.tracking_code not in body and demand.public_no not in body
    api = api_as(staff.deputy).post("/api/v1/suggestions/", {
        "title": "关于垃圾清运的建议", "demands": [d.public_no for d in elsewhere]}, format="json")
    assert api.status_code == 422  # well-formed numbers, refused as input
    for demand in elsewhere:
        assert demand.tracking_code not in api.content.decode() and demand.public_no not in api.content.decode()


def test_a_missing_and_a_not_citable_number_get_the_same_answer(world, staff):
    other = services.demand_receive(actor=None, type="help", content="白鹤村垃圾问题", township=world.other_township)
    missing = other.public_no[:-6] + f"{other.pk + 1000:06d}"
    client = api_as(staff.deputy)
    answers = [client.post("/api/v1/suggestions/", {"title": "关于垃圾清运的建议", "demands": [number]},
                           format="json") for number in (other.public_no, missing)]
    assert [a.status_code for a in answers] == [422, 422]
    assert answers[0].json()["fields"] == answers[1].json()["fields"]


def test_merging_into_a_missing_or_out_of_scope_number_gives_one_answer(world, staff, walk):
    demand = walk(Status.RECEIVED)
    other = services.demand_receive(actor=None, type="help", content="白鹤村垃圾问题", township=world.other_township)
    missing = other.public_no[:-6] + f"{other.pk + 1000:06d}"
    client = login(staff.township_dispatcher)
    bodies = []
    for number in (other.public_no, missing):
        response = client.post(reverse("demands:action", args=[demand.pk, "merge"]), {"merge-into": number})
        assert response.status_code == 400
        bodies.append(re.findall(r'<p class="error[^"]*" role="alert">(.*?)</p>', response.content.decode(), re.S))
    assert bodies[0] == bodies[1] and bodies[0]
    demand.refresh_from_db()
    assert demand.status == Status.RECEIVED


# ---------------------------------------------------------------- lookups by code are rate-limited


@pytest.mark.parametrize("route", ["demands:receipt", "demands:track_detail", "demands:track_rate"])
def test_code_lookups_count_against_the_tracking_limit(walk, settings, route):
    settings.PAGE_TRACK_LIMIT = 3
    cache.clear()
    demand = walk(Status.VERIFIED)
    client = Client(REMOTE_ADDR="198.51.100.9")
    statuses = [client.get(reverse(route, args=[demand.tracking_code])).status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200] and statuses[3:] == [429, 429]


# ---------------------------------------------------------------- messages and logs


def test_notifications_and_messages_of_a_whole_loop_name_the_number_not_the_code(
        world, staff, django_capture_on_commit_callbacks, caplog):
    caplog.set_level(logging.DEBUG)
    with django_capture_on_commit_callbacks(execute=True):
        demand = services.demand_receive(actor=None, type="help", content="莲花社区菜市场门口垃圾堆了三天没人清运。",
                                         township=world.township, contact_phone="13812345678")
    steps = [
        lambda: services.demand_classify(demand_id=demand.pk, actor=staff.dispatcher, type="help",
                                         category=world.category, urgency=Urgency.NORMAL, grid=world.grid),
        lambda: services.demand_dispatch(demand_id=demand.pk, actor=staff.dispatcher, unit=world.department),
        lambda: services.demand_accept(demand_id=demand.pk, actor=staff.handler),
        lambda: services.demand_request_extension(demand_id=demand.pk, actor=staff.handler, days=2, reason="等材料"),
        lambda: services.demand_resolve(demand_id=demand.pk, actor=staff.handler, outcome=Outcome.SOLVED,
                                        reply="已安排环卫工人清运完毕。"),
        lambda: services.demand_verify(demand_id=demand.pk, actor=staff.supervisor),
        lambda: services.demand_rate(demand_id=demand.pk, actor=ResidentActor(demand.pk),
                                     rating=Rating.DISSATISFIED),
    ]
    for step in steps:
        with django_capture_on_commit_callbacks(execute=True):
            step()
    demand.refresh_from_db()
    notifications = list(Notification.objects.values_list("title", "body"))
    messages = list(OutboundMessage.objects.values_list("subject", "body"))
    assert notifications and messages  # the loop did tell people things
    assert any(demand.public_no in title for title, _body in notifications)
    for text in [t for pair in notifications + messages for t in pair]:
        assert demand.tracking_code not in text, text
    assert not [r for r in caplog.records if demand.tracking_code in r.getMessage()]
    # The inbox shows the number as well.
    client = Client()
    client.force_login(staff.handler)
    inbox = client.get(reverse("notifications:inbox")).content.decode()
    assert demand.public_no in inbox and demand.tracking_code not in inbox


def test_texts_stored_before_public_numbers_get_the_number_instead_of_the_code(walk, staff):
    import importlib

    from django.apps import apps

    from deputies.models import DutyRecord

    migration = importlib.import_module("demands.migrations.0008_public_numbers_in_stored_texts")
    demand = walk(Status.DISPATCHED)
    note = Notification.objects.create(recipient=staff.handler, demand=demand, kind=Notification.Kind.DISPATCHED,
                                       title=f"新工单 {demand.tracking_code}", body=f"请接单：{demand.tracking_code}")
    record = DutyRecord.objects.create(deputy=staff.deputy.deputy, kind=DutyRecord.Kind.DEMAND,
                                       occurred_on=demand.created_at.date(), title=f"接收群众诉求 {demand.tracking_code}")
    stranger = "ABC-DEF-GHJ-KMN-PQR-STV"  # no demand has it
    sms = OutboundMessage.objects.create(channel="sms", to="13812345678",
                                         body=f"{demand.tracking_code} 和 {stranger}")
    migration.forwards(apps, None)
    note.refresh_from_db()
    record.refresh_from_db()
    sms.refresh_from_db()
    assert note.title == f"新工单 {demand.public_no}" and note.body == f"请接单：{demand.public_no}"
    assert record.title == f"接收群众诉求 {demand.public_no}"
    assert sms.body == f"{demand.public_no} 和 {stranger}"


def test_a_sent_sms_keeps_no_rating_link_and_the_admin_never_shows_one(walk, admin_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        demand = walk(Status.VERIFIED)
    token = demand.rating_token
    message = OutboundMessage.objects.filter(channel="sms").order_by("-pk").first()
    assert message is not None and message.status == "sent"
    assert token not in message.body and "/rate/" + token not in message.body
    pending = OutboundMessage.objects.create(channel="sms", to="13812345678", body=f"请评价：http://x/rate/{token}/")
    page = admin_client.get(reverse("admin:notifications_outboundmessage_change", args=[pending.pk])).content.decode()
    assert token not in page
