"""Build the labelled corpus of the demand classifier: demands/corpus/labelled.jsonl.

    python -m demands.corpus.build          # rewrites labelled.jsonl; the same output every run

Each line is {"text", "type", "category" (a sub-category code), "phrase" (the hand-written phrase used)}.
Texts combine the hand-written phrases of phrases.py with frames per demand type and slot fillers (Bazhou
places, landmarks, durations, Sichuan colloquial wording). The random choices are seeded per sub-category, so
adding one sub-category does not change the texts of the others.
"""
from __future__ import annotations

import json
import random
from pathlib import Path

from grids.bazhou import COMMUNITY_WORDS, TOWNSHIPS

from .phrases import P

OUTPUT = Path(__file__).with_name("labelled.jsonl")

LANDMARKS = [
    "农贸市场", "中心校", "村委会", "客运站", "滨河路", "回风大道", "江北大道", "巴州广场", "望王山脚下", "南龛坡",
    "兴文路", "老城区", "新华街", "红军路", "柳津桥", "后河边", "莲花街", "宕梁街", "二中门口", "区医院门口",
    "幼儿园旁边", "菜场口", "3组", "6组", "9组", "村口", "院坝", "老街", "小区大门", "2栋", "8栋2单元",
    "14栋", "地下车库", "农家乐", "镇政府背后", "场镇", "河坝", "桥头", "堰塘边", "学校后门", "加油站对面",
    "超市门口", "广场", "车站背后", "老供销社", "敬老院旁边", "卫生院", "新区", "工业园区", "村小",
]
DURATIONS = ["好几天", "一个多月", "半个多月", "两三个星期", "快一年", "好久", "大半个月", "三四天", "一个星期",
             "两个多月", "十来天", "小半年"]
WHENS = ["每天晚上", "天天早上", "一到周末", "半夜", "每天下午", "晚上", "早晚高峰", "一到下雨天", "赶场天"]
WHO = ["屋头有两个老人", "家里娃娃还小", "我妈八十多岁了", "家里有病人", "我一个人带两个娃娃", "我们都是留守老人",
       "我腿脚不方便", "屋头就我和老伴"]

C_TAIL = ["请尽快整改。", "希望给个说法。", "请相关部门督促落实。", "希望严肃处理。", "要求尽快解决并回复。", "希望领导重视。",
          "这样下去咋个得了。"]
H_TAIL = ["协调一下", "派人来看看", "催一下进度", "想想办法", "联系一下相关单位", "安排人来处理"]
S_TAIL = ["望采纳。", "供参考。", "谢谢！", "希望能够采纳。", "群众都盼着。"]
R_TAIL = ["请依法查处。", "请尽快核实。", "希望严查。", "请核实处理并反馈。", "请为我保密。"]

# Some demands read the same whether the resident complains or asks for help: these frames serve both types,
# as in real intake, so the type model cannot learn the frame alone.
NEUTRAL = [
    "{where}{x}，{dur}了。",
    "{where}{x}，希望尽快处理。",
]
COMPLAINT = NEUTRAL + [
    "{where}{x}，{dur}了都没得人管，希望有关部门重视一下。",
    "投诉！{x}，反映了好几次都没解决。",
    "我要投诉：{where}{x}，{ctail}",
    "{x}。已经{dur}了，打电话问来问去都说不归他们管，太不负责了！",
    "对这个事情很不满意，{x}，{ctail}",
    "{where}{x}。这个问题存在{dur}了，群众意见很大。",
    "你们好，{where}{x}，之前反映过，到现在还是老样子，{ctail}",
    "{x}，到底有没有人管？{dur}了，恼火得很。",
]
HELP = NEUTRAL + [
    "{where}{x}，{who}，请帮忙{htail}。",
    "求助：{x}，我们自己实在没得办法，麻烦派人来看一下。",
    "你好，{where}{x}，能不能帮我们解决一下？谢谢了。",
    "{x}，{who}，麻烦相关部门帮个忙。",
    "{where}{x}，请尽快安排人来处理，谢谢！",
    "麻烦你们帮下忙，{x}，{dur}了，{who}。",
    "{x}，不晓得找哪个，只有在这里求助了。",
]
CONSULTATION = [
    "请问{q}？",
    "想咨询一下，{q}？",
    "你好，我是{place}的，想问一下{q}？谢谢。",
    "问一下哈，{q}？网上没查到。",
    "咨询：{q}？麻烦告知一下。",
    "{q}？有没有人晓得，麻烦回复一下。",
    "我想了解一下{q}，打电话一直占线。",
]
SUGGESTION = [
    "建议{s}。",
    "提个建议：{s}，这样群众方便得多。",
    "{where}{x}，建议{s}。",
    "希望相关部门考虑一下，{s}。",
    "我有个想法，能不能{s}？",
    "作为{place}的居民，建议{s}，{stail}",
    "{x}，我觉得可以{s}，{stail}",
]
REPORT = [
    "举报：{r}，请有关部门查处。",
    "实名举报，{where}{r}，{rtail}",
    "{r}，已经{dur}了，怀疑违法，请来查一下。",
    "我要举报{where}{r}，我有照片。",
    "向你们反映一个违法的事：{r}。{rtail}",
    "{where}{r}，希望执法部门暗访一下，不要透露我的信息。",
]


def _place(rng: random.Random) -> str:
    word = rng.choice(COMMUNITY_WORDS)
    _code, township, kind = rng.choice(TOWNSHIPS)
    if kind == "street":
        options = [f"{township}{word}社区", f"{word}社区", f"{township[:2]}{word}社区", "我们小区"]
    else:
        options = [f"{township}{word}村", f"{word}村", f"{township[:-1]}{word}村", "我们村"]
    return rng.choice(options)


def _slots(rng: random.Random, text: str) -> str:
    return text.format(lm=rng.choice(LANDMARKS), dur=rng.choice(DURATIONS), when=rng.choice(WHENS))


def _frame(rng: random.Random, frame: str, **parts) -> str:
    place = _place(rng)
    where = rng.choice([place, place + "这边", place + "，", "", ""])
    values = {
        "where": where, "place": place, "dur": rng.choice(DURATIONS), "who": rng.choice(WHO),
        "ctail": rng.choice(C_TAIL), "htail": rng.choice(H_TAIL), "stail": rng.choice(S_TAIL),
        "rtail": rng.choice(R_TAIL),
    }
    values.update({key: _slots(rng, value) for key, value in parts.items()})
    return frame.format(**values)


def _pick(rng: random.Random, frames: list[str], n: int, needs_x: bool) -> list[str]:
    usable = [f for f in frames if needs_x or "{x}" not in f]
    return rng.sample(usable, min(n, len(usable)))


def texts_for(code: str, phrases: dict) -> list[tuple[str, str, str]]:
    """(type, text, phrase id) triples of one sub-category; the phrase id ("i2", "q0") lets a held-out split
    keep every text of one phrase on the same side."""
    rng = random.Random(f"corpus:{code}")
    issues, asks, ideas, wrongs = phrases["i"], phrases["q"], phrases["s"], phrases["r"]
    out = []
    for n, issue in enumerate(issues):
        out += [("complaint", _frame(rng, f, x=issue), f"i{n}") for f in _pick(rng, COMPLAINT, 2, True)]
        out += [("help", _frame(rng, f, x=issue), f"i{n}") for f in _pick(rng, HELP, 1 + (len(issues) < 6), True)]
    for n, ask in enumerate(asks):
        out += [("consultation", _frame(rng, f, q=ask), f"q{n}") for f in _pick(rng, CONSULTATION, 2, False)]
    for n, idea in enumerate(ideas):
        count = 3 if len(ideas) > 2 else 2
        for f in _pick(rng, SUGGESTION, count, bool(issues)):
            out.append(("suggestion", _frame(rng, f, s=idea, x=rng.choice(issues) if issues else ""), f"s{n}"))
    for n, wrong in enumerate(wrongs):
        out += [("report", _frame(rng, f, r=wrong), f"r{n}") for f in _pick(rng, REPORT, 2, False)]
    seen, unique = set(), []
    for demand_type, text, phrase in out:
        if text not in seen:
            seen.add(text)
            unique.append((demand_type, text, phrase))
    return unique


def build() -> list[dict]:
    return [{"text": text, "type": demand_type, "category": code, "phrase": f"{code}:{phrase}"}
            for code, phrases in P.items() for demand_type, text, phrase in texts_for(code, phrases)]


def main() -> None:
    rows = build()
    with OUTPUT.open("w", encoding="utf-8") as fh:
        for row in rows:
            fh.write(json.dumps(row, ensure_ascii=False) + "\n")
    print(f"{len(rows)} texts -> {OUTPUT}")


if __name__ == "__main__":
    main()
