"""letters:* — Japanese writing-system instructions: kana only, no kana, kanji counts, furigana."""

from __future__ import annotations

import re
import unicodedata

from clt_plugin.ifeval.base import Args, Check, register, relation

_KANJI = "\u4e00-\u9faf"


def _is_letter(ch: str) -> bool:
    return unicodedata.category(ch).startswith("L")


def _is_hiragana(ch: str) -> bool:
    return "ぁ" <= ch <= "ん" or ch == "ー"


def _is_katakana(ch: str) -> bool:
    return "ァ" <= ch <= "ン" or ch in "ー・" or "ｦ" <= ch <= "ﾟ"


@register("letters:furigana", ("ja",))
def furigana(args: Args) -> Check:
    """Every run of kanji is followed by its reading in hiragana inside full-width brackets."""
    runs = re.compile(f"[{_KANJI}]+")
    glossed = re.compile(f"[{_KANJI}]+（[ぁ-ん]+）")
    return lambda text: len(runs.findall(text)) == len(glossed.findall(text))


@register("letters:kanji", ("ja",), required=("kanji_limit", "relation"))
def kanji(args: Args) -> Check:
    n, cmp = args.int("kanji_limit"), relation(args)
    single = re.compile(f"[{_KANJI}]")
    return lambda text: cmp(len(single.findall(text)), n)


@register("letters:kansuuji", ("ja",))
def kansuuji(args: Args) -> Check:
    return lambda text: not re.search(r"\d", text)


@register("letters:no_hiragana", ("ja",))
def no_hiragana(args: Args) -> Check:
    return lambda text: not any("ぁ" <= ch <= "ゖ" for ch in text)


@register("letters:hiragana_only", ("ja",))
def hiragana_only(args: Args) -> Check:
    return lambda text: all(_is_hiragana(ch) or not _is_letter(ch) for ch in text)


@register("letters:no_katakana", ("ja",))
def no_katakana(args: Args) -> Check:
    return lambda text: not any("ァ" <= ch <= "ヺ" or "ｦ" <= ch <= "ﾟ" for ch in text)


@register("letters:katakana_only", ("ja",))
def katakana_only(args: Args) -> Check:
    return lambda text: all(_is_katakana(ch) or not _is_letter(ch) for ch in text)
