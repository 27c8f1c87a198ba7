"""Similar-demand grouping time against batch size (demands.grouping.similar_groups).

Builds batches of 200 / 1,000 / 2,000 demands from the demo templates (demands.demo_content) filled with
Bazhou places and landmarks, one in eight of them a second report of an earlier demand (same problem, same
place, partly reworded), and times similar_groups() on each, segmentation included, jieba already loaded.
Prints the median of several rounds per size and how many groups were found. Needs no database.

    python bench/grouping.py [--sizes 200 1000 2000] [--rounds 5] [--threshold 0.25]
    python bench/grouping.py --smoke    # 20 demands, one round: shows the benchmark still runs
"""

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from demands.demo_content import DEMAND_TEXTS, LANDMARKS  # noqa: E402
from demands.text import terms  # noqa: E402
from grids.bazhou import COMMUNITY_WORDS, TOWNSHIPS  # noqa: E402
from demands.grouping import DEFAULT_THRESHOLD, similar_groups  # noqa: E402

OPENINGS = ["", "你好，", "反映一下，", "我想反映个事，", "您好，我是这里的住户，", "再次反映：", "请问一下，"]
CLOSINGS = ["", "谢谢！", "麻烦尽快处理。", "希望早点解决。", "拜托了。", "这个问题已经反映过了，还是没人管。"]


def make_batch(size: int, seed: int = 7) -> list[tuple[int, str]]:
    rng = random.Random(seed)
    templates = [text for examples in DEMAND_TEXTS.values() for _type, text in examples]
    docs: list[tuple[int, str, str, str]] = []  # (key, template, place, landmark)
    texts = []
    for key in range(size):
        if docs and rng.random() < 1 / 8:
            _k, template, place, _landmark = rng.choice(docs)  # the same demand reported again
            landmark = rng.choice(LANDMARKS)
        else:
            template = rng.choice(templates)
            township = rng.choice(TOWNSHIPS)[1]
            place = (township if rng.random() < 0.3 else "") + rng.choice(COMMUNITY_WORDS) + rng.choice(["村", "社区"])
            landmark = rng.choice(LANDMARKS)
        docs.append((key, template, place, landmark))
        texts.append(rng.choice(OPENINGS) + template.format(community=place, landmark=landmark) + rng.choice(CLOSINGS))
    return list(enumerate(texts))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[200, 1000, 2000])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threshold", type=float, default=DEFAULT_THRESHOLD)
    parser.add_argument("--smoke", action="store_true", help="20 demands, one round: the test suite's check")
    args = parser.parse_args()
    if args.smoke:
        args.sizes, args.rounds = [20], 1

    started = time.perf_counter()
    terms("江北大道的路灯坏了")  # load jieba once, as a running server has
    print(f"jieba loaded in {time.perf_counter() - started:.2f} s (once per process)")
    similar_groups(make_batch(50, seed=1), threshold=args.threshold)  # and the background IDF corpus

    print(f"{'docs':>6} {'median s':>9} {'min s':>7} {'max s':>7} {'groups':>7} {'grouped docs':>13}")
    for size in args.sizes:
        batch = make_batch(size)
        times = []
        for _ in range(args.rounds):
            started = time.perf_counter()
            groups = similar_groups(batch, threshold=args.threshold)
            times.append(time.perf_counter() - started)
        grouped = sum(len(group.keys) for group in groups)
        print(f"{size:>6} {statistics.median(times):>9.3f} {min(times):>7.3f} {max(times):>7.3f} "
              f"{len(groups):>7} {grouped:>13}")


if __name__ == "__main__":
    main()
