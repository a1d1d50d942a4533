"""Seeded 64-bit keys for source ids.

Sorting rows by a keyed hash of their id is a seeded permutation with two properties the
sampler relies on: taking the first k is nested in k (k=200 rows are the first 200 of k=400),
and restricting to a subset of ids keeps their relative order (so one task-level key orders
every language of a translated corpus the same way, which is what `parallel` needs).
"""

from __future__ import annotations

import hashlib
from typing import Sequence

import numpy as np

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)


def salt(*parts: object) -> bytes:
    return hashlib.sha256("\x1f".join(map(str, parts)).encode()).digest()


def hash_ids(ids: Sequence[str], key: bytes) -> np.ndarray:
    """Keyed blake2b of each id, first 8 bytes as an unsigned big-endian integer."""
    base = hashlib.blake2b(key=key[:64], digest_size=8)

    def one(s: str, base=base) -> bytes:
        h = base.copy()
        h.update(s.encode("utf-8", "surrogatepass"))
        return h.digest()

    if not ids:
        return np.zeros(0, dtype=np.uint64)
    return np.frombuffer(b"".join(map(one, ids)), dtype=">u8").astype(np.uint64)


def mix64(x: np.ndarray) -> np.ndarray:
    """SplitMix64's finalizer: a second, independent-looking hash of a key (used to split ids)."""
    x = x.astype(np.uint64, copy=True)
    with np.errstate(over="ignore"):
        x ^= x >> np.uint64(30)
        x *= _M1
        x ^= x >> np.uint64(27)
        x *= _M2
        x ^= x >> np.uint64(31)
    return x
