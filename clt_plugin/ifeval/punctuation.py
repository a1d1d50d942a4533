"""punctuation:* — no commas (、 in Japanese), no periods (。), Spanish ¿? and ¡! pairs."""

from __future__ import annotations

import re

from clt_plugin.ifeval.base import LATIN_FAMILIES, Args, Check, register


@register("punctuation:no_comma", LATIN_FAMILIES)
def no_comma(args: Args) -> Check:
    if args.family == "generic":  # the commas of other scripts too: ， 、 ،
        return lambda text: not re.search(r"[,，、،]", text)
    return lambda text: "," not in text


@register("punctuation:no_comma", ("ja",))
def no_comma_ja(args: Args) -> Check:
    return lambda text: "、" not in text


@register("punctuation:no_period", ("ja",))
def no_period_ja(args: Args) -> Check:
    return lambda text: "。" not in text


def _wrapped(opening: str, closing: str) -> Check:
    pattern = re.compile(re.escape(opening) + "[^" + re.escape(closing) + "]*" + re.escape(closing))

    def check(text: str) -> bool:
        return any(m.group(0).lstrip(opening).rstrip(closing).strip() for m in pattern.finditer(text))

    return check


@register("punctuation:question_marks", ("es",))
def question_marks(args: Args) -> Check:
    return _wrapped("¿", "?")


@register("punctuation:exclamation_marks", ("es",))
def exclamation_marks(args: Args) -> Check:
    return _wrapped("¡", "!")
