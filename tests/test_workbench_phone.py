"""Issue 13: grid workers and deputies on a phone. The workbench is a list of cards with the filters a role can use
behind one button; the demand page puts the step that moves the demand on first; a failed form keeps what was typed
and the photos that passed their check, and says what is wrong at the top."""

import re

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from demands import pending_uploads, services
from core.models import Department
from demands.models import Demand, DemandAttachment
from demands.states import Action, Status
from integrations.models import ApiToken
from core.errors import InvalidInput

from .conftest import PASSWORD, photo

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fresh_limits():
    cache.clear()  # the submit page's per-address limit
    yield
    cache.clear()


def login(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return client


def zh(text) -> str:
    with translation.override("zh-hans"):
        return str(text)


def workbench(user, query="") -> str:
    return login(user).get(reverse("demands:workbench") + query).content.decode()


def cards(page: str) -> list[str]:
    return re.findall(r'<tr class="demand-row">(.*?)</tr>', page, re.S)


def action_panels(page: str) -> list[dict]:
    """The demand page's action panels in document order: which action, primary or not, open or collapsed."""
    return [{"action": action, "primary": "primary" in classes.split(), "open": bool(is_open)}
            for classes, action, is_open in re.findall(r'<details class="action ([^"]*)" id="action-(\w+)"( open)?>',
                                                       page)]


def kept_photo_values(page: str, prefix: str = "") -> list[str]:
    name = f"{prefix}-kept_photos" if prefix else "kept_photos"
    return re.findall(rf'<input type="hidden" name="{name}" value="([^"]+)">', page)


def pending_paths(client) -> list[str]:
    """Where the session's kept photos wait."""
    return [entry["path"] for entry in client.session.get(pending_uploads.SESSION_KEY, {}).values()]


# ---------------------------------------------------------------- the workbench


def test_grid_worker_gets_no_unit_deputy_department_township_or_grid_filter(walk, staff, world):
    walk(Status.DISPATCHED, unit=world.grid)
    page = workbench(staff.grid_worker)
    for name in ("unit", "township", "grid"):
        assert f'name="{name}"' not in page, name
    assert "department:" not in page and "deputy:" not in page
    assert world.deputy_record.name not in page
    # What a grid worker can use is still there.
    for name in ("q", "status", "category"):
        assert f'name="{name}"' in page, name


def test_dispatcher_keeps_the_unit_and_township_filters(walk, staff, world):
    page = workbench(staff.dispatcher)
    assert 'name="unit"' in page and 'name="township"' in page and 'name="grid"' in page
    assert f'value="deputy:{world.deputy_record.pk}"' in page and f'value="department:{world.department.pk}"' in page


def test_handler_gets_no_unit_filter_and_only_the_townships_of_their_demands(walk, staff, world):
    walk(Status.DISPATCHED, unit=world.department)
    page = workbench(staff.handler)
    assert 'name="unit"' not in page
    township_select = re.search(r'<select name="township".*?</select>', page, re.S).group(0)
    assert world.township.name in township_select and world.other_township.name not in township_select


def test_a_grid_worker_card_shows_number_status_deadline_category_place_and_the_first_line(walk, staff, world):
    demand = walk(Status.DISPATCHED, unit=world.grid, content="菜市场门口垃圾堆了三天\n第二行写的是联系时间",
                  community=world.grid.community, grid=world.grid)
    [card] = cards(workbench(staff.grid_worker))
    assert demand.public_no in card
    assert zh(Status.DISPATCHED.label) in card
    assert 'class="deadline level-0"' in card
    assert world.category.name in card
    assert world.township.name in card and world.grid.name in card
    assert "菜市场门口垃圾堆了三天" in card and "第二行" not in card
    assert demand.tracking_code not in card


def test_waiting_tab_and_count_come_before_the_filters(walk, staff, world):
    walk(Status.DISPATCHED, unit=world.grid)
    page = workbench(staff.grid_worker)
    tab = page.index(f">{zh('待我处理')}<")
    count = page.index('class="list-count"')
    filters = page.index('<details class="filters-box"')
    assert tab < count < filters < page.index('name="status"') < page.index('class="demand-row"')


def test_filters_are_collapsed_and_say_how_many_are_set(staff, world):
    page = workbench(staff.dispatcher, f"?tab=all&status=received&township={world.township.pk}")
    assert '<details class="filters-box">' in page
    assert re.search(r'<span class="count">[^<]*2[^<]*</span>', page)


# ---------------------------------------------------------------- the demand page: the next step first


def test_dispatcher_on_a_received_demand_gets_classify_and_dispatch_first_and_reject_collapsed_after(walk, staff):
    demand = walk(Status.RECEIVED)
    panels = action_panels(login(staff.dispatcher).get(reverse("demands:detail", args=[demand.pk])).content.decode())
    assert panels[0] == {"action": "classify_dispatch", "primary": True, "open": True}
    order = [p["action"] for p in panels]
    reject = panels[order.index(Action.REJECT)]
    assert order.index(Action.REJECT) > 0 and not reject["primary"] and not reject["open"]
    assert Action.CLASSIFY in order  # classifying alone stays possible, collapsed
    assert not panels[order.index(Action.CLASSIFY)]["open"]


def test_handler_on_an_accepted_demand_gets_resolve_first_and_return_secondary(walk, staff):
    demand = walk(Status.ACCEPTED)
    page = login(staff.handler).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    panels = action_panels(page)
    assert panels[0] == {"action": "resolve", "primary": True, "open": True}
    back = next(p for p in panels if p["action"] == Action.RETURN)
    assert not back["primary"] and not back["open"]
    assert [p["action"] for p in panels][-1] == Action.RETURN


def test_handler_on_a_dispatched_demand_gets_accept_first(walk, staff):
    demand = walk(Status.DISPATCHED)
    panels = action_panels(login(staff.handler).get(reverse("demands:detail", args=[demand.pk])).content.decode())
    assert [(p["action"], p["open"]) for p in panels] == [("accept", True), ("return", False)]


def test_actions_come_before_the_facts_and_timeline(walk, staff):
    demand = walk(Status.ACCEPTED)
    page = login(staff.handler).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    assert page.index('class="demand-summary"') < page.index('id="action-resolve"') < page.index('class="timeline"')


def test_outcome_defaults_to_solved_and_is_marked_required(walk, staff):
    demand = walk(Status.ACCEPTED)
    page = login(staff.handler).get(reverse("demands:detail", args=[demand.pk])).content.decode()
    form = re.search(r'id="action-resolve".*?</form>', page, re.S).group(0)
    assert re.search(r'<input type="radio" name="resolve-outcome" value="solved"[^>]*checked', form)
    assert re.search(r'<div class="field required">\s*<fieldset><legend>' + zh("办理结果"), form)


# ---------------------------------------------------------------- 受理并派单 in one step


def classify_dispatch_data(world, **overrides):
    data = {"type": "help", "category": world.category.pk, "urgency": "normal", "grid": world.grid.pk,
            "unit": f"department:{world.department.pk}", "note": "请尽快清运", **overrides}
    return {f"classify_dispatch-{k}": v for k, v in data.items()}


def test_classify_and_dispatch_in_one_post_writes_both_events(walk, staff, world):
    demand = walk(Status.RECEIVED)
    response = login(staff.dispatcher).post(reverse("demands:action", args=[demand.pk, "classify_dispatch"]),
                                            classify_dispatch_data(world))
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.status == Status.DISPATCHED
    assert demand.unit == world.department and demand.category == world.category and demand.grid == world.grid
    assert demand.resolve_deadline is not None
    events = list(demand.events.order_by("created_at", "id").values_list("action", "from_status", "to_status", "actor"))
    assert events[1:] == [("classify", "received", "classified", staff.dispatcher.pk),
                          ("dispatch", "classified", "dispatched", staff.dispatcher.pk)]
    assert demand.events.get(action="dispatch").note == "请尽快清运"


def test_a_refused_dispatch_rolls_the_classify_back(walk, staff, world):
    demand = walk(Status.RECEIVED)
    Department.objects.filter(pk=world.other_department.pk).update(is_active=False)
    world.other_department.refresh_from_db()
    with pytest.raises(InvalidInput):
        services.demand_classify_and_dispatch(demand_id=demand.pk, actor=staff.dispatcher, type="help",
                                              category=world.category, urgency="normal", grid=world.grid,
                                              unit=world.other_department)
    demand.refresh_from_db()
    assert demand.status == Status.RECEIVED and demand.category is None and demand.grid is None
    assert list(demand.events.values_list("action", flat=True)) == ["receive"]


def test_an_invalid_unit_on_the_page_changes_nothing_and_keeps_the_choices(walk, staff, world):
    demand = walk(Status.RECEIVED)
    response = login(staff.dispatcher).post(reverse("demands:action", args=[demand.pk, "classify_dispatch"]),
                                            classify_dispatch_data(world, unit="department:999999", note="写好的说明"))
    assert response.status_code == 400
    page = response.content.decode()
    assert page.index('class="error-summary" role="alert"') < page.index('id="action-classify_dispatch"')
    assert 'href="#id_classify_dispatch-unit"' in page
    assert 'value="写好的说明"' in page
    demand.refresh_from_db()
    assert demand.status == Status.RECEIVED and list(demand.events.values_list("action", flat=True)) == ["receive"]


def test_only_a_dispatcher_may_classify_and_dispatch(walk, staff, world):
    demand = walk(Status.RECEIVED)
    response = login(staff.supervisor).post(reverse("demands:action", args=[demand.pk, "classify_dispatch"]),
                                            classify_dispatch_data(world))
    assert response.status_code in (403, 409)
    demand.refresh_from_db()
    assert demand.status == Status.RECEIVED


def test_the_api_offers_classify_and_dispatch(walk, staff, world):
    demand = walk(Status.RECEIVED)
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {ApiToken.issue(user=staff.dispatcher, name='t')[1]}")
    response = api.post(f"/api/v1/demands/{demand.pk}/classify_dispatch/", {
        "type": "help", "category": world.category.pk, "urgency": "normal", "grid": world.grid.pk,
        "unit": f"department:{world.department.pk}"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "dispatched"
    again = api.post(f"/api/v1/demands/{demand.pk}/classify_dispatch/", {
        "type": "help", "category": world.category.pk, "urgency": "normal", "grid": world.grid.pk,
        "unit": f"department:{world.department.pk}"}, format="json")
    assert again.status_code == 409


# ---------------------------------------------------------------- a failed form keeps its photos


def test_a_failed_resolve_keeps_the_photo_and_the_reply_and_shows_the_error_at_the_top(walk, staff):
    demand = walk(Status.ACCEPTED)
    handler = login(staff.handler)
    url = reverse("demands:action", args=[demand.pk, "resolve"])
    response = handler.post(url, {"resolve-outcome": "", "resolve-reply": "已清运完毕，并增加了清运频次。",
                                  "resolve-photos": [photo("清运后.png")]})
    assert response.status_code == 400
    page = response.content.decode()
    summary = page.index('class="error-summary" role="alert"')
    assert summary < page.index('class="demand-summary"')
    assert 'href="#id_resolve-outcome_0"' in page
    assert "已清运完毕，并增加了清运频次。" in page  # the typed reply is kept
    assert "已上传 1 张照片" in page and "清运后.png" in page
    [kept] = kept_photo_values(page, "resolve")
    assert DemandAttachment.objects.filter(demand=demand).count() == 0

    # Now the reply is missing: the error sits beside the reply and the photo is still kept.
    response = handler.post(url, {"resolve-outcome": "solved", "resolve-reply": "", "resolve-kept_photos": [kept]})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'href="#id_resolve-reply"' in page and 'id="id_resolve-reply_error"' in page
    [kept] = kept_photo_values(page, "resolve")

    [temporary] = pending_paths(handler)
    response = handler.post(url, {"resolve-outcome": "solved", "resolve-reply": "已清运完毕。", "resolve-kept_photos": [kept]})
    assert response.status_code == 302
    demand.refresh_from_db()
    assert demand.status == Status.RESOLVED
    [attachment] = demand.attachments.all()
    assert attachment.purpose == DemandAttachment.Purpose.RESULT and attachment.original_name == "清运后.png"
    assert not default_storage.exists(temporary) and not pending_paths(handler)  # the temporary copy is gone


def resident_data(world, **overrides):
    return {"type": "help", "category": world.category.pk, "content": "莲花社区菜市场门口的垃圾桶已经满了三天，没人清运。",
            "township": world.township.pk, "community": world.grid.community.pk, "grid": world.grid.pk,
            "contact_phone": "13812345678", **overrides}


def test_a_failed_resident_submit_keeps_the_photo(world):
    resident = Client()
    response = resident.post(reverse("demands:submit"), resident_data(world, contact_phone="12345",
                                                                       photos=[photo("垃圾桶.png")]))
    assert response.status_code == 400
    page = response.content.decode()
    assert 'class="error-summary" role="alert"' in page and 'href="#id_contact_phone"' in page
    assert "已上传 1 张照片" in page and "垃圾桶.png" in page
    [kept] = kept_photo_values(page)

    response = resident.post(reverse("demands:submit"), resident_data(world, kept_photos=[kept]))
    assert response.status_code == 302
    code = response["Location"].rstrip("/").split("/")[-2]
    demand = Demand.objects.get(tracking_code=code)
    assert [a.original_name for a in demand.attachments.all()] == ["垃圾桶.png"]


def test_a_kept_photo_can_be_removed(world):
    resident = Client()
    page = resident.post(reverse("demands:submit"), resident_data(world, content="短",
                                                                   photos=[photo("a.png")])).content.decode()
    [kept] = kept_photo_values(page)
    [temporary] = pending_paths(resident)
    response = resident.post(reverse("demands:submit"), resident_data(world, kept_photos=[kept], remove_photos=[kept]))
    assert response.status_code == 302
    assert not Demand.objects.latest("pk").attachments.exists()
    assert not default_storage.exists(temporary) and not pending_paths(resident)


def test_a_photo_that_fails_its_check_is_not_kept(world):
    page = Client().post(reverse("demands:submit"), resident_data(world, content="短", photos=[
        photo("ok.png"), photo("fake.png", data=b"not an image at all")])).content.decode()
    assert "已上传 1 张照片" in page and "fake.png" in page  # named in the error, not kept
    assert len(kept_photo_values(page)) == 1


def test_another_session_cannot_bring_back_a_kept_photo(world):
    page = Client().post(reverse("demands:submit"), resident_data(world, content="短",
                                                                   photos=[photo("mine.png")])).content.decode()
    [kept] = kept_photo_values(page)
    response = Client().post(reverse("demands:submit"), resident_data(world, kept_photos=[kept]))
    assert response.status_code == 302
    assert not Demand.objects.latest("pk").attachments.exists()


def test_the_no_javascript_place_refresh_keeps_the_photo(world):
    resident = Client()
    page = resident.post(reverse("demands:submit"), {"township": world.township.pk, "refresh_places": "1",
                                                     "photos": [photo("路口.png")]}).content.decode()
    assert "已上传 1 张照片" in page
    assert len(kept_photo_values(page)) == 1


def test_a_session_keeps_a_bounded_number_of_photos():
    from types import SimpleNamespace

    from demands.uploads import check_photo

    request = SimpleNamespace(session={})
    checked = check_photo(photo("p.png"))
    first = pending_uploads.keep(request, scope="submit", photos=[checked])
    for _ in range(pending_uploads.MAX_PER_SESSION):
        pending_uploads.keep(request, scope="submit", photos=[checked])
    assert len(request.session[pending_uploads.SESSION_KEY]) == pending_uploads.MAX_PER_SESSION
    assert not default_storage.exists(first[0].path)  # the oldest went
    assert pending_uploads.find(request, scope="submit", values=[first[0].signed]) == []
    for entry in list(request.session[pending_uploads.SESSION_KEY].values()):
        default_storage.delete(entry["path"])
