"""N-gram overlap between training text and evaluation items: pure functions, no I/O.

The rule (what `decontaminate:` removes), after common practice:

- Normalisation: Unicode NFKC, case folded, every punctuation and symbol character (Unicode
  categories P* and S*) turned into a space, control and format characters dropped. This is the
  "ignore case and punctuation" of the GPT-3 paper's overlap check (Brown et al., 2020, App. C,
  as lm-evaluation-harness' janitor implements it).
- Units: words (split on white space) for scripts that put spaces between words; characters for
  scripts that do not (Chinese, Japanese, Thai, Burmese, Khmer, Lao), where a word splitter would
  be a model of its own and could disagree between the training and the evaluation side.
- Match: an evaluation item is matched by a training row when the n-grams the row shares with it
  cover more than half of the item's units. That is Tülu 3's decontamination (open-instruct
  `decontamination/search.py --ngram_size 8 --match_threshold 0.5`: a test instance's tokens
  covered by 8-grams that occur in a training document, more than 50%). n = 8 words; for
  character scripts n = 13 characters, GPT-3's 13 applied to characters: a Chinese or Japanese
  word is one to a few characters, so 13 characters span about as much text as 8 words.
- Items shorter than n units have no n-gram; they match a message whose normalised units are
  exactly the item's (a copied short prompt), never a mere substring.

Grams are compared by a 64-bit hash and every hit is confirmed on the units themselves, so a
hash collision can never remove a row.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field
from itertools import chain
from typing import Iterable, Sequence

import numpy as np

from clt_plugin import languages

WORD_N = 8
CHAR_N = 13
THRESHOLD = 0.5  # coverage must be strictly greater
# Scripts written without spaces between words: their unit is the character.
CHARACTER_SCRIPTS = frozenset({"Jpan", "Hans", "Hant", "Thai", "Mymr", "Khmr", "Laoo"})

RULE: dict = {
    "method": "n-gram coverage of the evaluation item",
    "normalization": "NFKC, case folded, punctuation and symbols (Unicode P*, S*) removed",
    "units": {"words": "scripts with spaces between words", "characters": sorted(CHARACTER_SCRIPTS)},
    "n": {"words": WORD_N, "characters": CHAR_N},
    "threshold": f"shared n-grams cover more than {THRESHOLD:.0%} of the item's units",
    "short_items": "an item shorter than n units matches a message equal to it after normalization",
    "after": "Tülu 3 / open-instruct (8-gram, 0.5); GPT-3's 13-gram for character scripts",
}

_MULT = np.uint64(0x9E3779B97F4A7C15)  # odd: the rolling combination is a bijection per step


class _Cleaner(dict):
    """str.translate table filled on first sight of each character: what normalisation keeps."""

    def __missing__(self, cp: int) -> str | None:
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if ch.isspace() or cat[0] in "PS":
            value: str | None = " "
        elif cat[0] == "C":
            value = None
        else:
            value = ch
        self[cp] = value
        return value


_CLEAN = _Cleaner()


def unit_kind(lang: str) -> str:
    """'characters' for scripts without spaces between words, else 'words'."""
    return "characters" if languages.get(lang).script in CHARACTER_SCRIPTS else "words"


def gram_size(lang: str) -> int:
    return CHAR_N if unit_kind(lang) == "characters" else WORD_N


def units(text: str, lang: str) -> list[str]:
    """The normalised units of `text` as the rule compares them."""
    cleaned = unicodedata.normalize("NFKC", text).casefold().translate(_CLEAN)
    if unit_kind(lang) == "characters":
        return list("".join(cleaned.split()))
    return cleaned.split()


def _rolling(h: np.ndarray, n: int) -> np.ndarray:
    count = len(h) - n + 1
    out = np.zeros(max(count, 0), np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            out = out * _MULT + h[k : k + count]
    return out


_CHUNK = 1 << 20  # units hashed at once: bounded memory however large the evaluation set
_unit_hash = hash  # per process; every hit is confirmed on the units, so its collisions never count


def _grams(token_lists: Sequence[Sequence[str]], n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(hash, list index, start position) of every n-gram that lies inside one of `token_lists`.

    Many short lists are hashed as one flat array (numpy's cost is per call, not per unit)."""
    parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    i = 0
    while i < len(token_lists):
        j, size = i, 0
        while j < len(token_lists) and (size == 0 or size + len(token_lists[j]) <= _CHUNK):
            size += len(token_lists[j])
            j += 1
        lens = np.fromiter(map(len, token_lists[i:j]), np.int64, j - i)
        if size >= n:
            h = np.fromiter(map(_unit_hash, chain.from_iterable(token_lists[i:j])), np.int64, size).view(np.uint64)
            g = _rolling(h, n)
            owner = np.repeat(np.arange(i, j, dtype=np.int64), lens)[: len(g)]
            pos = np.arange(size, dtype=np.int64)[: len(g)] - np.repeat(np.cumsum(lens) - lens, lens)[: len(g)]
            inside = np.flatnonzero(pos + n <= np.repeat(lens, lens)[: len(g)])
            parts.append((g[inside], owner[inside], pos[inside]))
        i = j
    if not parts:
        return np.zeros(0, np.uint64), np.zeros(0, np.int64), np.zeros(0, np.int64)
    return tuple(np.concatenate(c) for c in zip(*parts))  # type: ignore[return-value]


@dataclass(frozen=True)
class Item:
    """One evaluation text: an item's prompt, or its reference when that is text."""

    family: str  # the evaluation set (mgsm, xlsum, dolly, ifeval)
    item_id: str
    field: str  # which field of the item (question, text, summary, inputs, targets, prompt)
    text: str


@dataclass(frozen=True)
class Hit:
    """A training message that matches an evaluation item."""

    item: Item
    coverage: float  # share of the item's units covered by shared n-grams (1.0 for a short exact copy)
    message: int  # index of the matching message in the row


@dataclass
class Index:
    """Every n-gram of one language's evaluation items, sorted for lookup. An item's units are
    recomputed only when a row could cover more than half of it."""

    lang: str
    n: int
    items: list[Item]
    sizes: np.ndarray  # units per item
    grams: np.ndarray  # uint64, sorted; one entry per position of every item
    owner: np.ndarray  # int32: the item of each entry
    short: dict[tuple[str, ...], list[int]] = field(default_factory=dict)  # items shorter than n


def build_index(lang: str, items: Iterable[Item]) -> Index:
    n = gram_size(lang)
    kept: list[Item] = []
    toks_of: list[list[str]] = []
    short: dict[tuple[str, ...], list[int]] = {}
    for item in items:
        toks = units(item.text, lang)
        if not toks:
            continue
        if len(toks) < n:
            short.setdefault(tuple(toks), []).append(len(kept))
        kept.append(item)
        toks_of.append(toks)
    sizes = np.fromiter(map(len, toks_of), np.int64, len(toks_of))
    grams, owner, _ = _grams(toks_of, n)
    del toks_of
    order = np.argsort(grams)  # equal grams' order does not matter: they are looked up as a range
    return Index(lang, n, kept, sizes, grams[order], owner[order].astype(np.int32), short)


def _coverage(index: Index, i: int, row_grams: np.ndarray, row_set: set[tuple[str, ...]]) -> float:
    """Share of item i's units inside an n-gram the row shares with it, each one confirmed on
    the units (`row_set`: the row's n-grams), so a hash collision never counts."""
    n = index.n
    item_toks = units(index.items[i].text, index.lang)
    g, _, pos = _grams([item_toks], n)
    covered = np.zeros(len(item_toks), bool)
    for p in pos[np.isin(g, row_grams)].tolist():
        if tuple(item_toks[p : p + n]) in row_set:
            covered[p : p + n] = True
    return float(covered.mean())


def match_many(index: Index, rows: Sequence[Sequence[str]]) -> list[list[Hit]]:
    """For each row (its messages' texts), the evaluation items it matches, best coverage per item.

    Every message of every row is hashed in one pass; only items that a row could cover more than
    half of (shared entries x n > half their units) are looked at unit by unit."""
    n = index.n
    msg_toks: list[list[str]] = []
    where: list[tuple[int, int]] = []  # (row, message) of each message
    for r, messages in enumerate(rows):
        for m, text in enumerate(messages):
            msg_toks.append(units(text, index.lang))
            where.append((r, m))
    best: list[dict[int, Hit]] = [{} for _ in rows]
    for k, toks in enumerate(msg_toks):
        for i in index.short.get(tuple(toks), ()) if len(toks) < n else ():
            r, m = where[k]
            best[r].setdefault(i, Hit(index.items[i], 1.0, m))
    g, msg, _ = _grams(msg_toks, n)
    if len(g) and len(index.grams):
        lo = np.searchsorted(index.grams, g, side="left")
        hi = np.searchsorted(index.grams, g, side="right")
        hit = np.flatnonzero(hi > lo)
        for k in np.unique(msg[hit]).tolist():
            mine = hit[msg[hit] == k]
            grams_k = np.unique(g[mine])
            a, b = np.searchsorted(index.grams, grams_k, "left"), np.searchsorted(index.grams, grams_k, "right")
            owners = index.owner[np.concatenate([np.arange(x, y) for x, y in zip(a.tolist(), b.tolist())])]
            entries = np.bincount(owners)
            possible = np.flatnonzero(entries * n * 2 > index.sizes[: len(entries)])
            if not len(possible):
                continue
            r, m = where[k]
            toks = msg_toks[k]
            row_set = {tuple(toks[j : j + n]) for j in range(len(toks) - n + 1)}
            for i in possible.tolist():
                cov = _coverage(index, i, grams_k, row_set)
                if cov > THRESHOLD and (i not in best[r] or cov > best[r][i].coverage):
                    best[r][i] = Hit(index.items[i], cov, m)
    return [[b[i] for i in sorted(b)] for b in best]


def match(index: Index, messages: Sequence[str]) -> list[Hit]:
    """The evaluation items that one training row (its messages' texts) matches."""
    return match_many(index, [messages])[0]
