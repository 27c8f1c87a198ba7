"""Tracking codes: 17 random symbols (≈83 bits) plus a check symbol, read aloud in groups of three."""

import re
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


# The public number staff, integrations and Open311 use to refer to a demand. It names the receipt year and the
# row, so it grants nothing: every lookup by it goes through the viewer's scope. The tracking code stays the
# resident's credential and is shown to nobody else.
PUBLIC_PREFIX = "BZ"
_PUBLIC_RE = re.compile(r"^\s*(?:BZ)?[-\s]?(\d{4})[-\s]?(\d{1,12})\s*$", re.IGNORECASE)


def public_number(pk: int, year: int) -> str:
    return f"{PUBLIC_PREFIX}-{year}-{pk:06d}"


def parse_public_number(text: str) -> tuple[int, int] | None:
    """(year, pk) of a public number such as BZ-2026-004213, or None if it cannot be one."""
    match = _PUBLIC_RE.match(text or "")
    if match is None:
        return None
    year, pk = int(match.group(1)), int(match.group(2))
    if not (2000 <= year <= 2999) or not (0 < pk < 2**63):
        return None
    return year, pk
