"""Language fidelity of a response: is it written in the language it should be?

Line-level pass rate (LPR), after Marchisio et al. (2024), *Understanding and Mitigating Language
Confusion in LLMs* (the Language Confusion Benchmark): a response is split into lines; each line
long enough to judge is identified; the response passes (1.0) when every judged line is in the
target language and fails (0.0) otherwise. Averaged over documents (lm-eval's ``mean``) this is
the benchmark's LPR, the share of responses free of line-level confusion.

Word-level pass rate (WPR), for targets not written in Latin script: a response passes when its
judged lines contain no English words. Whole English lines are already caught by LPR; WPR
catches English words mixed into target-language lines (``这个 problem 很难``).

Thresholds (chosen here; the benchmark leaves them to its detector):

- a line is judged when it has at least ``MIN_LINE_LETTERS`` letters (10; digits, punctuation and
  spaces don't count), and the language identifier (``clt_plugin.langid``, default backend)
  reaches a decision; "42", "```" or "- 3 + 4 = 7" say nothing about the language;
- a response with no judged line passes: nothing in it is in a wrong language (an empty or
  number-only reply is a quality problem for the task metric or the judge, not confusion);
- an English word, for WPR, is a run of at least ``MIN_ENGLISH_WORD`` (3) ASCII letters, all
  lowercase: capitalised and upper-case runs (``Python``, ``GPT``, ``USA``) are names and
  acronyms that non-Latin-script text writes in Latin letters, and one- or two-letter runs are
  mostly units and variables (``km``, ``x``);
- targets sharing a language-ID label count as the same language (``zh`` / ``zh-Hant``).
"""

from __future__ import annotations

import re

from clt_plugin import languages
from clt_plugin.errors import CLTError

MIN_LINE_LETTERS = 10
MIN_ENGLISH_WORD = 3

# A maximal run of ASCII letters not glued to other letters (so accented Latin words and
# words of other scripts never yield a fragment).
_ASCII_WORD = re.compile(r"(?<![^\W\d_])[A-Za-z]+(?![^\W\d_])")
# The same words found in one pass: a maximal ASCII run that is all lowercase and long enough.
# It opens with a plain character class, so the regex engine skips ahead to candidate letters
# instead of testing the lookbehind at every position (10x faster on non-Latin text).
_ENGLISH_WORD = re.compile(r"[a-z](?<![^\W\d_][a-z])[a-z]{%d,}(?![^\W\d_])" % (MIN_ENGLISH_WORD - 1))

_LANGID = None


def _langid():
    global _LANGID
    if _LANGID is None:  # imported on first use: importing the metrics stays light
        from clt_plugin import langid

        _LANGID = langid
    return _LANGID


def _same_language(detected: str | None, target: str) -> bool:
    if detected is None or detected == target:
        return True
    a, b = languages.get(detected), languages.get(target)
    return bool(a.fasttext and a.fasttext == b.fasttext)


def _check_target(lang: str) -> languages.Language:
    info = languages.get(lang)
    if not (info.fasttext or info.langdetect):
        raise CLTError(f"language fidelity is not available for {lang!r}: no language identifier covers {info.name}")
    return info


def judged_lines(text: str) -> list[tuple[str, str]]:
    """(line, detected language) for each line of `text` long enough to judge."""
    pairs = _langid().detect_lines(text or "", min_chars=MIN_LINE_LETTERS)
    return [(line, code) for line, code in pairs if code is not None]


def wpr_applies(lang: str) -> bool:
    """WPR is defined for targets not written in Latin script."""
    return languages.get(lang).script != "Latn"


def english_words(text: str) -> list[str]:
    """The words counted as English by WPR (see the module docstring)."""
    return [
        w
        for w in _ASCII_WORD.findall(text)
        if len(w) >= MIN_ENGLISH_WORD and w.islower()
    ]


def _lpr(judged: list[tuple[str, str]], lang: str) -> float:
    return 1.0 if all(code == lang or _same_language(code, lang) for _, code in judged) else 0.0


def _wpr(judged: list[tuple[str, str]]) -> float:
    # Lines joined by newlines (not letters, so no word spans two lines): one regex pass finds
    # whether any line has a word `english_words` would return.
    return 0.0 if _ENGLISH_WORD.search("\n".join([line for line, _ in judged])) else 1.0


def line_pass_rate(text: str, lang: str) -> float:
    """1.0 when every judged line of `text` is in `lang`, else 0.0 (per-document LPR)."""
    _check_target(lang)
    return _lpr(judged_lines(text), lang)


def word_pass_rate(text: str, lang: str) -> float:
    """1.0 when the judged lines of `text` hold no English word, else 0.0 (per-document WPR)."""
    _check_target(lang)
    if not wpr_applies(lang):
        raise CLTError(f"word-level pass rate applies to targets not written in Latin script, not {lang!r}")
    return _wpr(judged_lines(text))


def passes(text: str, lang: str, *, words: bool = False) -> bool:
    """Whether `text` is in `lang` line by line (and, with `words`, free of English words)."""
    if line_pass_rate(text, lang) < 1.0:
        return False
    return not (words and wpr_applies(lang)) or word_pass_rate(text, lang) == 1.0


def scores(text: str, lang: str) -> dict[str, float]:
    """The fidelity metrics of one document as lm-eval result keys (lines identified once)."""
    _check_target(lang)
    judged = judged_lines(text)
    out = {"lang_fidelity": _lpr(judged, lang)}
    if wpr_applies(lang):
        out["lang_fidelity_wpr"] = _wpr(judged)
    return out
