"""Chinese text helpers shared across the project: word segmentation for grouping, hotspot terms, classifiers.

`terms()` keeps the words that say *what* and *where*; the words every demand uses (希望, 反映, 问题, 尽快 ...)
are stop words, so two demands look alike only when they talk about the same thing.
"""
from __future__ import annotations

import functools
import logging
import re
import threading
import unicodedata
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

# Civic words jieba would otherwise split (路灯 -> 路/灯 in some contexts, 占道经营 -> 占道/经营).
CIVIC_WORDS = (
    "路灯", "化粪池", "占道经营", "噪音扰民", "电梯加装", "加装电梯", "农村客运", "高空抛物",
    "垃圾清运", "污水外溢", "污水管网", "停车位", "物业费", "医保报销", "养老保险", "低保", "拖欠工资",
    "欠薪", "学位", "校车", "自来水", "停水", "停电", "燃气", "天然气", "积水", "井盖", "下水道", "排污管",
    "广场舞", "夜市", "烧烤摊", "流动摊贩", "乱停乱放", "消防通道", "违章建筑", "违建", "危房", "危房改造",
    "房产证", "不动产登记", "公租房", "廉租房", "棚户区", "拆迁", "征地", "补偿款", "退役军人", "残疾证",
    "特困供养", "临时救助", "医疗救助", "新农合", "社保卡", "农村客车", "公交线路", "招呼站", "村道",
    "通村路", "通组路", "人行道", "红绿灯", "减速带", "护栏", "塌方", "滑坡", "山洪", "堰塘", "水渠",
    "饮水", "水压", "水质", "电压", "变压器", "电线", "网络信号", "快递", "野狗", "流浪狗", "油烟",
    "扬尘", "渣土车", "垃圾桶", "垃圾站", "公厕", "黑臭水体", "秸秆焚烧",
    "食品安全", "过期食品", "电动车", "电瓶车", "充电桩", "飞线充电", "楼道", "业委会", "维修基金",
    "网格员", "营业执照", "义务教育", "入学", "转学", "幼儿园", "营养餐", "家庭医生", "疫苗", "卫生院",
    "停运", "班次", "不亮", "没电", "漏水", "漏气", "噪音", "粪水", "清掏",
)

# Different words for the same thing, mapped to one, so that two phrasings of one complaint share their words.
SYNONYMS = {
    "加装电梯": "电梯加装", "电动车": "电瓶车", "欠薪": "拖欠工资", "违建": "违章建筑", "天然气": "燃气",
    "流浪狗": "野狗", "客运班车": "农村客运", "农村客车": "农村客运", "业主委员会": "业委会",
    "噪音": "噪音扰民", "噪声": "噪音扰民", "吵": "噪音扰民", "吵闹": "噪音扰民", "扰民": "噪音扰民",
    "漆黑": "不亮", "黑灯瞎火": "不亮", "黑黢黢": "不亮", "黑漆漆": "不亮", "不亮了": "不亮",
    "检修": "维修", "修理": "维修", "修复": "维修", "抢修": "维修", "来修": "维修", "维护": "维修",
    "臭": "臭味", "臭气": "臭味", "臭气熏天": "臭味", "恶臭": "臭味", "异味": "臭味",
    "粪水": "污水", "污水横流": "污水外溢", "冒水": "外溢", "溢出": "外溢",
    "停运": "取消", "停开": "取消", "停班": "取消", "停发": "取消",
    "清掏": "清理", "清淤": "清理",
}

# A quantity ("三天", "一个多月", "5栋", "两点") says nothing about what a demand is about.
_NUMERALS = frozenset("0123456789０１２３４５６７８９零〇一二三四五六七八九十百千万两几多半")
_QUANTITY = _NUMERALS | frozenset("个天月年日号点时分秒周次回遍趟栋幢楼层组户人元块米斤亩岁家辆条座")
# 村 / 镇 / 乡 / 社区 / 街道 after a place name: "红星村" and "红星" are the same place.
_PLACE_SUFFIXES = ("社区", "街道", "村", "镇", "乡")

# Single characters that still say something about a demand (most single characters do not).
MEANINGFUL_CHARS = frozenset("水电气灯桥河沟渠堰坝井坑墙树狗猫臭吵堵漏塌烟火雨粪")

STOP_WORDS = frozenset("""
的 了 在 是 我 我们 你 你们 他 他们 她 它 它们 咱们 自己 大家 人家 有 和 与 及 或 或者 并 并且 而 而且 就 不 也
很 都 还 又 再 才 只 只是 仅 但 但是 可是 然后 而是 如果 虽然 即使 因为 所以 因此 于是 由于 为了 对于 关于 通过
根据 按照 由 从 向 往 对 把 被 给 让 叫 使 将 跟 同 比 到 于 以 之 其 此 这 那 这个 那个 这些 那些 这里 那里 这边
那边 这样 那样 这么 那么 这种 那种 哪 哪里 哪个 哪些 谁 什么 啥 啥子 怎么 怎样 怎么样 怎么办 如何 为什么
为啥 为啥子 多少 几 几个 个 些 一些 一个 一下 一点 一直 一起 一样 一次 一般 一定 一边 一天 一年 一段 一些 每 每天
每次 各 各位 某 某些 其他 其它 别的 另外 还有 以及 等 等等 之类 方面 地方 时候 时间 现在 目前 当前 最近 近期 近来
前段 前几天 这几天 今天 昨天 明天 今年 去年 以前 之前 以后 之后 后来 已经 曾经 正在 正 将要 马上 立即 尽快 及时
赶快 赶紧 早日 长期 经常 常常 总是 始终 一直 多次 好几次 几次 反复 仍然 依然 还是 仍 依旧 终于 到底 究竟 实在
确实 真的 非常 特别 十分 比较 太 更 最 越来越 极 极其 相当 有点 有些 稍微 完全 根本 基本 基本上 全部 所有 整个
都是 就是 也是 还是 不是 没有 没 无 不能 不会 不要 不用 不再 不得 不了 不到 不好 不行 能 能够 可以 可能 应该 应当
需要 必须 要 会 想 想要 愿意 希望 期望 盼望 恳请 请 请求 要求 麻烦 帮忙 帮助 协调 协助 落实 督促 关注 重视 考虑
尽早 一下子 了解 知道 告诉 说 讲 问 问下 请问 咨询 建议 提出 提议 投诉 举报 反映 反应 反馈 诉求 求助 呼吁 申请
报告 汇报 回复 答复 回应 处理 解决 办理 处置 核实 调查 查看 查 看看 看 管 管理 负责 相关 有关 部门 单位 领导
政府 工作人员 同志 师傅 老师 您好 你好 谢谢 感谢 辛苦 拜托 劳驾 麻烦您 问题 情况 事情 事 现象 原因 结果 影响
造成 导致 出现 发生 存在 进行 开展 实施 做 做到 搞 弄 有人 居民 群众 村民 百姓 老百姓 市民 住户 业主 大伙
老人 家里 附近 周边 周围 旁边 门口 这段 那段 一带 区域 地区 当地 本地 该 上述 以上 以下 如下 里面 外面 上面
下面 中间 之间 左右 前后 上下 里 上 下 中 内 外 前 后 着 过 吧 吗 呢 啊 呀 哦 嘛 哈 啦 喽 么 呗 嗯 噢 哎 唉 诶
所在 目前为止 至今 至今为止 迟迟 一直没有 仍未 未 已 曾 得 地 得到 给予 予以 加以 进一步 有效 严重 很多 许多
好多 大量 不少 一些 部分 多 少 大 小 高 低 长 短 新 旧 好 坏 一 二 三 四 五 六 七 八 九 十 百 千 万 两 半 第
号 月 日 年 点 分 天 周 星期 小时 分钟 多年 多月 几天 好几天 个月 年来 那天 当天 每年 今天上午 晚上 早上 上午
下午 中午 白天 夜里 半夜 凌晨 平时 有没有 是不是 能不能 可不可以 后面 前面 方便 不方便 不够 社区 一段时间 好久 很久 多久
娃娃 我家 我们家 他家 晓得 不晓得 咋个 咋办 哪个 得很 好多 整 搞得 弄得 一哈 嘛 哦 咯 哟 屋头 屋里
""".split())

# High enough to beat overlapping dictionary words: 新华/社区 not 新华社/区, 路灯/不亮 not 路/灯不亮.
_WORD_FREQ = 20000
_HMM = False  # jieba's guesses at unknown words ("水漫", "请管") differ between phrasings of one complaint

_lock = threading.Lock()
_tokenizer = None
_place_stems: frozenset[str] = frozenset()
_place_pattern: re.Pattern | None = None


def _township_stems() -> list[tuple[str, str]]:
    from grids.bazhou import TOWNSHIPS  # plain data, no models

    return [(name.removesuffix("街道").removesuffix("镇").removesuffix("乡"), name) for _c, name, _k in TOWNSHIPS]


def _place_names() -> tuple[set[str], set[str]]:
    from grids.bazhou import COMMUNITY_WORDS

    stems = set(COMMUNITY_WORDS)
    full = set()
    for stem, name in _township_stems():
        stems.add(stem)
        full.add(name)  # "曾口镇到城区" must not split as 曾口/镇到
    return stems, full


def places(text: str) -> set[str]:
    """Bazhou places a text names: township stems anywhere ("曾口"), community words only before 村/社区/小区
    ("莲花社区" -> "莲花"; a bare "建设" or "幸福" is a word, not a place)."""
    global _place_pattern
    if _place_pattern is None:
        from grids.bazhou import COMMUNITY_WORDS

        towns = sorted({stem for stem, _name in _township_stems()}, key=len, reverse=True)
        villages = sorted(set(COMMUNITY_WORDS), key=len, reverse=True)
        _place_pattern = re.compile(f"({'|'.join(towns)})|({'|'.join(villages)})(?:村|社区|居委会|小区)")
    return {town or village for town, village in _place_pattern.findall(text or "")}


def _get_tokenizer():
    """The process's own jieba tokenizer, loaded once on first use (loading costs about half a second)."""
    global _tokenizer, _place_stems
    if _tokenizer is None:
        with _lock:
            if _tokenizer is None:
                import jieba

                jieba.setLogLevel(logging.WARNING)
                tokenizer = jieba.Tokenizer()
                tokenizer.initialize()
                stems, full_names = _place_names()
                for word in (*CIVIC_WORDS, *sorted(stems | full_names)):
                    tokenizer.add_word(word, freq=max(tokenizer.FREQ.get(word) or 0, _WORD_FREQ))
                _place_stems = frozenset(stems)
                _tokenizer = tokenizer  # published only when complete: no thread sees a half-built one
    return _tokenizer


def place_stems() -> frozenset[str]:
    """The place words terms() yields ("曾口", "莲花"): where a demand is, not what it is about."""
    _get_tokenizer()
    return _place_stems


def _normal(token: str) -> str:
    token = token.strip().lower()
    token = SYNONYMS.get(token, token)
    if len(token) < 3 or token[-1] not in "村镇乡区道":
        return token
    for suffix in _PLACE_SUFFIXES:
        if token.endswith(suffix) and token[:-len(suffix)] in _place_stems:
            return token[:-len(suffix)]
    return token


def _keep(token: str) -> bool:
    if not token or token in STOP_WORDS:
        return False
    if len(token) == 1:
        return token in MEANINGFUL_CHARS
    if all(c in _QUANTITY for c in token) and any(c in _NUMERALS for c in token):
        return False
    return any(unicodedata.category(c)[0] == "L" for c in token)  # drops punctuation runs ("！！", "……")


def terms(text: str) -> list[str]:
    """Content words of a text, in order, lower-cased; stop words, punctuation and quantities dropped."""
    if not text:
        return []
    tokenizer = _get_tokenizer()
    return [token for token in map(_normal, tokenizer.cut(text, HMM=_HMM)) if _keep(token)]


TERM_STOP_WORDS_FILE = Path(__file__).with_name("stopwords_zh.txt")


@functools.cache
def term_stop_words() -> frozenset[str]:
    """Words the frequent-term list leaves out besides STOP_WORDS (stopwords_zh.txt, read once per process): 很大,
    别人, 回来 ... turn up in demands about anything. terms() keeps them, since grouping and the classifier were tuned
    on its words; only the list a supervisor reads drops them."""
    words = set()
    for line in TERM_STOP_WORDS_FILE.read_text(encoding="utf-8").splitlines():
        if not line.lstrip().startswith("#"):
            words.update(word.lower() for word in line.split())
    return frozenset(words)


def top_terms(texts: Iterable[str], n: int = 20) -> list[tuple[str, int]]:
    """The n terms found in the most texts (document frequency: a word repeated in one text counts once), leaving
    out the words that name no problem (term_stop_words)."""
    counts = Counter()
    for text in texts:
        counts.update(set(terms(text)))
    skip = term_stop_words()
    ranked = sorted(((term, count) for term, count in counts.items() if term not in skip),
                    key=lambda item: (-item[1], item[0]))
    return ranked[:n]
