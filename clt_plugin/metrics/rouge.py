"""ROUGE-L that is right for every script.

`rouge_score` keeps only ``[a-z0-9]`` and so scores Chinese, Japanese, Thai, Cyrillic or
Bengali text as empty. This scorer follows the tokenization of the XL-Sum authors'
multilingual ROUGE, so its scores agree with theirs (tested within 0.01 F):

1. lowercase; drop control and format characters (Unicode C*, e.g. zero-width joiners);
2. Unicode punctuation (categories P*) and ASCII symbols are word boundaries, then removed;
3. segmentation: Japanese with fugashi + unidic-lite (MeCab), Chinese with jieba, Thai with
   PyThaiNLP's ``newmm``; every other language splits on whitespace and, inside a word, between
   letters and digits, with each other symbol and each CJK ideograph a token of its own;
4. optional stemming (``stem=True``): Porter for English as in ROUGE-1.5.5, NLTK Snowball for the
   other languages it covers, words longer than 3 characters; none elsewhere.

For Chinese and Thai, the space left where punctuation or a space stood is itself a token, as
in the XL-Sum scorer (jieba and PyThaiNLP return spaces as tokens): dropping it changes F by up to
0.1 on real summaries, and agreeing with the scorer behind published XL-Sum numbers matters more
here than that quirk.
Combining marks never start a token after a number or a symbol: they stay with it, as the
XL-Sum scorer's pretokenizer keeps them, so an emoji with its variation selector (``❤️``), a
keycap (``1️⃣``: digit, U+FE0F, U+20E3) or ``⭐️`` is one token.
Known difference: in broken text where a word starts with a combining mark (a Bengali vowel
sign after a space), the XL-Sum scorer's pyonmttok pretokenizer emits an escape token
(``％0020`` + the mark); here the mark joins the letters, as in any other word.
LCS length uses the bit-parallel algorithm of Allison & Dix (1986) / Hyyrö (2004): one
big-integer operation per token instead of a quadratic table.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from typing import Callable, NamedTuple

from clt_plugin import languages


class Score(NamedTuple):
    precision: float
    recall: float
    fmeasure: float


class _BoundaryTable(dict):
    """str.translate table, filled lazily: punctuation/ASCII symbols -> space, C* -> removed."""

    def __missing__(self, cp: int):
        ch = chr(cp)
        cat = unicodedata.category(ch)
        if ch in "\t\n\r":
            value: str | None = " "
        elif cat[0] == "C" or cp == 0xFFFD:
            value = None
        elif cat[0] == "P" or (cp < 128 and not ch.isalnum() and not ch.isspace()):
            value = " "
        else:
            value = ch
        self[cp] = value
        return value


_BOUNDARIES = _BoundaryTable()


# CJK ideographs: each one is a token of its own outside Chinese/Japanese segmentation.
_IDEOGRAPHS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ceaf\U0002f800-\U0002fa1f"


def _class_bodies() -> tuple[str, str, str]:
    """Regex class bodies for letters with their marks (L*, M*; ideographs aside), numbers (N*)
    and marks alone (M*), in one pass over the code points that have any (none above U+E01EF)."""
    spans: dict[str, list[list[int]]] = {"L": [], "N": [], "M": []}
    ideograph = re.compile(f"[{_IDEOGRAPHS}]")
    for cp in range(0xE01F0):
        ch = chr(cp)
        cat = unicodedata.category(ch)[0]
        keys = (
            ("L", "M")
            if cat == "M"
            else ("L",)
            if cat == "L" and not ideograph.match(ch)
            else ("N",)
            if cat == "N"
            else ()
        )
        for key in keys:
            runs = spans[key]
            if runs and runs[-1][1] == cp - 1:
                runs[-1][1] = cp
            else:
                runs.append([cp, cp])

    def body(runs: list[list[int]]) -> str:
        return "".join(re.escape(chr(a)) + (f"-{re.escape(chr(b))}" if b > a else "") for a, b in runs)

    return body(spans["L"]), body(spans["N"]), body(spans["M"])


@lru_cache(maxsize=1)
def _word_pattern() -> re.Pattern[str]:
    """Tokens inside a whitespace-free word: an ideograph; a run of letters with their marks;
    a run of numbers, marks among them kept (a keycap ``1️⃣``); or any other single symbol with
    the marks that follow it (``❤️``)."""
    letters, numbers, marks = _class_bodies()
    return re.compile(f"[{_IDEOGRAPHS}]|[{letters}]+|[{numbers}][{numbers}{marks}]*|\\S[{marks}]*")


_IDEOGRAPH = re.compile(f"[{_IDEOGRAPHS}]")
# After lowercasing and punctuation removal, ASCII text holds only letters, digits and spaces.
_ASCII_TOKEN = re.compile(r"[a-z]+|[0-9]+|\S")


def _default_segment(text: str) -> list[str]:
    if text.isascii():
        return _ASCII_TOKEN.findall(text)
    out: list[str] = []
    for word in text.split():
        # Most words are all letters (or all digits) of one script: they are one token.
        if (word.isalpha() or word.isdecimal()) and not _IDEOGRAPH.search(word):
            out.append(word)
        else:
            out.extend(_word_pattern().findall(word))
    return out


@lru_cache(maxsize=1)
def _japanese() -> Callable[[str], list[str]]:
    from fugashi import Tagger

    # Without the `unidic` package fugashi loads the bundled unidic-lite dictionary (offline).
    tagger = Tagger("-O wakati -b 1048576")
    return lambda text: tagger.parse(text).split()


@lru_cache(maxsize=1)
def _chinese() -> Callable[[str], list[str]]:
    import logging

    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return lambda text: [t for t in jieba.cut(text) if t]


@lru_cache(maxsize=1)
def _thai() -> Callable[[str], list[str]]:
    from pythainlp.tokenize import word_tokenize

    return lambda text: [t for t in word_tokenize(text, engine="newmm") if t]


_SEGMENTERS: dict[str, Callable[[], Callable[[str], list[str]]]] = {
    "Jpan": _japanese,
    "Hans": _chinese,
    "Hant": _chinese,
    "Thai": _thai,
}


@lru_cache(maxsize=None)
def _segmenter(lang: str | None) -> Callable[[str], list[str]]:
    script = languages.get(lang).script if lang else None
    factory = _SEGMENTERS.get(script or "")
    if factory is None:
        return _default_segment
    seg = factory()

    def segment(text: str) -> list[str]:
        return seg(text) or _default_segment(text)

    return segment


_SNOWBALL = {
    "ar": "arabic",
    "da": "danish",
    "nl": "dutch",
    "fi": "finnish",
    "fr": "french",
    "de": "german",
    "hu": "hungarian",
    "it": "italian",
    "no": "norwegian",
    "pt": "portuguese",
    "ro": "romanian",
    "ru": "russian",
    "es": "spanish",
    "sv": "swedish",
    "tr": "turkish",
}


@lru_cache(maxsize=None)
def _stemmer(lang: str | None) -> Callable[[str], str] | None:
    if lang in (None, "en"):
        from nltk.stem import porter

        stem = porter.PorterStemmer().stem
    elif lang in _SNOWBALL:
        from nltk.stem import SnowballStemmer

        stem = SnowballStemmer(_SNOWBALL[lang]).stem
    else:
        return None
    cached = lru_cache(maxsize=100_000)(stem)
    return lambda tok: cached(tok) if len(tok) > 3 else tok


def tokenize(text: str, lang: str | None, *, stem: bool = False) -> list[str]:
    """The ROUGE tokens of `text` in language `lang` (a registry code; None = generic)."""
    if not text:
        return []
    cleaned = text.lower().translate(_BOUNDARIES)
    tokens = _segmenter(lang)(" ".join(cleaned.split()))
    if stem:
        stemmer = _stemmer(lang)
        if stemmer is not None:
            tokens = [stemmer(t) for t in tokens]
    return [t for t in tokens if t]


def lcs_length(a: list[str], b: list[str]) -> int:
    """Length of the longest common subsequence of two token lists (bit-parallel)."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return 0
    masks: dict[str, int] = {}
    for i, tok in enumerate(a):
        masks[tok] = masks.get(tok, 0) | (1 << i)
    full = (1 << len(a)) - 1
    v = full
    for tok in b:
        m = masks.get(tok)
        if m:
            u = v & m
            v = ((v + u) | (v - u)) & full
    return len(a) - v.bit_count()


def score_tokens(reference: list[str], prediction: list[str]) -> Score:
    if not reference or not prediction:
        return Score(0.0, 0.0, 0.0)
    lcs = lcs_length(reference, prediction)
    if lcs == 0:
        return Score(0.0, 0.0, 0.0)
    p, r = lcs / len(prediction), lcs / len(reference)
    return Score(p, r, 2 * p * r / (p + r))


def rouge_l(reference: str, prediction: str, lang: str | None, *, stem: bool = False) -> Score:
    """Sentence-level ROUGE-L (precision, recall, F1) of `prediction` against `reference`."""
    return score_tokens(tokenize(reference, lang, stem=stem), tokenize(prediction, lang, stem=stem))


def rouge_l_f(reference: str, prediction: str, lang: str | None, *, stem: bool = False) -> float:
    return rouge_l(reference, prediction, lang, stem=stem).fmeasure
