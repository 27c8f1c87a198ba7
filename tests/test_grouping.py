"""Similar-demand grouping (demands.grouping) and the Chinese text helpers under it (demands.text).

Plain functions, no database. The fixture: five demands reported several times in other words (same
problem, same place), and unrelated demands that share generic or topical words with them: another broken
street light elsewhere, another problem on the same road, a septic tank in another village ...
"""
import threading

import pytest

from demands import text
from demands.text import places, terms, top_terms
from demands.grouping import SimilarGroup, similar_groups

# set name -> the same demand reported in other words
SETS = {
    "jiangbei_light": [
        "江北大道中段的路灯坏了一个多月了，晚上一片漆黑，行人走路很危险，希望尽快维修。",
        "江北大道靠近公交站那一排路灯好久都不亮了，晚上骑车看不清路，请相关部门来修一下。",
        "反映一下，江北大道的路灯晚上不亮，已经有两三个星期了，老人娃娃出门都不安全。",
        "江北大道路灯坏了没人管，黑灯瞎火的，昨天晚上还有人在那里摔倒了，麻烦派人检修路灯。",
    ],
    "lianhua_sewage": [
        "莲花社区3栋后面的化粪池满了，污水外溢流到路上，臭气熏天，请尽快派人清掏。",
        "我们莲花社区化粪池堵了，粪水漫到楼下过道，夏天苍蝇蚊子特别多，臭得没法开窗。",
        "莲花社区污水外溢好几天了，化粪池没人清理，整个小区都是臭味，希望环卫部门处理。",
    ],
    "zengkou_bus": [
        "曾口镇到城区的农村客运班车突然取消了，村里老人去城里看病只能走路到镇上等车。",
        "以前每天有两趟农村客运从曾口镇发车，这个月停运了，群众出行非常困难，希望恢复班次。",
        "曾口镇的农村客运线路被取消，学生周末回家和老人赶场都没有车坐，请交通部门恢复这条线路。",
    ],
    "xinjie_market_noise": [
        "回风街道新街夜市的烧烤摊每天营业到凌晨两三点，噪音扰民，喝酒划拳的声音吵得我们睡不着。",
        "新街夜市太吵了，半夜还有人大声喧哗、放音乐，住在楼上的居民根本没法休息，请管一管噪音。",
        "投诉回风新街夜市噪音扰民，烧烤摊和音箱声音一直到后半夜，老人小孩都睡不好觉。",
    ],
    "huacheng_school_places": [
        "化成镇中心小学今年一年级学位不够，我们户籍就在本镇的孩子也报不上名。",
        "化成中心小学招生说学位已经满了，本地户口的娃娃都进不去，家长很着急，请教育局想想办法。",
    ],
}
# demands that belong to no set
UNRELATED = [
    "光辉镇石桥村村道上的路灯不亮了，晚上走夜路看不清，请帮忙维修。",  # the same problem elsewhere
    "江北大道人行道的地砖破损翘起来了，行人容易绊倒，建议统一更换。",  # another problem, same road
    "金碑镇幸福村小学旁边的公厕化粪池需要清掏，夏天味道很大。",  # septic tank, other village
    "莲花社区的电梯加装什么时候能开工？我们老人上下楼很困难。",  # same community, other problem
    "鼎山镇到城区的公交车班次太少，一个小时才一趟，建议增加班次。",  # buses, another town
    "东城街道阳光小区楼上装修每天早上七点就开始打电钻，噪音很大，周末也不停。",
    "曾口镇中心小学门口上下学时段车辆乱停乱放，堵得很，建议安排交警疏导。",  # same town as the bus set
    "时新街道锦绣花园有人高空抛物，砸坏了停在楼下的车，请查找责任人。",
    "请问异地住院的医保报销需要准备哪些材料？在哪里办理？",
    "我们在宕梁街道一个工地干活，老板拖欠工资三个月了，二十多个工人的钱都没拿到。",
    "水宁寺镇白鹤村已经停水三天了，没有任何通知，家里老人吃水都成问题。",
    "养老保险断缴了几年，现在还能补缴吗？需要到哪个部门办理？",
    "我家老人瘫痪在床，家里没有收入，想申请低保不知道怎么申请。",
    "西城街道人民路菜市场门口的井盖缺了一块，晚上很危险，请尽快修补。",
    "梁永镇场镇上一下雨就积水，排水沟被垃圾堵死了，商户门口全是水。",
    "清江镇龙泉村的夜市摊贩占道经营，把村道都堵了，车子过不去。",
]


def fixture_docs():
    docs = [(f"{name}:{i}", t) for name, texts in SETS.items() for i, t in enumerate(texts)]
    return docs + [(f"unrelated:{i}", t) for i, t in enumerate(UNRELATED)]


def set_of(key):
    return key.split(":")[0]


@pytest.fixture(scope="module")
def groups():
    return similar_groups(fixture_docs())


# --- grouping ---

def test_each_near_duplicate_set_lands_whole_in_one_group(groups):
    for name, texts in SETS.items():
        holding = [g for g in groups if any(set_of(k) == name for k in g.keys)]
        assert len(holding) == 1, name
        assert sorted(k for k in holding[0].keys if set_of(k) == name) == [f"{name}:{i}" for i in range(len(texts))]


def test_no_group_mixes_two_sets(groups):
    for group in groups:
        assert len({set_of(k) for k in group.keys}) == 1, group.keys


def test_unrelated_demands_stay_out_of_all_groups(groups):
    grouped = {k for g in groups for k in g.keys}
    assert not {k for k in grouped if set_of(k) == "unrelated"}
    assert len(groups) == len(SETS)


def test_same_problem_in_another_village_is_not_a_duplicate():
    docs = [(1, "红星村3组的路灯坏了一个月了，晚上看不清路，请尽快维修。"),
            (2, "白鹤村3组的路灯坏了一个月了，晚上看不清路，请尽快维修。")]
    assert similar_groups(docs) == []


def test_same_text_twice_is_one_group_with_full_cohesion():
    docs = [("a", "莲花社区化粪池污水外溢，臭气熏天。"), ("b", "莲花社区化粪池污水外溢，臭气熏天。")]
    [group] = similar_groups(docs)
    assert sorted(group.keys) == ["a", "b"]
    assert group.cohesion == pytest.approx(1.0)


def test_group_names_its_problem_and_place_in_its_terms(groups):
    light = next(g for g in groups if set_of(g.keys[0]) == "jiangbei_light")
    assert {"路灯", "江北"} <= set(light.terms)
    assert len(light.terms) <= 5
    sewage = next(g for g in groups if set_of(g.keys[0]) == "lianhua_sewage")
    assert {"化粪池", "莲花"} <= set(sewage.terms)


def test_groups_come_largest_first_then_most_cohesive(groups):
    order = [(-len(g.keys), -g.cohesion) for g in groups]
    assert order == sorted(order)
    assert all(0.0 < g.cohesion <= 1.0 for g in groups)


def test_most_central_demand_comes_first():
    docs = [(1, "曾口镇农村客运班车取消了，老人看病出行困难。"),
            (2, "曾口镇农村客运取消了，出行困难，请恢复班车。"),
            (3, "曾口镇的农村客运班车停运，学生周末回家没有车。")]
    [group] = similar_groups(docs)
    assert group.keys[0] == 1  # the one alike to both others


def test_min_size_drops_smaller_groups():
    sizes = sorted(len(g.keys) for g in similar_groups(fixture_docs(), min_size=3))
    assert sizes == [3, 3, 3, 4]  # the pair about school places is gone
    assert similar_groups(fixture_docs(), min_size=5) == []


def test_empty_input_gives_no_groups():
    assert similar_groups([]) == []


def test_single_demand_gives_no_groups():
    assert similar_groups([(1, "江北大道的路灯坏了")]) == []


def test_texts_without_content_words_never_group():
    docs = [(1, "谢谢！"), (2, "您好，谢谢。"), (3, ""), (4, "？？？"), (5, None)]
    assert similar_groups(docs) == []


def test_same_input_gives_same_output():
    assert similar_groups(fixture_docs()) == similar_groups(fixture_docs())


def test_input_order_does_not_change_the_groups():
    forward = {frozenset(g.keys) for g in similar_groups(fixture_docs())}
    backward = {frozenset(g.keys) for g in similar_groups(fixture_docs()[::-1])}
    assert forward == backward


def test_threshold_outside_zero_to_one_is_refused():
    for bad in (0, -0.1, 1.5):
        with pytest.raises(ValueError):
            similar_groups(fixture_docs(), threshold=bad)


def test_groups_are_frozen():
    group = SimilarGroup(keys=[1, 2], terms=["路灯"], cohesion=0.5)
    with pytest.raises(AttributeError):
        group.cohesion = 1.0


# --- text helpers ---

def test_terms_drop_stop_words_and_punctuation():
    found = terms("您好，我们希望相关部门尽快解决这个问题！！谢谢……")
    assert found == []


def test_terms_drop_generic_complaint_words_but_keep_the_subject():
    assert terms("反映一下，江北大道的路灯已经坏了，请相关部门处理，谢谢。") == ["江北", "大道", "路灯"]


@pytest.mark.parametrize("word", ["路灯", "化粪池", "占道经营", "噪音扰民", "电梯加装", "农村客运", "高空抛物",
                                  "垃圾清运", "污水外溢", "停车位", "物业费", "医保报销", "养老保险", "低保",
                                  "拖欠工资", "学位", "校车", "自来水", "停水", "停电", "燃气", "积水", "井盖"])
def test_terms_keep_civic_words_whole(word):
    assert word in terms(f"我们这里的{word}有问题，请帮忙看一下。")


def test_terms_drop_numbers_and_quantities_and_lower_case():
    assert terms("3栋2单元停水三天了，一个多月来反映了5次，WiFi也没有") == ["单元", "停水", "wifi"]


def test_terms_keep_meaningful_single_characters_only():
    found = terms("楼下的狗天天叫，水沟里很臭")
    assert "狗" in found and "臭味" in found
    assert not [t for t in found if len(t) == 1 and t not in text.MEANINGFUL_CHARS]


def test_place_names_are_one_token_whatever_the_suffix():
    assert terms("曾口镇到城区的班车")[0] == "曾口"
    assert terms("莲花社区化粪池")[:2] == ["莲花", "化粪池"]
    assert terms("红星村路灯")[0] == "红星"


def test_synonyms_map_to_one_word():
    assert terms("加装电梯") == terms("电梯加装") == ["电梯加装"]


def test_places_finds_townships_and_named_villages_only():
    assert places("曾口镇红星村3组") == {"曾口", "红星"}
    assert places("建设幸福美好生活") == set()
    assert places("") == set()


def test_terms_of_empty_text_is_empty():
    assert terms("") == []
    assert terms(None) == []


def test_top_terms_count_documents_not_repeats():
    texts = ["路灯路灯路灯坏了", "江北大道路灯不亮", "莲花社区停水"]
    assert top_terms(texts, 2) == [("路灯", 2), ("不亮", 1)]


def test_first_use_from_many_threads_loads_one_tokenizer(monkeypatch):
    monkeypatch.setattr(text, "_tokenizer", None)
    results, seen = [], []
    original = text._get_tokenizer

    def spy():
        tokenizer = original()
        seen.append(id(tokenizer))
        return tokenizer

    monkeypatch.setattr(text, "_get_tokenizer", spy)
    threads = [threading.Thread(target=lambda: results.append(terms("江北大道的路灯坏了"))) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == [["江北", "大道", "路灯"]] * 8
    assert len(set(seen)) == 1
