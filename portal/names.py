"""Deterministic realistic Chinese names for demo people."""

import random

from demands.demo_content import GIVEN_NAMES, SURNAMES


def person_name(seed: str) -> str:
    rng = random.Random(seed)
    return rng.choice(SURNAMES) + rng.choice(GIVEN_NAMES)


def phone_number(rng: random.Random) -> str:
    return rng.choice(["138", "139", "135", "136", "150", "151", "158", "177", "180", "182", "187", "199"]) + "".join(
        str(rng.randrange(10)) for _ in range(8))
