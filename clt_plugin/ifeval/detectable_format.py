"""detectable_format:* — lists, highlights, sections, titles, JSON, fixed answers, 体言止め."""

from __future__ import annotations

import json
import operator
import re

from clt_plugin.ifeval.base import ALL_FAMILIES, LATIN_FAMILIES, Args, Check, register, relation
from clt_plugin.ifeval.text import ja_tokens

_CONSTRAINED = {
    "en": ("My answer is yes.", "My answer is no.", "My answer is maybe."),
    "es": ("Sí.", "No.", "Quizás."),
    "fr": ("Oui.", "Non.", "Peut-être."),
    "ja": ("はい、そうです。", "いいえ、違います。", "どちらとも言えません。"),
}


@register("detectable_format:constrained_response", ALL_FAMILIES)
def constrained_response(args: Args) -> Check:
    options = _CONSTRAINED.get(args.family, _CONSTRAINED["en"])
    return lambda text: any(o in text.strip() for o in options)


@register("detectable_format:json_format", ALL_FAMILIES)
def json_format(args: Args) -> Check:
    def check(text: str) -> bool:
        value = text.strip()
        for fence in ("```json", "```Json", "```JSON", "```"):  # a Markdown fence may wrap it
            value = value.removeprefix(fence)
        value = value.removesuffix("```").strip()
        try:
            json.loads(value)
        except ValueError:
            return False
        except RecursionError:  # nested deeper than any parser here reads: not usable as JSON
            return False
        return True

    return check


_BULLETS = {
    "star": re.compile(r"^\s*\*[^\*].*$", re.MULTILINE),
    "dash": re.compile(r"^\s*-.*$", re.MULTILINE),
    "nakaguro": re.compile(r"^\s*・[^・].*$", re.MULTILINE),
}
_BULLET_KINDS = {
    "en": ("star", "dash"),
    "fr": ("star", "dash"),
    "generic": ("star", "dash"),
    "es": ("star",),
    "ja": ("nakaguro",),
}


@register("detectable_format:number_bullet_lists", ALL_FAMILIES, required=("num_bullets",))
def number_bullet_lists(args: Args) -> Check:
    n = args.int("num_bullets")
    patterns = [_BULLETS[k] for k in _BULLET_KINDS[args.family]]
    return lambda text: sum(len(p.findall(text)) for p in patterns) == n


_NUMBERED = re.compile(r"^\s*\d+\.\s.*$", re.MULTILINE)


@register("detectable_format:number_numbered_lists", ("ja",), required=("num_items",))
def number_numbered_lists(args: Args) -> Check:
    n = args.int("num_items")
    return lambda text: len(_NUMBERED.findall(text)) == n


_SINGLE = re.compile(r"\*[^\n\*]*\*")
_DOUBLE = re.compile(r"\*\*[^\n\*]*\*\*")
_JA_HIGHLIGHT = re.compile(r"《[^\n《》]*》")


@register(
    "detectable_format:number_highlighted_sections",
    LATIN_FAMILIES,
    required=("num_highlights",),
    optional=("relation",),
)
def number_highlighted_sections(args: Args) -> Check:
    n = args.int("num_highlights")
    cmp = relation(args) if args.get("relation") is not None else operator.ge

    def check(text: str) -> bool:
        # *x* and **x** both count; a **x** is seen by both patterns, as the definition counts.
        count = sum(1 for h in _SINGLE.findall(text) if h.strip("*").strip())
        count += sum(1 for h in _DOUBLE.findall(text) if h[2:-2].strip())
        return cmp(count, n)

    return check


@register("detectable_format:number_highlighted_sections", ("ja",), required=("num_highlights",))
def number_highlighted_sections_ja(args: Args) -> Check:
    n = args.int("num_highlights")
    return lambda text: sum(1 for h in _JA_HIGHLIGHT.findall(text) if h.strip("《》").strip()) >= n


def _splitter(body: str) -> re.Pattern:
    try:
        return re.compile(body)
    except re.error:
        return re.compile(re.escape(body))


@register(
    "detectable_format:multiple_sections",
    ALL_FAMILIES,
    required=("section_spliter", "num_sections"),
    optional=("relation",),
)
def multiple_sections(args: Args) -> Check:
    spliter = args.str("section_spliter").strip()
    n = args.int("num_sections")
    cmp = relation(args) if args.get("relation") is not None else operator.ge
    if args.family == "ja":  # 第1章, 第２節 ...
        pattern = _splitter(r"\s?第[\d\uFF10-\uFF19]+" + re.escape(spliter) + r"\s?")
    else:
        try:
            pattern = re.compile(r"\s?" + spliter + r"\s?\d+\s?")
        except re.error:
            pattern = re.compile(r"\s?" + re.escape(spliter) + r"\s?\d+\s?")
    return lambda text: cmp(len(pattern.split(text)) - 1, n)


_TITLES = {
    "fr": (re.compile(r"##[^\n]+##"), "#", "#"),
    "ja": (re.compile(r"『[^\n]+』"), "『", "』"),
}
_DEFAULT_TITLE = (re.compile(r"<<[^\n]+>>"), "<", ">")


@register("detectable_format:title", ALL_FAMILIES)
def title(args: Args) -> Check:
    pattern, opening, closing = _TITLES.get(args.family, _DEFAULT_TITLE)
    return lambda text: any(t.lstrip(opening).rstrip(closing).strip() for t in pattern.findall(text))


_QUOTED = re.compile(r"「.*?」|『.*?』")


@register("detectable_format:nominal_ending", ("ja",), required=("count",))
def nominal_ending(args: Args) -> Check:
    """体言止め: sentences (outside quotes) whose last word before 。！？ is a noun."""
    n = args.int("count")

    def check(text: str) -> bool:
        tokens = ja_tokens(_QUOTED.sub("", text))
        count = sum(
            1
            for (prev_surface, prev_pos), (surface, _) in zip(tokens, tokens[1:])
            if surface and surface in "。！？" and prev_pos.startswith("名詞")
        )
        return count >= n

    return check
