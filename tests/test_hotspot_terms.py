"""The hotspots' frequent terms name problems (垃圾, 路灯, 噪音扰民), not the words every demand uses (issue 13: the
list showed 很大 / 别人 / 回来)."""

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from demands import services
from demands.models import Demand
from demands.text import term_stop_words, terms, top_terms

from .conftest import PASSWORD

pytestmark = pytest.mark.django_db

CHATTY = [
    "小区门口的垃圾好几天没人清运，气味很大，别人都不愿意从那里走，我出差回来一看还是老样子。",
    "晚上路灯不亮，很大一片都是黑的，别人说反映过好几次，回来的时候差点摔倒。",
    "楼下烧烤店噪音很大，别人家孩子都睡不着，老公下班回来也没法休息。",
    "菜市场门口垃圾没人清运，味道很大，别人路过都捂鼻子，回来跟家里人说起来都恼火。",
    "路灯坏了一个多月，别人打电话问来问去也没人管，晚上回来很不安全，很大的隐患。",
]
FILLER = {"很大", "别人", "回来", "老样子", "好几次", "打电话", "问来问去", "恼火", "一片", "差点", "出差", "下班"}


def test_chatty_texts_yield_their_problems_and_none_of_the_filler():
    found = dict(top_terms(CHATTY, n=30))

    assert not FILLER & set(found)
    assert found["垃圾"] == 2 and found["路灯"] == 2 and found["清运"] == 2 and "噪音扰民" in found


def test_the_hotline_wording_is_not_a_hotspot():
    texts = [f"来电反映：{t}群众反映多次，已转办。" for t in ("小区路灯坏了", "路灯不亮很危险", "村口路灯坏了")]
    found = dict(top_terms(texts, n=30))
    assert "路灯" in found and not {"来电", "转办", "群众反映"} & set(found)


def test_the_word_list_leaves_the_words_of_a_demand_to_grouping_and_the_classifier():
    # Only the list a supervisor reads drops them: terms() keeps what similarity and the classifier were tuned on.
    assert "很大" in terms("气味很大") and "很大" in term_stop_words()


def test_the_hotspots_page_lists_problem_terms_not_filler(world, staff):
    for content in CHATTY:
        demand = services.demand_receive(actor=None, type="complaint", content=content, township=world.township)
        Demand.objects.filter(pk=demand.pk).update(created_at=timezone.now() - dt.timedelta(days=1))
    client = Client()
    assert client.login(username=staff.dispatcher.username, password=PASSWORD)

    listed = [t["term"] for t in client.get("/api/v1/dashboard/hotspots/").json()["terms"]]

    assert set(listed[:3]) == {"垃圾", "路灯", "清运"}
    assert not FILLER & set(listed)
