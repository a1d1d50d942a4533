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


def gram_hashes(toks: Sequence[str], n: int) -> np.ndarray:
    """One uint64 per n-gram of `toks`, in position order (empty when there are fewer than n)."""
    count = len(toks) - n + 1
    if count <= 0:
        return np.zeros(0, np.uint64)
    h = np.fromiter((hash(t) for t in toks), dtype=np.int64, count=len(toks)).view(np.uint64)
    out = np.zeros(count, np.uint64)
    with np.errstate(over="ignore"):
        for k in range(n):
            out = out * _MULT + h[k : k + count]
    return out


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
    """Every n-gram of one language's evaluation items, sorted for lookup."""

    lang: str
    n: int
    items: list[Item]
    item_units: list[list[str]]
    grams: np.ndarray  # uint64, sorted
    owner: np.ndarray  # int32: item of each gram
    pos: np.ndarray  # int32: its position in the item
    short: dict[tuple[str, ...], list[int]] = field(default_factory=dict)  # items shorter than n


def build_index(lang: str, items: Iterable[Item]) -> Index:
    n = gram_size(lang)
    kept: list[Item] = []
    toks_of: list[list[str]] = []
    grams, owner, pos = [], [], []
    short: dict[tuple[str, ...], list[int]] = {}
    for item in items:
        toks = units(item.text, lang)
        if not toks:
            continue
        i = len(kept)
        kept.append(item)
        toks_of.append(toks)
        if len(toks) < n:
            short.setdefault(tuple(toks), []).append(i)
            continue
        g = gram_hashes(toks, n)
        grams.append(g)
        owner.append(np.full(len(g), i, np.int32))
        pos.append(np.arange(len(g), dtype=np.int32))
    if grams:
        g, o, p = np.concatenate(grams), np.concatenate(owner), np.concatenate(pos)
        order = np.argsort(g, kind="stable")
        g, o, p = g[order], o[order], p[order]
    else:
        g, o, p = np.zeros(0, np.uint64), np.zeros(0, np.int32), np.zeros(0, np.int32)
    return Index(lang, n, kept, toks_of, g, o, p, short)


def _coverage(index: Index, i: int, starts: Iterable[int]) -> float:
    covered = np.zeros(len(index.item_units[i]), bool)
    for s in starts:
        covered[s : s + index.n] = True
    return float(covered.mean())


def match(index: Index, messages: Sequence[str]) -> list[Hit]:
    """The evaluation items that `messages` (one training row) match, best coverage per item."""
    best: dict[int, Hit] = {}
    n = index.n
    for m, text in enumerate(messages):
        toks = units(text, index.lang)
        if not toks:
            continue
        for i in index.short.get(tuple(toks), ()):
            best.setdefault(i, Hit(index.items[i], 1.0, m))
        g = gram_hashes(toks, n)
        if not len(g) or not len(index.grams):
            continue
        lo = np.searchsorted(index.grams, g, side="left")
        hi = np.searchsorted(index.grams, g, side="right")
        found = np.flatnonzero(hi > lo)
        if not len(found):
            continue
        starts: dict[int, set[int]] = {}
        for j in found.tolist():
            here = toks[j : j + n]
            for e in range(lo[j], hi[j]):
                i, p = int(index.owner[e]), int(index.pos[e])
                if index.item_units[i][p : p + n] == here:  # the hash hit, confirmed
                    starts.setdefault(i, set()).add(p)
        for i, ps in starts.items():
            cov = _coverage(index, i, ps)
            if cov > THRESHOLD and (i not in best or cov > best[i].coverage):
                best[i] = Hit(index.items[i], cov, m)
    return [best[i] for i in sorted(best)]
