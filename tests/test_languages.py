"""The language registry: every MGSM and XLSum language, the paper's sets, lookups both ways."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from clt_plugin import languages
from clt_plugin.errors import CLTError
from clt_plugin.languages import LANGUAGES, UnknownLanguageError

MGSM = ("bn", "de", "en", "es", "fr", "ja", "ru", "sw", "te", "th", "zh")

# csebuetnlp/xlsum's 45 configurations and the registry language each one is.
XLSUM = {
    "amharic": "am",
    "arabic": "ar",
    "azerbaijani": "az",
    "bengali": "bn",
    "burmese": "my",
    "chinese_simplified": "zh",
    "chinese_traditional": "zh-Hant",
    "english": "en",
    "french": "fr",
    "gujarati": "gu",
    "hausa": "ha",
    "hindi": "hi",
    "igbo": "ig",
    "indonesian": "id",
    "japanese": "ja",
    "kirundi": "rn",
    "korean": "ko",
    "kyrgyz": "ky",
    "marathi": "mr",
    "nepali": "ne",
    "oromo": "om",
    "pashto": "ps",
    "persian": "fa",
    "pidgin": "pcm",
    "portuguese": "pt",
    "punjabi": "pa",
    "russian": "ru",
    "scottish_gaelic": "gd",
    "serbian_cyrillic": "sr",
    "serbian_latin": "sr-Latn",
    "sinhala": "si",
    "somali": "so",
    "spanish": "es",
    "swahili": "sw",
    "tamil": "ta",
    "telugu": "te",
    "thai": "th",
    "tigrinya": "ti",
    "turkish": "tr",
    "ukrainian": "uk",
    "urdu": "ur",
    "uzbek": "uz",
    "vietnamese": "vi",
    "welsh": "cy",
    "yoruba": "yo",
}

SCRIPTS = {
    "en": "Latn",
    "es": "Latn",
    "fr": "Latn",
    "pt": "Latn",
    "de": "Latn",
    "sw": "Latn",
    "ja": "Jpan",
    "zh": "Hans",
    "zh-Hant": "Hant",
    "ko": "Hang",
    "ar": "Arab",
    "fa": "Arab",
    "ur": "Arab",
    "ps": "Arab",
    "ru": "Cyrl",
    "uk": "Cyrl",
    "ky": "Cyrl",
    "sr": "Cyrl",
    "sr-Latn": "Latn",
    "bn": "Beng",
    "te": "Telu",
    "th": "Thai",
    "hi": "Deva",
    "mr": "Deva",
    "ne": "Deva",
    "am": "Ethi",
    "ti": "Ethi",
    "my": "Mymr",
    "gu": "Gujr",
    "pa": "Guru",
    "si": "Sinh",
    "ta": "Taml",
}


def _langdetect_codes() -> set[str]:
    import langdetect

    return {p.name for p in (Path(langdetect.__file__).parent / "profiles").iterdir()}


def _fasttext_labels() -> set[str]:
    from clt_plugin.langid import fasttext_model_path

    # Labels sit in the model's dictionary as NUL-terminated "__label__xx" strings.
    return {m.decode() for m in re.findall(rb"__label__([a-z_]+)\x00", fasttext_model_path().read_bytes())}


def test_the_papers_eight_and_every_mgsm_and_xlsum_language_are_present():
    assert set(languages.PAPER_LANGUAGES) == {"en", "es", "fr", "ja", "zh", "ar", "ko", "pt"}
    assert set(MGSM) | set(XLSUM.values()) <= set(LANGUAGES)
    assert languages.MGSM_LANGUAGES == ("en", "es", "fr", "ja", "zh", "bn", "de", "ru", "sw", "te", "th")
    assert set(languages.XLSUM_LANGUAGES) == set(XLSUM.values()) and len(languages.XLSUM_LANGUAGES) == 45
    assert len(LANGUAGES) == 47  # XLSum's 45, German (MGSM only) and Italian (Language Confusion)


# The Language Confusion Benchmark's 15 languages (Marchisio et al., 2024), as lid.176 labels them.
CONFUSION = ("ar", "de", "en", "es", "fr", "hi", "id", "it", "ja", "ko", "pt", "ru", "tr", "vi", "zh")


def test_every_language_confusion_benchmark_language_is_present_with_its_lid_label():
    for code in CONFUSION:
        assert LANGUAGES[code].fasttext == code, code
    assert LANGUAGES["it"] == languages.Language("it", "Italian", "Latn", None, None, "ita", "it", "it")
    # The benchmark's WPR languages are exactly its languages not written in Latin script.
    assert {c for c in CONFUSION if LANGUAGES[c].script != "Latn"} == {"ar", "hi", "ja", "ko", "ru", "zh"}


def test_dataset_fields():
    for code in MGSM:
        assert LANGUAGES[code].mgsm == code
    for code in set(LANGUAGES) - set(MGSM):
        assert LANGUAGES[code].mgsm is None
    for config, code in XLSUM.items():
        assert LANGUAGES[code].xlsum == config
        assert languages.from_xlsum(config) == code
    assert LANGUAGES["de"].xlsum is None


def test_scripts_names_and_case():
    for code, script in SCRIPTS.items():
        assert LANGUAGES[code].script == script, code
    for lang in LANGUAGES.values():
        assert re.fullmatch(r"[A-Z][a-z]{3}", lang.script), lang
        assert lang.name and lang.name[0].isupper()
        assert re.fullmatch(r"[a-z]{2,3}(-[A-Z][a-z]{3})?", lang.code), lang
    assert LANGUAGES["zh"].name == "Chinese (Simplified)" and LANGUAGES["ja"].name == "Japanese"
    assert LANGUAGES["en"].has_case and LANGUAGES["ru"].has_case and LANGUAGES["fr"].has_case
    assert not LANGUAGES["ja"].has_case and not LANGUAGES["ar"].has_case and not LANGUAGES["th"].has_case


def test_tool_codes_are_codes_the_tools_use():
    ld, ft = _langdetect_codes(), _fasttext_labels()
    assert len(ft) == 176 and len(ld) == 55
    for lang in LANGUAGES.values():
        assert lang.langdetect is None or lang.langdetect in ld, lang
        assert lang.fasttext is None or lang.fasttext in ft, lang
    # Every registry language a tool knows is mapped (a None means the tool cannot tell it).
    for lang in LANGUAGES.values():
        if lang.code in ld:
            assert lang.langdetect == lang.code, lang
        if lang.code in ft:
            assert lang.fasttext == lang.code, lang
    assert LANGUAGES["zh"].langdetect == "zh-cn" and LANGUAGES["zh-Hant"].langdetect == "zh-tw"
    # Languages lid.176 does not have.
    assert {c for c, l in LANGUAGES.items() if l.fasttext is None} == {"ha", "ig", "rn", "om", "pcm", "ti"}


def test_aya_codes_are_iso_639_3_and_unique():
    codes = [lang.aya for lang in LANGUAGES.values() if lang.aya]
    assert all(re.fullmatch(r"[a-z]{3}", c) for c in codes)
    assert len(codes) == len(set(codes))
    for p in languages.PAPER_LANGUAGES:
        assert LANGUAGES[p].aya is not None
    assert [LANGUAGES[c].aya for c in languages.PAPER_LANGUAGES] == [
        "eng",
        "spa",
        "fra",
        "jpn",
        "zho",
        "arb",
        "kor",
        "por",
    ]


def test_paper_sets():
    assert languages.ENGLISH == "en"
    assert languages.PAPER_SEEN == ("es", "fr", "ja", "zh")
    assert languages.PAPER_UNSEEN == ("ar", "ko", "pt")
    assert languages.PAPER_LANGUAGES == ("en", "es", "fr", "ja", "zh", "ar", "ko", "pt")
    assert languages.SCRIPT_GROUPS == {"latin": ("es", "fr"), "non-latin": ("ja", "zh")}
    assert not set(languages.PAPER_SEEN) & set(languages.PAPER_UNSEEN)


def test_get_and_validate():
    assert languages.get("ja") is LANGUAGES["ja"]
    assert languages.validate("zh-Hant") == "zh-Hant"


@pytest.mark.parametrize("bad", ["xx", "EN", "zh-hant", "", None, 3])
def test_unknown_code_lists_the_known_ones(bad):
    with pytest.raises(UnknownLanguageError) as err:
        languages.get(bad)
    message = str(err.value)
    assert message == f"unknown language {bad!r} (known: {', '.join(LANGUAGES)})"
    assert isinstance(err.value, CLTError) and isinstance(err.value, KeyError)
    with pytest.raises(CLTError):
        languages.validate(bad)


@given(st.text(max_size=12).filter(lambda s: s not in LANGUAGES))
def test_any_unknown_code_is_an_error(code):
    with pytest.raises(UnknownLanguageError, match="known: en, es, fr, ja, zh, ar, ko, pt, "):
        languages.get(code)


def test_reverse_maps():
    for lang in LANGUAGES.values():
        if lang.langdetect:
            assert languages.from_langdetect(lang.langdetect) == lang.code  # one-to-one
        if lang.aya:
            assert languages.from_aya(lang.aya) == lang.code
        if lang.xlsum:
            assert languages.from_xlsum(lang.xlsum) == lang.code
    assert languages.from_langdetect("zh-cn") == "zh" and languages.from_langdetect("zh-tw") == "zh-Hant"
    # lid.176 has one label for both Chinese scripts and both Serbian scripts: the first wins.
    assert languages.from_fasttext("zh") == "zh" and languages.from_fasttext("sr") == "sr"
    shared = {l.fasttext for l in LANGUAGES.values() if l.fasttext and languages.from_fasttext(l.fasttext) != l.code}
    assert shared == {"zh", "sr"}
    for unknown in ("el", "xx", ""):  # Greek: in no tool mapping of the registry
        assert languages.from_langdetect(unknown) is None
        assert languages.from_fasttext(unknown) is None
        assert languages.from_aya(unknown) is None


def test_unknown_xlsum_config_lists_the_known_ones():
    with pytest.raises(CLTError) as err:
        languages.from_xlsum("klingon")
    known = ", ".join(l.xlsum for l in LANGUAGES.values() if l.xlsum)
    assert str(err.value) == f"unknown XLSum config 'klingon' (known: {known})"
    assert known.startswith("english, spanish, french, ") and sorted(known.split(", ")) == sorted(XLSUM)


def test_languages_with_script():
    assert languages.languages_with_script("Arab") == ("ar", "ps", "fa", "ur")
    assert languages.languages_with_script("Hang") == ("ko",)
    assert languages.languages_with_script("Grek") == ()
