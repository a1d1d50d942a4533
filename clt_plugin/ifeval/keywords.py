"""keywords:* — keyword existence, frequency, forbidden words, letter frequency."""

from __future__ import annotations

import collections
import re

from clt_plugin.ifeval.base import LATIN_FAMILIES, Args, Check, register, relation
from clt_plugin.ifeval.text import ja_tokens, unspaced


def _pattern(word: str, flags: int = re.IGNORECASE) -> re.Pattern:
    # The definitions search the keyword as a regular expression; one that does not compile
    # (a stray "(" or "+") is searched literally instead of failing the whole run.
    try:
        return re.compile(word, flags)
    except re.error:
        return re.compile(re.escape(word), flags)


def _ja_surfaces(text: str) -> list[str]:
    return [surface for surface, _ in ja_tokens(text)]


@register("keywords:existence", LATIN_FAMILIES, required=("keywords",))
def existence(args: Args) -> Check:
    patterns = [_pattern(k) for k in sorted(args.str_list("keywords"))]
    return lambda text: all(p.search(text) for p in patterns)


@register("keywords:existence", ("ja",), required=("keywords",))
def existence_ja(args: Args) -> Check:
    # Japanese keywords must be whole morphemes (janome/IPADIC), not substrings of longer words.
    keywords = sorted(args.str_list("keywords"))

    def check(text: str) -> bool:
        words = set(_ja_surfaces(text))
        return all(k in words for k in keywords)

    return check


@register("keywords:frequency", LATIN_FAMILIES, required=("keyword", "frequency", "relation"))
def frequency(args: Args) -> Check:
    pattern = _pattern(args.str("keyword").strip())
    n, cmp = args.int("frequency"), relation(args)
    return lambda text: cmp(len(pattern.findall(text)), n)


@register("keywords:frequency", ("ja",), required=("keyword", "frequency", "relation"))
def frequency_ja(args: Args) -> Check:
    keyword = args.str("keyword").strip()
    n, cmp = args.int("frequency"), relation(args)
    return lambda text: cmp(collections.Counter(_ja_surfaces(text))[keyword], n)


@register("keywords:forbidden_words", LATIN_FAMILIES, required=("forbidden_words",))
def forbidden_words(args: Args) -> Check:
    words = sorted(set(args.str_list("forbidden_words")))
    # Whole words; in scripts without spaces (a translated IFEval in Chinese) any occurrence.
    patterns = [_pattern(w if args.family == "generic" and unspaced(w) else r"\b" + w + r"\b") for w in words]
    return lambda text: not any(p.search(text) for p in patterns)


@register("keywords:forbidden_words", ("ja",), required=("forbidden_words",))
def forbidden_words_ja(args: Args) -> Check:
    forbidden = set(args.str_list("forbidden_words"))
    return lambda text: not forbidden.intersection(_ja_surfaces(text))


@register("keywords:letter_frequency", LATIN_FAMILIES, required=("letter", "let_frequency", "let_relation"))
def letter_frequency(args: Args) -> Check:
    letter = args.str("letter").strip().lower()
    n, cmp = args.int("let_frequency"), relation(args, "let_relation")
    return lambda text: cmp(text.lower().count(letter) if len(letter) == 1 else 0, n)


@register("keywords:letter_frequency", ("ja",), required=("letter", "let_frequency", "let_relation"))
def letter_frequency_ja(args: Args) -> Check:
    # A hiragana letter counts together with its katakana twin (96 code points later).
    letter = args.str("letter").strip()
    twin = chr(ord(letter) + 96) if len(letter) == 1 and "ぁ" <= letter <= "ゖ" else letter
    n, cmp = args.int("let_frequency"), relation(args, "let_relation")
    return lambda text: cmp(text.count(letter) + (text.count(twin) if twin != letter else 0), n)
