"""special_character:* — Spanish ñ/ü/tildes and French accents, ç/œ, no accents."""

from __future__ import annotations

import re
import unicodedata
from typing import Callable

from clt_plugin.ifeval.base import Args, Check, InstructionArgumentError, register, relation
from clt_plugin.ifeval.text import spanish_words


def _words_containing(chars: str) -> Callable[[str], int]:
    def count(text: str) -> int:
        return sum(1 for w in spanish_words(text) if any(c in w.lower() for c in chars))

    return count


@register("special_character:enie", ("es",), required=("let_frequency",))
def enie(args: Args) -> Check:
    n, count = args.int("let_frequency"), _words_containing("ñ")
    return lambda text: count(text) == n


@register("special_character:dieresis", ("es",), required=("let_frequency",))
def dieresis(args: Args) -> Check:
    n, count = args.int("let_frequency"), _words_containing("ü")
    return lambda text: count(text) == n


_TILDES = "áéíóúÁÉÍÓÚ"


@register("special_character:tildes", ("es",), required=("num_words", "relation"))
def tildes(args: Args) -> Check:
    n, cmp = args.int("num_words"), relation(args)
    return lambda text: cmp(sum(1 for w in spanish_words(text) if any(c in _TILDES for c in w)), n)


@register("special_character:ethel_or_cedilla", ("fr",), required=("forbidden_char",))
def ethel_or_cedilla(args: Args) -> Check:
    pattern = re.compile(re.escape(args.str("forbidden_char")), re.IGNORECASE)
    return lambda text: not pattern.search(text)


_ACCENTED = frozenset("àáâãäåçèéêëìíîïñòóôõöùúûüýÿÀÁÂÃÄÅÇÈÉÊËÌÍÎÏÑÒÓÔÕÖÙÚÛÜÝ")


@register("special_character:no_accents", ("fr",))
def no_accents(args: Args) -> Check:
    return lambda text: not any(ch in _ACCENTED for ch in text)


def _strip_accents(word: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", word) if not unicodedata.combining(c))


@register("special_character:accents", ("fr",), required=("word_to_accentuate",))
def accents(args: Args) -> Check:
    """Each target word, wherever it appears, carries its accents: {"evenement": "événement"}."""
    targets = args["word_to_accentuate"]
    if not isinstance(targets, dict):
        raise InstructionArgumentError(
            f"instruction {args.instruction_id!r}: word_to_accentuate must be a mapping (got {targets!r})"
        )

    def check(text: str) -> bool:
        for word in re.findall(r"\b\w+\b", text.lower()):
            correct = targets.get(_strip_accents(word))
            if correct is not None and word != correct:
                return False
        return True

    return check
