"""Reply quality at resolve, against 程序空转 (replies that close the procedure without answering the resident).

Three flags, each a code stored on Demand.reply_flags and shown to supervisors with its reason:
- "short": fewer than SHORT_BELOW letters and digits ("已处理。");
- "boilerplate": the same text, ignoring whitespace and punctuation, already answered BOILERPLATE_OTHERS other
  demands resolved in the last BOILERPLATE_DAYS days;
- "off_topic": the reply shares no key word with the demand (demands.text.terms, place and handling words
  left out): "已安排人员到现场处理完毕，感谢您的监督" answers any demand, so it answers none.
"""
from __future__ import annotations

import datetime as dt
import unicodedata

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Demand, DemandType
from .text import place_stems, terms

SHORT = "short"
BOILERPLATE = "boilerplate"
OFF_TOPIC = "off_topic"

REASONS = {
    SHORT: _("The reply is too short"),
    BOILERPLATE: _("The reply is the same as the replies to many other demands"),
    OFF_TOPIC: _("The reply does not address the content of the demand"),
}
REPLY_FLAG_CHOICES = list(REASONS.items())

# "已安排环卫工人清运完毕" (11) says who did what; "已处理，谢谢" (5) and "已转交相关部门" (7) do not.
SHORT_BELOW = 10
BOILERPLATE_OTHERS = 5
BOILERPLATE_DAYS = 180
# A consultation asks in few words and is answered in others ("低保怎么申请" → "携带户口簿到便民服务中心"):
# judge it only when the question names at least this many key words.
CONSULTATION_MIN_TERMS = 3

# Words of the handling itself, found in replies to any demand (measured: the most frequent terms of the
# generic replies in demands.demo_content.REPLIES); sharing one of them says nothing about the topic.
HANDLING_WORDS = frozenset("""
现场 安排 人员 工作 完成 完毕 处理完毕 处理结果 处理过程 到位 整改 后续 持续 继续 跟踪 跟进 回访 复查 核查 经查 属实 上门
联系 取得联系 对接 电话 短信 告知 说明 解释 收到 收悉 接到 感谢您 感谢 欢迎 理解 支持 监督 放心 耐心 等待 注意 查收 不便
谅解 敬请 责任 责任人 责任单位 当事方 当事人 本人 专人 会同 多方 组织 依法 依规 依据 规定 政策 现行政策 符合 措施 手续
事项 意见 同意 类似 再次 日常 巡查 办结 妥善解决 已达成 一致意见 作出 给予 积极 研究 无法 暂时 上级 涉及 计划 列入 今后
今日 于本周 检查 排查 执法人员 工作人员 单位 部门 已经 目前 已于 您好 您的 您本人
""".split())


def _kept(char: str) -> bool:
    return unicodedata.category(char)[0] in "LN"  # letters and digits; no punctuation, spaces or symbols


def normalized_reply(reply: str) -> str:
    """The reply as compared with others: letters and digits only."""
    return "".join(c for c in reply or "" if _kept(c))


def _longest_run(reply: str) -> str:
    runs = "".join(c if _kept(c) else " " for c in reply or "").split()
    return max(runs, key=len, default="")


def _is_boilerplate(demand, reply: str) -> bool:
    normal = normalized_reply(reply)
    if not normal:
        return False
    since = timezone.now() - dt.timedelta(days=BOILERPLATE_DAYS)
    # One query: replies in the window that contain the reply's longest unpunctuated run (a copied reply
    # does), compared whole in Python. updated_at (indexed) is never earlier than resolved_at.
    replies = (Demand.objects.filter(updated_at__gte=since, resolved_at__gte=since, reply__contains=_longest_run(reply))
               .exclude(pk=demand.pk).order_by().values_list("reply", flat=True))
    same = 0
    for other in replies.iterator(chunk_size=200):
        same += normalized_reply(other) == normal
        if same >= BOILERPLATE_OTHERS:
            return True
    return False


def key_terms(text: str) -> set[str]:
    """What a text is about: its terms without place words and handling words."""
    return set(terms(text)) - place_stems() - HANDLING_WORDS


def _is_off_topic(demand, reply: str) -> bool:
    asked = key_terms(demand.content)
    needed = CONSULTATION_MIN_TERMS if demand.type == DemandType.CONSULTATION else 1
    if len(asked) < needed:
        return False  # too little to judge by
    answered = key_terms(reply)
    if asked & answered:
        return False
    # Segmentation may differ between the two texts ("清运" / "清运完毕"): a key word found inside the other
    # text counts as shared.
    content = normalized_reply(demand.content).lower()
    normal = normalized_reply(reply).lower()
    return not (any(len(t) > 1 and t in normal for t in asked) or any(len(t) > 1 and t in content for t in answered))


def reply_flags_for(demand, reply: str) -> list[str]:
    """The quality flags of `reply` as the answer to `demand`, in a fixed order; empty when it looks fine."""
    flags = []
    if len(normalized_reply(reply)) < SHORT_BELOW:
        flags.append(SHORT)
    if _is_boilerplate(demand, reply):
        flags.append(BOILERPLATE)
    if _is_off_topic(demand, reply):
        flags.append(OFF_TOPIC)
    return flags


def reply_flag_reasons(flags) -> list[str]:
    """The human reason of each known flag, in the order given."""
    return [str(REASONS[flag]) for flag in flags or () if flag in REASONS]
