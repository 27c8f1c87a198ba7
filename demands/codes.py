"""Tracking codes: 17 random symbols (≈83 bits) plus a check symbol, read aloud in groups of three."""

import secrets

# No 0/O, 1/I/L or U: nothing a resident could misread on a receipt or mishear on the phone.
ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
RANDOM_LENGTH = 17
GROUP = 3


def _check_symbol(body: str) -> str:
    """Luhn mod N: catches every single mistyped symbol and most swaps of neighbours."""
    n, factor, total = len(ALPHABET), 2, 0
    for ch in reversed(body):
        addend = factor * ALPHABET.index(ch)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def new_tracking_code() -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(RANDOM_LENGTH))
    return format_code(body + _check_symbol(body))


def format_code(raw: str) -> str:
    return "-".join(raw[i : i + GROUP] for i in range(0, len(raw), GROUP))


def normalize_code(text: str) -> str | None:
    """The canonical form of what a resident typed, or None if it cannot be a valid code."""
    raw = "".join(ch for ch in (text or "").upper() if ch not in " -_\u3000－—")
    if len(raw) != RANDOM_LENGTH + 1 or any(ch not in ALPHABET for ch in raw):
        return None
    if _check_symbol(raw[:-1]) != raw[-1]:
        return None
    return format_code(raw)
