"""Deterministic realistic Chinese names for demo people."""

import random

from demands.demo_content import GIVEN_NAMES, SURNAMES


def person_name(seed: str) -> str:
    rng = random.Random(seed)
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)

