"""language:response_language — is the whole response in the requested language?

Detection goes through the project's language ID (`clt_plugin.langid`). Requested languages
that the registry does not know (M-IFEval asks for Kannada, Finnish, Italian...) cannot be named
by it, so those (and texts it finds in no registry language) fall back to langdetect's own
code, seeded, as the M-IFEval definition uses. As in that definition, a text whose language
cannot be decided at all counts as followed.
"""

from __future__ import annotations

import functools
import os

from clt_plugin import languages
from clt_plugin.ifeval.base import ALL_FAMILIES, Args, Check, InstructionArgumentError, register


def detect(text: str) -> str | None:
    from clt_plugin import langid

    return langid.detect(text)


@functools.lru_cache(maxsize=1)
def _langdetect_factory():
    from langdetect.detector_factory import PROFILES_DIRECTORY, DetectorFactory

    # Our own seeded factory: seeding langdetect's shared one would change others' results.
    factory = DetectorFactory()
    factory.load_profile(PROFILES_DIRECTORY)
    factory.set_seed(0)
    return factory


def detect_any(text: str) -> str | None:
    """langdetect's code for any of its 55 languages (seeded, so the answer is reproducible)."""
    from langdetect.lang_detect_exception import LangDetectException

    detector = _langdetect_factory().create()
    try:
        detector.append(text)
        return detector.detect()
    except LangDetectException:
        return None


def is_in(text: str, lang: str) -> bool:
    found = detect(text) if lang in languages.LANGUAGES else None
    if found is None:
        # Not a registry language (or undecided): langdetect can still name Italian or Kannada.
        found = detect_any(text)
    return found is None or found == lang


@functools.lru_cache(maxsize=1)
def identifiable() -> frozenset[str]:
    """The language codes a response can be identified in: the registry's, and langdetect's 55."""
    from langdetect.detector_factory import PROFILES_DIRECTORY

    return frozenset(languages.LANGUAGES) | frozenset(os.listdir(PROFILES_DIRECTORY))


@register("language:response_language", ALL_FAMILIES, required=("language",))
def response_language(args: Args) -> Check:
    lang = args.str("language")
    # A code no identifier knows can never be found, so the instruction would always fail.
    if lang not in identifiable():
        raise InstructionArgumentError(
            f"instruction {args.instruction_id!r}: language {lang!r} is not a language code clt can identify "
            "(ISO 639-1 such as 'de', 'fi', 'it', 'ja'; the list: clt_plugin.ifeval.language.identifiable())"
        )
    return lambda text: is_in(text, lang)
