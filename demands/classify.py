"""First auto-classification: character-bigram similarity to example texts of each category.

Simple on purpose (the dashboards issue brings word segmentation and a trained model); it already routes the
common cases and says how sure it is.
"""

import math
from collections import Counter
from functools import lru_cache

from .demo_content import DEMAND_TEXTS

# Words that name the type of a demand outright.
TYPE_CUES = [("举报", "report"), ("投诉", "complaint"), ("建议", "suggestion"), ("请问", "consultation"),
             ("咨询", "consultation"), ("怎么办理", "consultation"), ("帮忙", "help"), ("求助", "help")]


def _bigrams(text: str) -> Counter:
    chars = [c for c in text if "\u4e00" <= c <= "\u9fff" or c.isalnum()]
    return Counter(a + b for a, b in zip(chars, chars[1:]))


@lru_cache(maxsize=1)
def _profiles() -> dict[str, tuple[Counter, float, Counter]]:
    profiles = {}
    for code, examples in DEMAND_TEXTS.items():
        grams = Counter()
        types = Counter()
        for demand_type, text in examples:
            grams.update(_bigrams(text.format(community="", landmark="")))
            types[demand_type] += 1
        profiles[code] = (grams, math.sqrt(sum(v * v for v in grams.values())), types)
    return profiles


def suggest(content: str) -> dict:
    grams = _bigrams(content)
    norm = math.sqrt(sum(v * v for v in grams.values())) or 1.0
    best, best_score = None, 0.0
    for code, (profile, profile_norm, _types) in _profiles().items():
        score = sum(count * profile.get(gram, 0) for gram, count in grams.items()) / (norm * profile_norm)
        if score > best_score:
            best, best_score = code, score
    demand_type = next((t for cue, t in TYPE_CUES if cue in content), None)
    if demand_type is None:
        demand_type = _profiles()[best][2].most_common(1)[0][0] if best else "help"
    return {"type": demand_type, "category": best if best_score >= 0.05 else None,
            "confidence": round(min(1.0, best_score * 2), 2)}
