"""The language registry: the one place that knows a language's codes in every dataset and tool.

Codes are ISO 639-1 where one exists; a script suffix (``zh-Hant``, ``sr-Latn``) distinguishes
XLSum's two scripts of one language, and ISO 639-3 stands in where 639-1 has no code (``pcm``).
"""

from __future__ import annotations

from dataclasses import dataclass

from clt_plugin.errors import CLTError


@dataclass(frozen=True)
class Language:
    code: str
    name: str
    script: str  # ISO 15924
    xlsum: str | None = None  # csebuetnlp/xlsum config name
    mgsm: str | None = None  # juletxara/mgsm config name (None: not in MGSM)
    aya: str | None = None  # CohereForAI/aya_evaluation_suite `language` value (ISO 639-3)
    langdetect: str | None = None  # code returned by the langdetect package (None: unsupported)
    fasttext: str | None = None  # label in fastText lid.176 (None: unsupported)

    @property
    def has_case(self) -> bool:
        return self.script in CASED_SCRIPTS


CASED_SCRIPTS = frozenset({"Latn", "Cyrl", "Grek", "Armn"})

_L = Language
_REGISTRY: tuple[Language, ...] = (
    # The paper's eight.
    _L("en", "English", "Latn", "english", "en", "eng", "en", "en"),
    _L("es", "Spanish", "Latn", "spanish", "es", "spa", "es", "es"),
    _L("fr", "French", "Latn", "french", "fr", "fra", "fr", "fr"),
    _L("ja", "Japanese", "Jpan", "japanese", "ja", "jpn", "ja", "ja"),
    _L("zh", "Chinese (Simplified)", "Hans", "chinese_simplified", "zh", "zho", "zh-cn", "zh"),
    _L("ar", "Arabic", "Arab", "arabic", None, "arb", "ar", "ar"),
    _L("ko", "Korean", "Hang", "korean", None, "kor", "ko", "ko"),
    _L("pt", "Portuguese", "Latn", "portuguese", None, "por", "pt", "pt"),
    # The rest of MGSM.
    _L("bn", "Bengali", "Beng", "bengali", "bn", "ben", "bn", "bn"),
    _L("de", "German", "Latn", None, "de", "deu", "de", "de"),
    _L("ru", "Russian", "Cyrl", "russian", "ru", "rus", "ru", "ru"),
    _L("sw", "Swahili", "Latn", "swahili", "sw", "swh", "sw", "sw"),
    _L("te", "Telugu", "Telu", "telugu", "te", "tel", "te", "te"),
    _L("th", "Thai", "Thai", "thai", "th", "tha", "th", "th"),
    # The rest of the Language Confusion Benchmark (Marchisio et al., 2024): LPR/WPR must judge
    # every one of its languages.
    _L("it", "Italian", "Latn", None, None, "ita", "it", "it"),
    # The rest of XLSum.
    _L("am", "Amharic", "Ethi", "amharic", None, "amh", None, "am"),
    _L("az", "Azerbaijani", "Latn", "azerbaijani", None, "azj", None, "az"),
    _L("my", "Burmese", "Mymr", "burmese", None, "mya", None, "my"),
    _L("zh-Hant", "Chinese (Traditional)", "Hant", "chinese_traditional", None, None, "zh-tw", "zh"),
    _L("gu", "Gujarati", "Gujr", "gujarati", None, "guj", "gu", "gu"),
    _L("ha", "Hausa", "Latn", "hausa", None, "hau", None, None),
    _L("hi", "Hindi", "Deva", "hindi", None, "hin", "hi", "hi"),
    _L("ig", "Igbo", "Latn", "igbo", None, "ibo", None, None),
    _L("id", "Indonesian", "Latn", "indonesian", None, "ind", "id", "id"),
    _L("rn", "Kirundi", "Latn", "kirundi", None, "run", None, None),
    _L("ky", "Kyrgyz", "Cyrl", "kyrgyz", None, "kir", None, "ky"),
    _L("mr", "Marathi", "Deva", "marathi", None, "mar", "mr", "mr"),
    _L("ne", "Nepali", "Deva", "nepali", None, "npi", "ne", "ne"),
    _L("om", "Oromo", "Latn", "oromo", None, "gaz", None, None),
    _L("ps", "Pashto", "Arab", "pashto", None, "pbt", None, "ps"),
    _L("fa", "Persian", "Arab", "persian", None, "pes", "fa", "fa"),
    _L("pcm", "Nigerian Pidgin", "Latn", "pidgin", None, None, None, None),
    _L("pa", "Punjabi", "Guru", "punjabi", None, "pan", "pa", "pa"),
    _L("gd", "Scottish Gaelic", "Latn", "scottish_gaelic", None, "gla", None, "gd"),
    _L("sr", "Serbian (Cyrillic)", "Cyrl", "serbian_cyrillic", None, "srp", None, "sr"),
    _L("sr-Latn", "Serbian (Latin)", "Latn", "serbian_latin", None, None, None, "sr"),
    _L("si", "Sinhala", "Sinh", "sinhala", None, "sin", None, "si"),
    _L("so", "Somali", "Latn", "somali", None, "som", "so", "so"),
    _L("ta", "Tamil", "Taml", "tamil", None, "tam", "ta", "ta"),
    _L("ti", "Tigrinya", "Ethi", "tigrinya", None, "tir", None, None),
    _L("tr", "Turkish", "Latn", "turkish", None, "tur", "tr", "tr"),
    _L("uk", "Ukrainian", "Cyrl", "ukrainian", None, "ukr", "uk", "uk"),
    _L("ur", "Urdu", "Arab", "urdu", None, "urd", "ur", "ur"),
    _L("uz", "Uzbek", "Latn", "uzbek", None, "uzn", None, "uz"),
    _L("vi", "Vietnamese", "Latn", "vietnamese", None, "vie", "vi", "vi"),
    _L("cy", "Welsh", "Latn", "welsh", None, "cym", "cy", "cy"),
    _L("yo", "Yoruba", "Latn", "yoruba", None, "yor", None, "yo"),
)

LANGUAGES: dict[str, Language] = {lang.code: lang for lang in _REGISTRY}

# The paper's protocol (Shimabucoro et al., 2025, §3).
ENGLISH = "en"
PAPER_SEEN: tuple[str, ...] = ("es", "fr", "ja", "zh")
PAPER_UNSEEN: tuple[str, ...] = ("ar", "ko", "pt")
PAPER_LANGUAGES: tuple[str, ...] = (ENGLISH, *PAPER_SEEN, *PAPER_UNSEEN)
SCRIPT_GROUPS: dict[str, tuple[str, ...]] = {"latin": ("es", "fr"), "non-latin": ("ja", "zh")}

MGSM_LANGUAGES: tuple[str, ...] = tuple(l.code for l in _REGISTRY if l.mgsm)
XLSUM_LANGUAGES: tuple[str, ...] = tuple(l.code for l in _REGISTRY if l.xlsum)


class UnknownLanguageError(CLTError, KeyError):
    def __init__(self, code: object, known: tuple[str, ...] | None = None):
        self.code = code
        shown = ", ".join(known if known is not None else LANGUAGES)
        super().__init__(f"unknown language {code!r} (known: {shown})")

    def __str__(self) -> str:  # KeyError would quote the message again
        return self.args[0]


def get(code: str) -> Language:
    """Look a language up by its registry code; an unknown code lists the known ones."""
    try:
        return LANGUAGES[code]
    except (KeyError, TypeError):
        raise UnknownLanguageError(code) from None


def validate(code: str) -> str:
    """Return `code` when the registry knows it; raise UnknownLanguageError otherwise."""
    return get(code).code


def _reverse(attr: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for lang in _REGISTRY:
        value = getattr(lang, attr)
        if value and value not in out:  # the first (most widely used) language wins a shared code
            out[value] = lang.code
    return out


_BY_LANGDETECT = _reverse("langdetect")
_BY_FASTTEXT = _reverse("fasttext")
_BY_XLSUM = _reverse("xlsum")
_BY_AYA = _reverse("aya")


def from_langdetect(code: str) -> str | None:
    return _BY_LANGDETECT.get(code)


def from_fasttext(code: str) -> str | None:
    return _BY_FASTTEXT.get(code)


def from_xlsum(config: str) -> str:
    try:
        return _BY_XLSUM[config]
    except KeyError:
        raise CLTError(f"unknown XLSum config {config!r} (known: {', '.join(_BY_XLSUM)})") from None


def from_aya(code: str) -> str | None:
    return _BY_AYA.get(code)


def languages_with_script(script: str) -> tuple[str, ...]:
    return tuple(l.code for l in _REGISTRY if l.script == script)


# Which language-fidelity metrics are defined for a target language (clt_plugin.metrics.fidelity
# computes them; the task registry and the YAML generator decide from here which tasks report them).
def lpr_applies(code: str) -> bool:
    """Whether LPR is defined for `code`: fastText lid.176 can identify the language."""
    return bool(get(code).fasttext)


def wpr_applies(code: str) -> bool:
    """WPR is defined for targets not written in Latin script (the Language Confusion Benchmark's
    ar, hi, ja, ko, ru, zh are exactly its languages of other scripts)."""
    return get(code).script != "Latn"
