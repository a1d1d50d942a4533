"""Language fidelity (LPR / WPR) on real multilingual text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clt_plugin.errors import CLTError
from clt_plugin.metrics import fidelity
from metrics_samples import SENTENCES

NON_LATIN = ["ja", "zh", "ru", "th", "bn"]


def reply(lang: str, k: int = 3) -> str:
    return "\n".join(SENTENCES[lang][:k])


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_monolingual_replies_pass(lang):
    text = reply(lang) + "\n\n- 3 + 4 = 7\n```\n42\n```"  # short/number-only lines are not judged
    assert fidelity.line_pass_rate(text, lang) == 1.0
    assert fidelity.passes(text, lang, words=True)
    if fidelity.wpr_applies(lang):
        assert fidelity.word_pass_rate(text, lang) == 1.0


@pytest.mark.parametrize("lang", sorted(set(SENTENCES) - {"en"}))
def test_an_english_line_fails_lpr(lang):
    text = reply(lang, 2) + "\n" + SENTENCES["en"][3]
    assert fidelity.line_pass_rate(text, lang) == 0.0
    assert not fidelity.passes(text, lang)


@pytest.mark.parametrize("lang,other", [("es", "fr"), ("fr", "es"), ("ja", "zh"), ("zh", "ja"), ("en", "es"), ("ru", "en")])
def test_a_line_in_another_language_fails(lang, other):
    assert fidelity.line_pass_rate(reply(other, 2), lang) == 0.0


@pytest.mark.parametrize(
    "lang,text",
    [
        ("zh", "医生呼吁六十五岁以上的老人在冬季 flu season 开始前接种疫苗。"),
        ("ja", "医師らは高齢者に対して、冬の influenza の流行前に予防接種を受けるよう呼びかけた。"),
        ("ru", "Врачи призвали людей старше 65 лет сделать прививку до начала flu season."),
    ],
)
def test_english_words_fail_wpr_but_not_lpr(lang, text):
    assert fidelity.line_pass_rate(text, lang) == 1.0
    assert fidelity.word_pass_rate(text, lang) == 0.0
    assert fidelity.passes(text, lang)
    assert not fidelity.passes(text, lang, words=True)
    assert fidelity.scores(text, lang) == {"lang_fidelity": 1.0, "lang_fidelity_wpr": 0.0}


def test_names_acronyms_and_units_are_not_english_words():
    text = "该公司在 Google 和 GPT 的帮助下，把距离缩短到 5 km 以内，效果很好。"
    assert fidelity.english_words(text) == []
    assert fidelity.word_pass_rate(text, "zh") == 1.0
    assert fidelity.english_words("这个 problem 很难, ok") == ["problem"]


def test_no_judged_line_passes():
    for text in ("", "42", "答案：18", "- 3\n- 4"):
        assert fidelity.line_pass_rate(text, "ja") == 1.0


def test_wpr_only_for_non_latin_targets():
    assert [fidelity.wpr_applies(l) for l in ("en", "es", "fr", "pt", *NON_LATIN)] == [False] * 4 + [True] * 5
    with pytest.raises(CLTError, match="not written in Latin script"):
        fidelity.word_pass_rate("hola", "es")
    assert set(fidelity.scores(reply("es"), "es")) == {"lang_fidelity"}


def test_unknown_or_unidentifiable_target():
    with pytest.raises(CLTError, match="unknown language 'xx'"):
        fidelity.line_pass_rate("text", "xx")
    with pytest.raises(CLTError, match="not available for 'pcm'"):
        fidelity.line_pass_rate("text", "pcm")


def test_chinese_scripts_share_a_label():
    assert fidelity.line_pass_rate(reply("zh"), "zh-Hant") == 1.0


@settings(max_examples=300, deadline=None)
@given(lines=st.lists(st.text(alphabet=st.sampled_from(list("abcdxyzABCD éßñ中文ру 1_-.'\n")), max_size=30), max_size=5))
def test_wpr_finds_a_line_exactly_when_english_words_does(lines):
    # _wpr scans the judged lines in one regex pass; english_words is the definition.
    judged = [(line, "ja") for line in lines]
    assert fidelity._wpr(judged) == (0.0 if any(fidelity.english_words(line) for line in lines) else 1.0)
