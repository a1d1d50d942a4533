"""detectable_content:* — placeholders, postscripts, French informal address and no digits."""

from __future__ import annotations

import operator
import re

from clt_plugin.ifeval.base import ALL_FAMILIES, Args, Check, register, relation

_PLACEHOLDER = re.compile(r"\[.*?\]")


@register(
    "detectable_content:number_placeholders", ALL_FAMILIES, required=("num_placeholders",), optional=("relation",)
)
def number_placeholders(args: Args) -> Check:
    n = args.int("num_placeholders")
    cmp = relation(args) if args.get("relation") is not None else operator.ge
    return lambda text: cmp(len(_PLACEHOLDER.findall(text)), n)


def _postscript_pattern(marker: str, family: str) -> re.Pattern:
    # The usual markers are matched with optional spaces between their letters; others as typed.
    if marker == "P.P.S":
        body = r"p\.\s?p\.\s?s"
    elif marker == "P.S.":
        body = r"p\.\s?s\."
    elif family == "es" and marker == "P.D.":
        body = r"p\.\s?d\."
    elif family == "ja":
        body = re.escape(marker.lower())
    else:
        body = marker.lower()
    try:
        return re.compile(r"\s*" + body + r".*$", re.MULTILINE)
    except re.error:
        return re.compile(r"\s*" + re.escape(marker.lower()) + r".*$", re.MULTILINE)


@register("detectable_content:postscript", ALL_FAMILIES, required=("postscript_marker",))
def postscript(args: Args) -> Check:
    pattern = _postscript_pattern(args.str("postscript_marker").strip(), args.family)
    return lambda text: bool(pattern.search(text.lower()))


_TU_FORMS = re.compile(r"\btu\b|\bte\b|\bt'\b|\btoi\b|\bton\b|\bta\b|\btes\b", re.IGNORECASE)


@register("detectable_content:informal_address", ("fr",))
def informal_address(args: Args) -> Check:
    return lambda text: bool(_TU_FORMS.search(text))


@register("detectable_content:no_digits", ("fr",))
def no_digits(args: Args) -> Check:
    return lambda text: not re.search(r"\d", text)
