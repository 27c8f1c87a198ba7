"""A resident with an account has their own page (我的诉求), never the staff workbench; the header and the
workbench show each person what is theirs; the rating reads back as given; no form says （选填） twice."""

import datetime as dt
import re

import pytest
from django.conf import settings
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from accounts.models import Role, User
from portal.seed_accounts import seed_users
from demands import services
from demands.models import Demand, Rating, SupervisionOrder
from demands.resident import submit_initial
from demands.selectors import open_supervision_orders
from demands.states import Status
from deputies.models import Station, Term
from livelihood import services as ballot_services
from notifications import messages
from notifications.receivers import rating_link
from suggestions import services as suggestion_services

from .browser import browser, goto, new_page, shoot  # noqa: F401 (browser is a fixture)
from .conftest import PASSWORD
from .factories import DepartmentFactory, DeputyFactory, GridFactory, TownshipFactory, UserFactory

pytestmark = pytest.mark.django_db

ZH = {"HTTP_ACCEPT_LANGUAGE": "zh-hans"}


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()  # per-address limits of earlier tests
    yield
    cache.clear()


def signed_in(user) -> Client:
    client = Client(**ZH)
    client.force_login(user)
    return client


def page_text(response) -> str:
    return response.content.decode()


@pytest.fixture
def resident(world):
    return UserFactory(username="resident", role=Role.RESIDENT, display_name="王秀英", phone="13812345678")


@pytest.fixture
def mine(walk, resident):
    """walk(Status.X) for a demand the signed-in resident submitted (the services record it at intake)."""

    def _mine(target, **kwargs):
        demand = walk(target, **kwargs)
        Demand.objects.filter(pk=demand.pk).update(submitted_by=resident)
        demand.refresh_from_db()
        return demand

    return _mine


# ---------------------------------------------------------------- where a resident lands


def test_a_resident_who_logs_in_lands_on_their_own_demands(resident):
    response = Client(**ZH).post("/accounts/login/", {"username": "resident", "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == "/my/"


def test_staff_who_log_in_still_land_on_the_workbench(staff):
    response = Client(**ZH).post("/accounts/login/", {"username": "handler", "password": PASSWORD})

    assert response.status_code == 302 and response["Location"] == reverse(settings.LOGIN_REDIRECT_URL)


def test_the_workbench_sends_a_resident_to_their_own_demands(resident):
    response = signed_in(resident).get("/staff/?tab=all")

    assert response.status_code == 302 and response["Location"] == "/my/"


@pytest.mark.parametrize("path", ["/staff/export.csv?tab=all", "/staff/export.xlsx?tab=all"])
def test_the_exports_do_not_exist_for_a_resident(resident, path):
    assert signed_in(resident).get(path).status_code == 404


def test_my_pages_do_not_exist_for_staff(staff):
    client = signed_in(staff.handler)

    assert client.get("/my/").status_code == 404
    assert client.get("/my/submit/").status_code == 404


def test_the_residents_header_offers_their_demands_and_no_staff_tools(resident):
    html = page_text(signed_in(resident).get("/my/"))

    assert 'href="/my/"' in html and 'href="/my/submit/"' in html
    assert 'href="/staff/"' not in html and 'href="/inbox/"' not in html


# ---------------------------------------------------------------- 我的诉求


def test_my_demands_lists_each_with_its_status_and_what_happens_next_newest_first(mine, world):
    received = mine(Status.RECEIVED, content="第一件：楼道灯坏了。")
    dispatched = mine(Status.DISPATCHED, content="第二件：井盖丢了。")
    verified = mine(Status.VERIFIED, content="第三件：垃圾没人清运。")

    html = page_text(signed_in(received.submitted_by).get("/my/"))

    assert html.index("第三件") < html.index("第二件") < html.index("第一件")
    for demand in (received, dispatched, verified):
        assert f'href="/track/{demand.tracking_code}/"' in html
    assert "快处中心将在" in html and "前受理分类" in html
    deadline = timezone.localtime(dispatched.resolve_deadline).strftime("%Y-%m-%d %H:%M")
    assert f"{world.department.short_name}将在{deadline}前办结" in html
    assert f"您的诉求已派单至{world.department.short_name}。" in html  # its latest step, as the tracking page says
    rate_by = timezone.localtime(verified.verified_at + dt.timedelta(days=7)).strftime("%Y-%m-%d %H:%M")
    assert f"请于{rate_by}前评价办理结果。" in html
    assert f'href="/track/{verified.tracking_code}/rate/"' in html  # the 评价 button, for the verified one only
    assert html.count("/rate/") == 1


def test_a_closed_demand_shows_the_residents_rating(mine):
    closed = mine(Status.CLOSED)

    html = page_text(signed_in(closed.submitted_by).get("/my/"))

    assert "已办结" in html and "您已评价：满意。" in html


def test_a_rejected_demand_points_to_the_reason_on_its_tracking_page(mine):
    rejected = mine(Status.REJECTED)

    html = page_text(signed_in(rejected.submitted_by).get("/my/"))

    assert "不予受理，原因请在查询页面查看。" in html and f'href="/track/{rejected.tracking_code}/"' in html


def test_my_demands_shows_no_other_code_and_no_internal_step(mine, walk, staff, resident):
    own = mine(Status.ACCEPTED)
    services.demand_note(demand_id=own.pk, actor=staff.handler, text="内部：请联系物业经理", public=False)
    services.demand_urge(demand_id=own.pk, actor=staff.supervisor, note="督办：三日内办结",
                         due_date=timezone.localdate() + dt.timedelta(days=3))
    someone_elses = walk(Status.ACCEPTED, content="别人的诉求：路灯不亮。")

    html = page_text(signed_in(resident).get("/my/"))

    assert own.tracking_code in html
    assert someone_elses.tracking_code not in html and "别人的诉求" not in html
    assert "内部：请联系物业经理" not in html and "督办：三日内办结" not in html
    assert staff.handler.display_name not in html and staff.supervisor.display_name not in html


def test_a_merged_demand_follows_the_one_it_joined_without_showing_its_code(mine, resident):
    merged = mine(Status.MERGED)
    other = merged.merged_into

    html = page_text(signed_in(resident).get("/my/"))

    assert f'href="/track/{merged.tracking_code}/"' in html
    assert other.tracking_code not in html
    assert "快处中心" in html  # the demand it joined still waits to be classified


def test_a_resident_with_no_demands_is_told_how_to_start(resident):
    html = page_text(signed_in(resident).get("/my/"))

    assert "您还没有用这个账号反映过问题" in html and 'href="/my/submit/"' in html


# ---------------------------------------------------------------- the submit form, filled in


def test_the_submit_form_offers_the_residents_name_and_phone(resident):
    html = page_text(signed_in(resident).get("/my/submit/"))

    assert 'value="王秀英"' in html and 'value="13812345678"' in html


def test_the_resident_may_change_the_filled_in_contact(resident, world):
    response = signed_in(resident).post("/my/submit/", {
        "type": "help", "content": "小区门口路灯坏了一周了，晚上很黑。", "township": str(world.township.pk),
        "contact_name": "王秀英的儿子", "contact_phone": "13900001111"})

    demand = Demand.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/track/{demand.tracking_code}/receipt/"
    assert (demand.contact_name, demand.contact_phone, demand.submitted_by) == ("王秀英的儿子", "13900001111", resident)


@pytest.mark.parametrize("path", ["/submit/", "/my/submit/"])
def test_the_submit_form_comes_filled_with_the_residents_name_and_phone(resident, world, path):
    page = signed_in(resident).get(path).content.decode()
    assert 'value="王秀英"' in page and 'value="13812345678"' in page
    assert 'value="13812345678"' not in Client(**ZH).get(path).content.decode()


def test_only_a_resident_gets_a_filled_in_form(staff, resident):
    assert submit_initial(resident) == {"contact_name": "王秀英", "contact_phone": "13812345678"}
    assert submit_initial(staff.handler) == {}
    assert submit_initial(None) == {}


# ---------------------------------------------------------------- rating, read back


def test_after_rating_the_resident_is_thanked_and_sees_which_rating_on_the_timeline(walk):
    demand = walk(Status.VERIFIED)

    response = Client(**ZH).post(f"/track/{demand.tracking_code}/rate/",
                                 {"rating": Rating.BASICALLY_SATISFIED, "comment": "还行"}, follow=True)

    html = page_text(response)
    assert "感谢您的评价，已经记录。" in html
    assert "您的评价：<strong>基本满意</strong>" in html
    assert "您已评价：基本满意。" in html


@pytest.mark.parametrize(("rating", "words"), [(Rating.SATISFIED, "满意"), (Rating.DISSATISFIED, "不满意")])
def test_the_timeline_names_the_rating_given(walk, rating, words):
    demand = walk(Status.VERIFIED)
    Client(**ZH).post(f"/track/{demand.tracking_code}/rate/", {"rating": rating})

    html = page_text(Client(**ZH).get(f"/track/{demand.tracking_code}/"))

    assert f"您已评价：{words}。" in html


# ---------------------------------------------------------------- the rating SMS

SEGMENT = 70  # one SMS segment of Chinese text
LONG_SEGMENT = 67  # each part of a longer, concatenated SMS


def _rating_texts(demand):
    link = rating_link(demand)
    deadline = timezone.now() + dt.timedelta(days=7)
    with translation.override("zh-hans"):
        texts = [messages.rating_link(demand, link=link)[1],
                 messages.rating_reminder(demand, link=link)[1],
                 messages.rating_reminder(demand, link=link, deadline=deadline)[1]]
    return link, texts


def test_the_rating_sms_says_handled_and_checked_not_closed(walk):
    demand = walk(Status.VERIFIED)

    _link, texts = _rating_texts(demand)

    for text in texts:
        assert "已办理并经核查" in text and "已办结" not in text, text
        assert demand.public_no in text and demand.tracking_code not in text


def test_the_rating_sms_words_leave_the_link_room(walk):
    """The private link alone is 50+ characters (a 32-character token), so an SMS carrying it cannot be one
    segment; the words are kept short enough that the whole text is two at most."""
    demand = walk(Status.VERIFIED)

    link, texts = _rating_texts(demand)

    for text in texts:
        words = text.replace(link, "")
        assert len(words) <= 50, (len(words), words)
        assert len(text) <= 2 * LONG_SEGMENT, (len(text), text)
    assert len(texts[0].replace(link, "")) + len("https://t.cn/abcdefgh") <= SEGMENT  # one segment with a short link


# ---------------------------------------------------------------- （选填） once


def _visible_text(html: str) -> str:
    html = re.sub(r"<(script|style)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"\s+", "", re.sub(r"<[^>]+>", "", html))


@pytest.fixture
def forms_world(world, staff, walk, resident):
    """A demand of each kind a form is shown for, a station, a ballot round open for proposals, suggestions."""
    today = timezone.localdate()
    Term.objects.create(name="本届", starts_on=today.replace(year=today.year - 2),
                        ends_on=today.replace(year=today.year + 2))
    station = Station.objects.create(code="LL011", name="莲花社区人大代表联络站", kind=Station.Kind.STATION,
                                     township=world.township, community=world.grid.community, address="莲花社区",
                                     convener=world.deputy_record)
    station.members.set([world.deputy_record])
    now, day = timezone.now(), dt.timedelta(days=1)
    ballot_services.round_open(actor=staff.supervisor, year=now.year + 1, title="民生实事项目票决", seats=1,
                               proposals_open_at=now - day, proposals_close_at=now + day,
                               voting_opens_at=now + 2 * day, voting_closes_at=now + 3 * day)
    verified, accepted = walk(Status.VERIFIED), walk(Status.ACCEPTED)
    deputy_demand = services.demand_receive(actor=None, type="help", content="村口路灯坏了一个月。",
                                            township=world.township, deputy=world.deputy_record, channel="qr")

    def draft(title):
        return suggestion_services.suggestion_draft(
            actor=staff.deputy, title=title, content="案由：村里多处问题反映集中。建议：尽快统筹解决。",
            category=world.category, demand_ids=[deputy_demand.pk])

    s_draft, s_replied = draft("关于村道路灯维护的建议"), draft("关于垃圾清运的建议")
    suggestion_services.suggestion_submit(suggestion_id=s_replied.pk, actor=staff.deputy)
    suggestion_services.suggestion_pass_review(suggestion_id=s_replied.pk, actor=staff.supervisor)
    suggestion_services.suggestion_assign(suggestion_id=s_replied.pk, actor=staff.supervisor,
                                          lead_department=world.department)
    suggestion_services.suggestion_reply(suggestion_id=s_replied.pk, actor=staff.handler, reply_class="B",
                                         text="已列入明年计划。")
    return {
        "submit": ("/submit/", None),
        "my submit": ("/my/submit/", resident),
        "rate by code": (f"/track/{verified.tracking_code}/rate/", None),
        "rate by link": (f"/rate/{verified.rating_token}/", None),
        "deputy landing": (f"/d/{world.deputy_record.code}/", None),
        "station landing": (f"/s/{station.code}/", None),
        "grid landing": (f"/g/{world.grid.code}/", None),
        "proposal form": (f"/ballot/{now.year + 1}/", None),
        "login": ("/accounts/login/", None),
        "suggestion form": ("/staff/suggestions/new/", staff.deputy),
        "draft suggestion": (f"/staff/suggestions/{s_draft.pk}/", staff.deputy),
        "replied suggestion, deputy": (f"/staff/suggestions/{s_replied.pk}/", staff.deputy),
        "replied suggestion, supervisor": (f"/staff/suggestions/{s_replied.pk}/", staff.supervisor),
        "demand page, handler": (f"/staff/demands/{accepted.pk}/", staff.handler),
        "deputy workbench": ("/staff/deputy/", staff.deputy),
        "new reception": ("/staff/deputy/receptions/new/", staff.deputy),
        "duty archive": ("/staff/deputy/duties/", staff.deputy),
    }


@pytest.mark.parametrize("name", [
    "submit", "my submit", "rate by code", "rate by link", "deputy landing", "station landing", "grid landing",
    "proposal form", "login", "suggestion form", "draft suggestion", "replied suggestion, deputy",
    "replied suggestion, supervisor", "demand page, handler", "deputy workbench", "new reception", "duty archive"])
def test_no_form_says_optional_twice(forms_world, name):
    path, user = forms_world[name]
    client = signed_in(user) if user else Client(**ZH)

    response = client.get(path)

    assert response.status_code == 200, (path, response.status_code)
    text = _visible_text(page_text(response))
    assert "（选填）" in text or name == "login"  # the check reads the Chinese page
    assert "（选填）（选填）" not in text


# ---------------------------------------------------------------- the deputy's header


@pytest.fixture
def seeded(db):
    township = TownshipFactory(name="东城街道")
    GridFactory(community__township=township)
    DepartmentFactory(code="housing")
    deputies = [DeputyFactory(township=township, name=name) for name in ("冉勇", "李文静", "张建国")]
    seed_users(None)
    return deputies


def test_every_deputy_login_is_headed_with_its_own_deputys_name(seeded):
    users = User.objects.filter(role=Role.DEPUTY).select_related("deputy")
    assert users.count() == len(seeded)
    for user in users:
        html = page_text(signed_in(user).get("/staff/deputy/"))
        assert f"退出登录（{user.deputy.name}）" in html, user.username
        others = {d.name for d in seeded} - {user.deputy.name}
        header = html.split("</header>", 1)[0]
        assert not any(name in header for name in others), user.username


def test_seeding_again_gives_an_old_deputy_login_its_deputys_name(seeded):
    ran_yong = User.objects.get(deputy__name="冉勇")
    User.objects.filter(pk=ran_yong.pk).update(display_name="李文静")  # as an older seed left it

    seed_users(None)

    assert User.objects.get(pk=ran_yong.pk).display_name == "冉勇"
    assert User.objects.get(username="resident").phone  # the demo resident's form is filled in too


# ---------------------------------------------------------------- the orders on the workbench


@pytest.fixture
def orders(world, staff, walk):
    """Two open orders on demands of grid 1: one held by the department, one held by the grid itself."""
    due = timezone.localdate() + dt.timedelta(days=3)
    by_department = walk(Status.ACCEPTED, grid=world.grid)
    by_grid = walk(Status.ACCEPTED, unit=world.grid)
    return {
        "department": services.demand_urge(demand_id=by_department.pk, actor=staff.supervisor, note="部门请办结",
                                           due_date=due),
        "grid": services.demand_urge(demand_id=by_grid.pk, actor=staff.supervisor, note="网格请办结", due_date=due),
    }


def test_a_grid_worker_is_listed_only_the_orders_their_grid_must_answer(orders, staff):
    listed = signed_in(staff.grid_worker).get("/staff/").context["open_orders"]

    assert [o.pk for o in listed] == [orders["grid"].pk]


def test_a_handler_is_listed_only_the_orders_their_department_must_answer(orders, staff):
    listed = signed_in(staff.handler).get("/staff/").context["open_orders"]

    assert [o.pk for o in listed] == [orders["department"].pk]


def test_every_listed_order_can_be_answered_by_who_sees_it(orders, staff):
    for user in (staff.grid_worker, staff.handler):
        for order in open_supervision_orders(viewer=user):
            services.supervision_order_answer(order_id=order.pk, actor=user, answer="已安排，明日办结。")
    assert not SupervisionOrder.objects.filter(answered_at__isnull=True).exists()


def test_the_supervisor_still_sees_every_order_awaiting_an_answer(orders, staff):
    listed = {o.pk for o in open_supervision_orders(viewer=staff.supervisor)}

    assert listed == {orders["department"].pk, orders["grid"].pk}


def test_an_answered_order_leaves_the_list(orders, staff):
    services.supervision_order_answer(order_id=orders["grid"].pk, actor=staff.grid_worker, answer="已清运。")

    assert not open_supervision_orders(viewer=staff.grid_worker).exists()


# ---------------------------------------------------------------- at 390 px


def test_my_demands_fit_a_phone_without_sideways_scrolling(mine, resident, live_server, browser):
    mine(Status.VERIFIED, content="小区" + "很长的描述没有空格" * 20 + "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789" * 3)
    mine(Status.DISPATCHED)
    client = Client()
    client.force_login(resident)
    page = new_page(browser, phone=True)
    page.context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "url": live_server.url,
                               "value": client.cookies[settings.SESSION_COOKIE_NAME].value}])

    goto(page, f"{live_server.url}/my/")

    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    if overflow > 0:
        shoot(page, "my-demands-390")
    page.context.close()
    assert overflow <= 0
