"""change_case:* — all capitals, all lowercase, words in capitals.

Only meaningful where the expected language's script has case (`Language.has_case`); the
loader drops these instructions for other languages (see `registry.applicable`).
"""

from __future__ import annotations

import unicodedata
from typing import Callable

from clt_plugin.ifeval.base import LATIN_FAMILIES, Args, Check, register, relation
from clt_plugin.ifeval.language import is_in
from clt_plugin.ifeval.text import spanish_words, word_tokenize


def _words(text: str, family: str) -> list[str]:
    # Spanish counts spaCy-style tokens; the others nltk.word_tokenize's (French too, with its
    # default English sentence model, as M-IFEval does).
    return spanish_words(text) if family == "es" else word_tokenize(text)


@register(
    "change_case:capital_word_frequency",
    LATIN_FAMILIES,
    required=("capital_frequency", "capital_relation"),
    needs_case=True,
)
def capital_word_frequency(args: Args) -> Check:
    n, cmp = args.int("capital_frequency"), relation(args, "capital_relation")
    family = args.family
    return lambda text: cmp(sum(1 for w in _words(text, family) if w.isupper()), n)


def _all_upper_accents_ignored(text: str) -> bool:
    # Spanish: accents are decomposed first, so "Á" is judged by its base letter.
    decomposed = unicodedata.normalize("NFKD", text)
    return all(c.isupper() or not c.isalpha() for c in decomposed if not unicodedata.combining(c))


def _capital(lang: str, loose_accents: bool = False, detect_lower: bool = True) -> Callable[[Args], Check]:
    def factory(args: Args) -> Check:
        def check(text: str) -> bool:
            upper = _all_upper_accents_ignored(text) if loose_accents else text.isupper()
            # es and fr identify the language on the lowercased text (capitals mislead detectors);
            # IFEval's English definition identifies it on the text as written.
            return upper and is_in(text.lower() if detect_lower else text, lang)

        return check

    return factory


def _lower(lang: str) -> Callable[[Args], Check]:
    def factory(args: Args) -> Check:
        return lambda text: text.islower() and is_in(text, lang)

    return factory


# These name their language, which has case, so they apply in a task of any language.
register("change_case:english_capital", ("en", "generic"))(_capital("en", detect_lower=False))
register("change_case:english_lowercase", ("en", "generic"))(_lower("en"))
register("change_case:spanish_capital", ("es",))(_capital("es", loose_accents=True))
register("change_case:spanish_lowercase", ("es",))(_lower("es"))
register("change_case:french_capital", ("fr",))(_capital("fr"))
register("change_case:french_lowercase", ("fr",))(_lower("fr"))
