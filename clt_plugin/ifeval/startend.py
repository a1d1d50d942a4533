"""startend:* — end phrase, whole response in quotation marks, Japanese uniform sentence endings."""

from __future__ import annotations

import re

from clt_plugin.ifeval.base import LATIN_FAMILIES, Args, Check, register


@register("startend:end_checker", LATIN_FAMILIES, required=("end_phrase",))
def end_checker(args: Args) -> Check:
    phrase = args.str("end_phrase").strip().lower()
    drop_final_period = args.family == "es"  # Spanish allows a final period after the phrase

    def check(text: str) -> bool:
        value = text.strip().strip('"').lower()
        if drop_final_period and value.endswith("."):
            value = value[:-1]
        return value.endswith(phrase)

    return check


@register("startend:end_checker", ("ja",), required=("end_phrase",))
def end_checker_ja(args: Args) -> Check:
    phrase = args.str("end_phrase").strip().strip("」』")
    return lambda text: text.strip().strip("」』").endswith(phrase)


# Which quotation marks may wrap a whole response, per family.
_QUOTES = {
    "en": (('"', '"'),),
    "es": (('"', '"'),),
    "fr": (('"', '"'), ("'", "'"), ("«", "»")),
    "ja": (("「", "」"),),
    "generic": (('"', '"'), ("“", "”"), ("«", "»"), ("「", "」"), ("『", "』")),
}


@register("startend:quotation", (*LATIN_FAMILIES, "ja"))
def quotation(args: Args) -> Check:
    pairs = _QUOTES[args.family]

    def check(text: str) -> bool:
        value = text.strip()
        return len(value) > 1 and any(value.startswith(a) and value.endswith(b) for a, b in pairs)

    return check


_QUOTED = re.compile(r"「.*?」|『.*?』")


@register("startend:sentence_unified_end", ("ja",), required=("ending",))
def sentence_unified_end(args: Args) -> Check:
    ending = args.str("ending")

    def check(text: str) -> bool:
        # Quoted speech keeps its own endings; every other sentence must end with `ending`.
        body = _QUOTED.sub("", text)
        return all(s.endswith(ending) for s in re.split(r"[。！？]", body) if s)

    return check
