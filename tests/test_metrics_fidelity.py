"""LPR / WPR as the Language Confusion Benchmark defines them: one hand-worked case per rule."""

from __future__ import annotations

import hashlib

import pytest
from conftest import shared_data_dir
from hypothesis import given, settings
from hypothesis import strategies as st
from metrics_samples import SENTENCES

from clt_plugin import languages
from clt_plugin.errors import CLTError
from clt_plugin.metrics import fidelity

FR = "Les canards pondent seize œufs par jour et elle vend le reste au marché."
EN = "The ducks lay sixteen eggs every day and she sells the rest at the market."
ES = "Los patos ponen dieciséis huevos al día y ella vende el resto en el mercado."
RU = "Утки несут шестнадцать яиц в день, а остальное она продаёт на рынке."
ZH = "医生呼吁六十五岁以上的老人在冬季流感季节开始前接种疫苗。"
JA = "医師らは高齢者に対して、冬のインフルエンザの流行前に予防接種を受けるよう呼びかけた。"


# --- text preparation and tokens ----------------------------------------------------------------


def test_prepare_cuts_at_the_next_question_and_strips_punctuation():
    text = '  "Bonjour, le monde!" — dit-il.\nالسلام، عليكم\nQ: next question\nmore'
    assert fidelity.prepare(text) == ["Bonjour le monde   ditil", "السلام عليكم"]
    # Only ASCII punctuation goes; the French « » and the Chinese full stop stay.
    assert fidelity.prepare("« oui » 好。") == ["« oui » 好。"]
    assert fidelity.prepare("a\r\nb") == ["a\r", "b"]  # split on "\n" only, as the benchmark does


def test_tokens_whitespace_jieba_and_mecab():
    assert fidelity.tokenize("un deux  trois\tquatre", "fr") == ["un", "deux", "trois", "quatre"]
    assert fidelity.tokenize("我们今天去北京", "zh") == ["我们", "今天", "去", "北京"]
    assert fidelity.tokenize("北京 上海", "zh") == ["北京", " ", "上海"]  # jieba keeps the space
    assert fidelity.tokenize("東京都に住んでいます", "ja") == ["東京", "都", "に", "住ん", "で", "い", "ます"]
    # The target's tokenizer, whatever the line is written in.
    assert fidelity.tokenize("I live in Tokyo now", "ja") == ["I", "live", "in", "Tokyo", "now"]


# --- which lines are judged ------------------------------------------------------------------------


def test_lines_under_five_tokens_are_not_judged():
    j = fidelity.judge("Bonjour à tous\n" + FR + "\n# Titre en anglais: Hello\nhttps://example.com/page", "fr")
    assert [line for line, _ in j.lines] == [FR.replace(".", "")]
    assert j.line_pass is True


def test_a_completion_with_no_judged_line_is_left_out():
    for text in ("", "42", "Bonjour à tous", "The answer is 18", "```\nx = 1\n```"):
        j = fidelity.judge(text, "fr")
        assert (j.judged, j.line_pass, j.word_pass) == (False, None, None), text
        assert fidelity.passes(text, "fr")  # the judge's gate does not fail what it cannot judge
    r = fidelity.rates(["42", FR, EN, "ok"], "fr")
    # Hand-worked: 2 judged (FR passes, EN fails), 2 left out -> LPR 1/2, not 2/4 or 3/4.
    assert (r.lpr, r.n, r.skipped, r.line_failures) == (0.5, 2, 2, 1)


# --- LPR ------------------------------------------------------------------------------------------


def test_one_wrong_line_fails_the_completion():
    assert fidelity.line_pass(FR + "\n" + FR, "fr") is True
    j = fidelity.judge(FR + "\n" + EN, "fr")
    assert j.line_pass is False and [label for _, label in j.wrong_lines] == ["en"]
    assert not fidelity.passes(FR + "\n" + EN, "fr")


@pytest.mark.parametrize(
    "text,lang,label",
    [
        (EN, "es", "en"),
        (ES, "fr", "es"),
        (ZH, "ja", "zh"),
        # Italian is a registry language now; a Dutch line is in no registry language and still
        # counts as wrong, never as unjudged.
        ("Ciao, come stai oggi? Io sto bene, grazie mille.", "es", "it"),
        ("De eenden leggen elke dag zestien eieren en zij verkoopt de rest op de markt.", "de", "nl"),
    ],
)
def test_a_line_in_any_other_language_is_wrong(text, lang, label):
    j = fidelity.judge(text, lang)
    assert j.lines[0][1] == label and j.line_pass is False


def test_an_unsure_identification_is_unknown_and_wrong():
    from clt_plugin.langid import fasttext_top

    line = "1 2 3 4 5"  # five tokens, so judged; lid.176 guesses "en" at 0.12
    label, prob = fasttext_top(line)
    assert label == "en" and prob <= fidelity.MIN_PROBABILITY
    assert fidelity.identify(line) == fidelity.UNKNOWN
    assert fidelity.line_pass(line, "en") is False and fidelity.line_pass(line, label) is False


def test_labels_are_compared_as_they_come():
    # The target's own label: zh-Hant is "zh" in lid.176, so Simplified Chinese passes it.
    assert fidelity.target_label("zh-Hant") == "zh" and fidelity.line_pass(ZH, "zh-Hant") is True
    assert fidelity.target_label("it") == "it"
    with pytest.raises(CLTError, match="lid.176 does not identify Hausa"):
        fidelity.target_label("ha")


# --- WPR ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "lang,text,words",
    [
        ("zh", "医生呼吁六十五岁以上的老人在冬季 flu season 开始前接种疫苗。", ("season",)),
        ("ja", "医師らは高齢者に対して、冬の influenza の流行前に予防接種を受けるよう呼びかけた。", ("influenza",)),
        ("ru", "Врачи призвали людей старше 65 лет сделать прививку до начала flu season.", ("season",)),
    ],
)
def test_english_words_fail_wpr_but_not_lpr(lang, text, words):
    j = fidelity.judge(text, lang)
    assert j.line_pass is True and j.english == words and j.word_pass is False
    # "flu" has 3 letters: entries must be longer than 3.
    assert "flu" not in fidelity.english_words() and "season" in fidelity.english_words()


LCB_WORDS_SHA256 = "1ec8230beef2a7c955742b089fc3cea2833866cf5482bf018d7c4124eef104bd"


def test_the_word_list_is_the_benchmarks_own_file_shipped_with_its_licence():
    # The benchmark's `words`, byte for byte (the hash the shared data's README records).
    assert hashlib.sha256(fidelity.WORD_LIST.read_bytes()).hexdigest() == LCB_WORDS_SHA256
    assert "Apache License" in (fidelity.WORD_LIST.parent / "LICENSE").read_text(encoding="utf-8")
    # 99,171 entries; the benchmark keeps the all-lowercase ones longer than 3 letters.
    assert len(fidelity.WORD_LIST.read_text(encoding="utf-8").splitlines()) == 99_171
    assert len(fidelity.english_words()) == 81_995


def test_the_shipped_word_list_equals_the_shared_copy():
    shared = shared_data_dir("lcb-words") / "words"
    assert hashlib.sha256(shared.read_bytes()).hexdigest() == LCB_WORDS_SHA256
    assert fidelity.WORD_LIST.read_bytes() == shared.read_bytes()


def test_english_words_are_the_benchmarks_not_web2():
    # Inflections only the benchmark's list has, and entries only web2 had (issue 20's examples).
    assert {"computing", "habits", "plugins"} <= fidelity.english_words()
    assert not {"mein", "machi", "koto", "blocker"} & fidelity.english_words()
    assert fidelity.word_pass("我们在学习 computing 的基础知识和方法。", "zh") is False
    assert fidelity.word_pass("我们在学习 mein 的基础知识和方法。", "zh") is True


def test_english_words_are_lowercase_list_entries_matched_as_written():
    words = fidelity.english_words()
    assert {"python", "market", "season"} <= words
    assert not {"Python", "GPT", "USA", "the", "flu"} & words  # capitalised entries and short ones
    # "Python" and "GPT" as written are not English words; "python" is.
    assert fidelity.word_pass("我们用 Python 和 GPT 写了一个很好的程序。", "zh") is True
    assert fidelity.word_pass("我们用 python 写了一个很好的程序。", "zh") is False


def test_wpr_counts_only_completions_that_pass_lpr():
    mixed = "我们今天去了北京的 museum 参观了很多东西。"
    wrong = EN
    r = fidelity.rates([ZH, mixed, wrong, "42"], "zh")
    # Hand-worked: judged 3 (ZH, mixed, EN); EN fails LPR; of the 2 LPR passes, mixed has "museum".
    assert (r.n, r.skipped, r.line_failures, r.word_failures) == (3, 1, 1, 1)
    assert (r.lpr, r.wpr) == (pytest.approx(2 / 3), 0.5)
    assert fidelity.word_pass(wrong, "zh") is None  # left out of WPR, not a WPR failure


def test_wpr_applies_to_targets_not_written_in_latin_script():
    assert [languages.wpr_applies(l) for l in ("en", "es", "it", "ja", "zh", "ru", "ar", "hi", "ko")] == [False] * 3 + [
        True
    ] * 6
    assert fidelity.rates([FR], "fr").wpr is None
    with pytest.raises(CLTError, match="not written in Latin script"):
        fidelity.word_pass(FR, "fr")


# --- lm-eval values and aggregation ---------------------------------------------------------------


def test_scores_are_per_document_values_that_judged_mean_aggregates():
    assert fidelity.scores(FR, "fr") == {"lpr": 1.0}
    assert fidelity.scores("42", "zh") == {"lpr": None, "wpr": None}
    assert fidelity.scores(EN, "zh") == {"lpr": 0.0, "wpr": None}
    assert fidelity.scores("医生呼吁六十五岁以上的老人在冬季 flu season 开始前接种疫苗。", "zh") == {
        "lpr": 1.0,
        "wpr": 0.0,
    }
    assert fidelity.scores("Sannu da zuwa", "ha") == {}  # lid.176 cannot identify Hausa: no metric
    docs = [ZH, "42", EN, "我们今天去了北京的 museum 参观了很多东西。"]
    values = [fidelity.scores(d, "zh") for d in docs]
    r = fidelity.rates(docs, "zh")
    assert fidelity.judged_mean(v["lpr"] for v in values) == r.lpr
    assert fidelity.judged_mean(v["wpr"] for v in values) == r.wpr
    assert fidelity.judged_mean([None, None]) == 1.0 == fidelity.rates(["42"], "fr").lpr  # as the benchmark


def test_aggregate_is_the_unweighted_mean_over_sources():
    rows = [("okapi", FR), ("okapi", FR), ("okapi", FR), ("okapi", EN), ("dolly", EN), ("dolly", "42")]
    rep = fidelity.aggregate((source, "fr", text) for source, text in rows)
    # Hand-worked: okapi 3/4, dolly 0/1 -> (0.75 + 0) / 2, not 3/5 over completions.
    assert rep.cells[("okapi", "fr")].lpr == 0.75 and rep.cells[("dolly", "fr")].lpr == 0.0
    assert rep.languages["fr"] == fidelity.Mean(0.375, None, 5, 1) == rep.overall
    with pytest.raises(CLTError, match="no completions"):
        fidelity.aggregate([])


def test_the_table_averages_as_the_benchmarks_compute_all_metrics():
    rows = [
        ("okapi", "fr", FR),
        ("okapi", "fr", EN),  # okapi/fr: 1/2
        ("okapi", "zh", ZH),  # okapi/zh: LPR 1, WPR 1
        ("dolly", "zh", ZH),
        ("dolly", "zh", "医生呼吁六十五岁以上的老人在冬季 flu season 开始前接种疫苗。"),  # dolly/zh: LPR 1, WPR 1/2
        ("dolly", "ja", EN),  # dolly/ja: LPR 0, WPR over no LPR pass = 1 (the benchmark's max(1, 0))
    ]
    t = fidelity.aggregate(rows)
    assert list(t.cells) == [("dolly", "ja"), ("dolly", "zh"), ("okapi", "fr"), ("okapi", "zh")]
    # (source, all): over the source's languages; WPR only over those that have one.
    assert t.sources["okapi"] == fidelity.Mean((0.5 + 1) / 2, 1.0, 3, 0)
    assert t.sources["dolly"] == fidelity.Mean((0 + 1) / 2, (1 + 0.5) / 2, 3, 0)
    # (all, language): over the language's sources.
    assert t.languages["zh"] == fidelity.Mean(1.0, (1 + 0.5) / 2, 3, 0)
    assert t.languages["fr"] == fidelity.Mean(0.5, None, 2, 0)
    # (all, all): the mean of the per-language means, not of the sources or the cells.
    assert t.overall == fidelity.Mean((0 + 0.5 + 1) / 3, (1 + 0.75) / 2, 6, 0)
    with pytest.raises(CLTError, match="lid.176 does not identify Hausa"):
        fidelity.aggregate([("x", "ha", FR)])


@settings(max_examples=25, deadline=None)
@given(st.lists(st.sampled_from([FR, EN, ES, "42", "", FR + "\n" + EN, FR + "\nQ: " + EN]), max_size=8))
def test_rates_are_the_benchmark_ratios(texts):
    r = fidelity.rates(texts, "fr")
    verdicts = [fidelity.line_pass(t, "fr") for t in texts]
    judged = [v for v in verdicts if v is not None]
    assert (r.n, r.skipped) == (len(judged), len(texts) - len(judged))
    assert r.lpr == 1 - (len(judged) - sum(judged)) / max(1, len(judged))
    assert 0.0 <= r.lpr <= 1.0


def test_jieba_spaces_make_a_formula_line_judged_in_chinese():
    # As in the benchmark: jieba returns spaces as tokens, so "- 3 + 4 = 7" (prepared: " 3  4  7")
    # has 8 tokens in Chinese and is judged (and unknown), where in French it has 3 and is not.
    assert fidelity.tokenize(" 3  4  7", "zh") == [" ", "3", " ", " ", "4", " ", " ", "7"]
    assert fidelity.line_pass(ZH + "\n- 3 + 4 = 7", "zh") is False
    assert fidelity.line_pass(FR + "\n- 3 + 4 = 7", "fr") is True


def test_thai_lines_are_counted_in_words_not_phrases():
    # Beyond the benchmark's languages: whitespace would leave every clean Thai line out and judge
    # only the English one, so a Thai reply could fail but never pass.
    text = "\n".join(SENTENCES["th"][:2])
    assert all(len(line.split()) < fidelity.MIN_TOKENS for line in text.split("\n"))
    assert fidelity.line_pass(text, "th") is True
    assert fidelity.line_pass(text + "\n" + EN, "th") is False


@pytest.mark.parametrize("lang", sorted(SENTENCES))
def test_monolingual_replies_pass_on_every_script(lang):
    text = "\n".join(SENTENCES[lang][:3]) + "\n\n```\n42\n```"
    j = fidelity.judge(text, lang)
    if j.judged:  # Thai and the like have few spaces: a line may have under 5 tokens
        assert j.line_pass is True, j.wrong_lines


def _combine(a: bool | None, b: bool | None) -> bool | None:
    return b if a is None else a if b is None else a and b


_LINES = st.lists(
    st.sampled_from([FR, EN, ES, ZH, JA, "42", "Bonjour à tous", "**Étape 1**", "1 2 3 4 5", ""]), max_size=5
)


@settings(max_examples=30, deadline=None)
@given(a=_LINES, b=_LINES, tail=_LINES)
def test_lines_are_judged_independently(a, b, tail):
    """A completion's verdict is its lines' verdicts combined (a wrong line fails it, unjudged lines
    count for nothing), and nothing after "\\nQ:" counts."""
    left, right = "\n".join(a), "\n".join(b)
    whole = left + "\n" + right
    assert fidelity.line_pass(whole, "fr") == _combine(fidelity.line_pass(left, "fr"), fidelity.line_pass(right, "fr"))
    assert fidelity.line_pass(whole + "\nQ: " + "\n".join(tail), "fr") == fidelity.line_pass(whole, "fr")
