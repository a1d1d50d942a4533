"""length_constraints:* — sentences, words, letters, paragraphs, the nth paragraph's first word."""

from __future__ import annotations

import re
import string

from clt_plugin.ifeval import text as T
from clt_plugin.ifeval.base import ALL_FAMILIES, LATIN_FAMILIES, Args, Check, register, relation


@register("length_constraints:number_sentences", ALL_FAMILIES, required=("num_sentences", "relation"))
def number_sentences(args: Args) -> Check:
    n, cmp = args.int("num_sentences"), relation(args)
    family, lang = args.family, args.lang
    return lambda text: cmp(T.count_sentences(text, family, lang), n)


_LIST_MARKERS = re.compile(r"(^\s*[\d]+\.\s*)|(^\s*[-*]\s*)", re.MULTILINE)


@register("length_constraints:number_words", LATIN_FAMILIES, required=("num_words", "relation"))
def number_words(args: Args) -> Check:
    n, cmp = args.int("num_words"), relation(args)
    family, lang = args.family, args.lang

    def check(text: str) -> bool:
        if family == "es":  # list markers are not words in the Spanish definition
            text = _LIST_MARKERS.sub("", text).replace("\n", " ")
        return cmp(T.count_words(text, family, lang), n)

    return check


@register("length_constraints:number_letters", ("ja",), required=("num_letters", "relation"))
def number_letters(args: Args) -> Check:
    n, cmp = args.int("num_letters"), relation(args)
    return lambda text: cmp(len(text), n)


_DIVIDER = re.compile(r"\s?\*\*\*\s?")


@register("length_constraints:number_paragraphs", ALL_FAMILIES, required=("num_paragraphs",))
def number_paragraphs(args: Args) -> Check:
    n = args.int("num_paragraphs")

    def check(text: str) -> bool:
        parts = _DIVIDER.split(text)
        count = len(parts)
        for i, part in enumerate(parts):
            if not part.strip():
                if i in (0, len(parts) - 1):
                    count -= 1  # a divider at the very start or end adds no paragraph
                else:
                    return False
        return count == n

    return check


def _first_word_latin(paragraph: str) -> str:
    word = paragraph.split()[0].strip().lstrip("'").lstrip('"')
    out = ""
    for ch in word:
        if ch in ".,?!'\"":
            break
        out += ch.lower()
    return out


@register(
    "length_constraints:nth_paragraph_first_word",
    ALL_FAMILIES,
    required=("num_paragraphs", "nth_paragraph", "first_word"),
)
def nth_paragraph_first_word(args: Args) -> Check:
    n = args.int("num_paragraphs", minimum=1)
    nth = args.int("nth_paragraph", minimum=1, maximum=n)  # the reference's domain: 1..num_paragraphs
    first_word = args.str("first_word").lower()
    family = args.family

    def matches(paragraph: str) -> bool:
        if family == "ja":
            body = paragraph.lstrip("「").lstrip("『")
            return body[: len(first_word)] == first_word
        if family == "es":  # the first word may be several words; ASCII punctuation ignored
            expected = first_word.split()
            words = ["".join(c for c in w if c not in string.punctuation).lower() for w in paragraph.split()]
            return len(words) >= len(expected) and words[: len(expected)] == expected
        return _first_word_latin(paragraph) == first_word

    def check(text: str) -> bool:
        paragraphs = re.split(r"\n\n", text)
        count = sum(1 for p in paragraphs if p.strip())
        if nth > count:
            return False
        paragraph = paragraphs[nth - 1].strip()  # counted among all parts, as the definition does
        if not paragraph:
            return False
        return count == n and matches(paragraph)

    return check
