"""Sealing one ballot's choices so the database holds them but cannot read them (docs/ballot-secrecy.md).

A sealed ballot is written in the voter's own transaction, so PostgreSQL's xmin ties its row to the voter record:
what it says must stay unreadable to whoever reads the database, its logs and its dead row versions. It is
encrypted and authenticated under a key derived per round from a secret the database never sees
(`BALLOT_SEAL_KEY`, else `SECRET_KEY`), and every ballot of a round seals to the same length, blank or full.

AES-256-GCM from `cryptography` with a random 96-bit nonce; the version and the round are authenticated data,
so a row copied to another round, or edited, fails to open. The key of each round is derived with HKDF.
"""

import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

VERSION = b"\x02"
NONCE_BYTES = 12
TAG_BYTES = 16
ID_BYTES = 8


class SealBroken(Exception):
    """No configured key opens this ballot: it was altered, or the key changed without a fallback."""


def _secrets() -> list[str]:
    """The current secret first, then the older ones that may still open ballots sealed before a rotation."""
    own = getattr(settings, "BALLOT_SEAL_KEY", "")
    if own:
        return [own, *getattr(settings, "BALLOT_SEAL_KEY_FALLBACKS", [])]
    return [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", [])]


def _key(secret: str, round_id: int) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"minsheng.livelihood.ballot-seal:%d" % round_id)
    return hkdf.derive(secret.encode())


def _aad(round_id: int) -> bytes:
    return VERSION + struct.pack(">Q", round_id)


def seal(*, round_id: int, width: int, candidate_ids) -> bytes:
    """The sealed form of a ballot of at most `width` choices; its length depends on `width` only."""
    ids = sorted(candidate_ids)
    if len(ids) > width:
        raise ValueError("more choices than the ballot holds")
    plain = struct.pack(">H", len(ids)) + b"".join(struct.pack(">Q", i) for i in ids)
    plain += bytes(ID_BYTES * (width - len(ids)))
    nonce = os.urandom(NONCE_BYTES)
    return VERSION + nonce + AESGCM(_key(_secrets()[0], round_id)).encrypt(nonce, plain, _aad(round_id))


def unseal(*, round_id: int, sealed: bytes) -> list[int]:
    """The candidate ids of one sealed ballot of this round; SealBroken if no configured key opens it."""
    sealed = bytes(sealed)
    if len(sealed) < 1 + NONCE_BYTES + 2 + TAG_BYTES or sealed[:1] != VERSION:
        raise SealBroken()
    nonce, ciphertext = sealed[1:1 + NONCE_BYTES], sealed[1 + NONCE_BYTES:]
    for secret in _secrets():
        try:
            plain = AESGCM(_key(secret, round_id)).decrypt(nonce, ciphertext, _aad(round_id))
        except InvalidTag:
            continue
        (n,) = struct.unpack(">H", plain[:2])
        if 2 + ID_BYTES * n > len(plain):
            raise SealBroken()
        return [struct.unpack(">Q", plain[2 + ID_BYTES * k:2 + ID_BYTES * (k + 1)])[0] for k in range(n)]
    raise SealBroken()
