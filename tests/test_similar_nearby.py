"""Similar open demands nearby: the resident's hint on the submit page and the dispatcher's merge candidates."""

import re

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from demands import services
from demands.models import DemandType
from demands.similar import SIMILAR_THRESHOLD, similar_open_demands
from demands.states import Status

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

SEPTIC = "莲花社区3栋后面的化粪池满了，污水外溢流到路上，臭气熏天，请尽快派人清掏。"
SEPTIC_AGAIN = "我们莲花社区化粪池堵了，粪水漫到楼下过道，夏天苍蝇蚊子特别多，臭得没法开窗。"
LIFT = "莲花社区的电梯加装什么时候能开工？我们老人上下楼很困难。"


@pytest.fixture(autouse=True)
def fresh_throttles():
    cache.clear()
    yield
    cache.clear()


def reported(world, content, **kwargs):
    fields = {"type": DemandType.COMPLAINT, "content": content, "grid": world.grid, "is_public": True,
              "contact_name": "王秀英", "contact_phone": "13812345678", **kwargs}
    return services.demand_receive(actor=None, **fields)


def hint(world, content, **place):
    place = place or {"township": world.township.pk, "community": world.grid.community_id, "grid": world.grid.pk}
    return Client().post(reverse("demands:similar_hint"), {"content": content, **place})


def test_hint_shows_a_similar_open_demand_of_the_same_grid_and_not_an_unrelated_one(world):
    reported(world, SEPTIC)
    reported(world, LIFT)
    response = hint(world, SEPTIC_AGAIN)
    page = response.content.decode()
    assert response.status_code == 200
    assert SEPTIC[:20] in page
    assert LIFT[:10] not in page


def test_hint_never_shows_tracking_code_name_or_phone(world):
    demand = reported(world, SEPTIC + "我的电话13900001111")
    page = hint(world, SEPTIC_AGAIN).content.decode()
    assert SEPTIC[:20] in page  # the hint is there ...
    for secret in (demand.tracking_code, "王秀英", "13812345678", "13900001111"):
        assert secret not in page  # ... without anything that identifies the resident


def test_hint_leaves_out_the_content_of_a_demand_not_allowed_to_be_public(world):
    reported(world, SEPTIC, is_public=False)
    page = hint(world, SEPTIC_AGAIN).content.decode()
    assert "<li>" in page  # still listed, by category, status and date ...
    assert SEPTIC[:8] not in page  # ... but not by its words


def test_hint_does_not_show_a_closed_demand(world, walk):
    walk(Status.CLOSED, content=SEPTIC, grid=world.grid, is_public=True)
    page = hint(world, SEPTIC_AGAIN).content.decode()
    assert SEPTIC[:20] not in page


def test_hint_does_not_show_the_same_problem_in_another_township(world):
    reported(world, SEPTIC, grid=world.other_grid)
    page = hint(world, SEPTIC_AGAIN).content.decode()
    assert SEPTIC[:20] not in page


def test_hint_is_empty_until_a_place_is_chosen(world):
    reported(world, SEPTIC)
    assert SEPTIC[:20] not in hint(world, SEPTIC_AGAIN, township="").content.decode()


def test_hint_endpoint_is_throttled_for_anonymous_clients(world, settings):
    settings.PAGE_SIMILAR_LIMIT = 2
    codes = [hint(world, SEPTIC_AGAIN).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_submit_page_asks_for_the_hint_as_the_resident_types(world):
    page = Client().get(reverse("demands:submit")).content.decode()
    assert f'hx-post="{reverse("demands:similar_hint")}"' in page
    assert "keyup changed delay:800ms" in page


def test_scores_are_above_the_measured_threshold_only_for_the_same_problem(world):
    septic, lift = reported(world, SEPTIC), reported(world, LIFT)
    found = similar_open_demands(content=SEPTIC_AGAIN, grid=world.grid)
    assert [d for d, _score in found] == [septic]
    assert found[0][1] >= SIMILAR_THRESHOLD and lift not in [d for d, _s in found]


# ---------------------------------------------------------------- dispatcher


def detail_page(user, demand):
    client = Client()
    client.login(username=user.username, password=PASSWORD)
    return client, client.get(reverse("demands:detail", args=[demand.pk])).content.decode()


def test_dispatcher_sees_the_duplicate_as_merge_candidate_and_merges_with_its_button(world, staff, walk):
    original = walk(Status.CLASSIFIED, content=SEPTIC)
    unrelated = walk(Status.CLASSIFIED, content=LIFT)
    duplicate = reported(world, SEPTIC_AGAIN, grid=None, community=None, township=world.township)

    client, page = detail_page(staff.township_dispatcher, duplicate)
    section = page[page.index('class="merge-candidates"'):]
    assert original.public_no in section and unrelated.public_no not in section
    assert original.tracking_code not in page and unrelated.tracking_code not in page

    # The button's own form: its action and hidden field, as the browser would post them.
    form = re.search(r'<form method="post" action="([^"]+)">.*?name="merge-into" value="([^"]+)"', section, re.S)
    assert form.group(2) == original.public_no
    response = client.post(form.group(1), {"merge-into": form.group(2)})
    assert response.status_code == 302
    duplicate.refresh_from_db()
    assert duplicate.status == Status.MERGED and duplicate.merged_into_id == original.pk


def test_no_merge_candidates_once_the_demand_is_dispatched(world, staff, walk):
    original = walk(Status.CLASSIFIED, content=SEPTIC)
    dispatched = walk(Status.DISPATCHED, content=SEPTIC_AGAIN)
    _client, page = detail_page(staff.dispatcher, dispatched)
    assert 'class="merge-candidates"' not in page and original.public_no not in page


def test_handler_is_offered_no_merge_candidates(world, staff, walk):
    walk(Status.CLASSIFIED, content=SEPTIC)
    duplicate = walk(Status.ACCEPTED, content=SEPTIC_AGAIN)
    _client, page = detail_page(staff.handler, duplicate)
    assert 'class="merge-candidates"' not in page
