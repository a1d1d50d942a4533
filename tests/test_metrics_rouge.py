"""Multilingual ROUGE-L: tokens on every script, agreement with the XL-Sum scorer, properties."""

from __future__ import annotations

import warnings

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from metrics_samples import ROUGE_LANGUAGES, SENTENCES, summary_pairs

from clt_plugin.metrics.rouge import lcs_length, rouge_l, rouge_l_f, score_tokens, tokenize

# multilingual-rouge's language names for our registry codes.
XLSUM_NAMES = {
    "en": "english",
    "es": "spanish",
    "fr": "french",
    "ru": "russian",
    "ja": "japanese",
    "zh": "chinese",
    "th": "thai",
    "bn": "bengali",
}


@pytest.mark.parametrize(
    "lang,text,tokens",
    [
        ("en", "Covid19 cases rose 3.5% in March!", ["covid", "19", "cases", "rose", "3", "5", "in", "march"]),
        ("en", "costs €100 — x²", ["costs", "€", "100", "x", "²"]),
        ("fr", "L'équipe a gagné « 3-1 ».", ["l", "équipe", "a", "gagné", "3", "1"]),
        ("es", "¿Qué pasó? ¡Ganó!", ["qué", "pasó", "ganó"]),
        ("ru", "Сборная выиграла финал, 3:1.", ["сборная", "выиграла", "финал", "3", "1"]),
        ("ja", "東京都に住んでいます。", ["東京", "都", "に", "住ん", "で", "い", "ます"]),
        ("zh", "我们今天去北京。", ["我们", "今天", "去", "北京"]),
        ("zh", "北京，上海", ["北京", " ", "上海"]),  # the boundary counts, as in the XL-Sum scorer
        ("th", "สวัสดีครับ", ["สวัสดี", "ครับ"]),
        ("bn", "বাংলা ভাষা১২৩।", ["বাংলা", "ভাষা", "১২৩"]),
        ("ar", "ذهب الولد إلى المدرسة، ثم عاد.", ["ذهب", "الولد", "إلى", "المدرسة", "ثم", "عاد"]),
        ("ko", "재닛의 오리는 16개의 알을 낳습니다.", ["재닛의", "오리는", "16", "개의", "알을", "낳습니다"]),
        ("hi", "नमस्ते, दुनिया!", ["नमस्ते", "दुनिया"]),
        ("te", "తెలుగు భాష.", ["తెలుగు", "భాష"]),
        ("en", "zero\u200bwidth", ["zerowidth"]),  # format characters vanish
        ("en", "中文 inside English", ["中", "文", "inside", "english"]),
    ],
)
def test_tokenize_every_script(lang, text, tokens):
    assert tokenize(text, lang) == tokens


def test_rouge_score_drops_what_we_keep():
    """The reason this module exists: rouge_score sees no tokens in non-Latin scripts."""
    from rouge_score import rouge_scorer

    ref, pred = SENTENCES["zh"][0], SENTENCES["zh"][0]
    assert rouge_scorer.RougeScorer(["rougeL"]).score(ref, pred)["rougeL"].fmeasure == 0.0
    assert rouge_l_f(ref, pred, "zh") == 1.0


def test_known_value():
    s = rouge_l("the cat sat on the mat", "the cat on a mat", "en")
    assert (s.precision, s.recall) == (4 / 5, 4 / 6)
    assert s.fmeasure == pytest.approx(2 * 0.8 * (4 / 6) / (0.8 + 4 / 6))
    assert rouge_l_f("", "anything", "en") == 0.0
    assert rouge_l_f("...", "!!!", "en") == 0.0


def test_stemming_is_optional():
    assert rouge_l_f("the cats were running", "the cat was running", "en") == pytest.approx(0.5)
    assert rouge_l_f("the cats were running", "the cat was running", "en", stem=True) == pytest.approx(0.75)
    assert tokenize("las casas", "es", stem=True) == ["las", "cas"]
    assert tokenize("東京都", "ja", stem=True) == tokenize("東京都", "ja")  # no stemmer: unchanged


@pytest.fixture(scope="module")
def xlsum_scorers():
    from multilingual_rouge import rouge_scorer

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return {
            lang: rouge_scorer.RougeScorer(["rougeL"], lang=XLSUM_NAMES[lang], use_stemmer=False)
            for lang in XLSUM_NAMES
        }


def test_unidic_is_not_installed():
    """multilingual-rouge's Japanese path needs fugashi on unidic-lite (offline); `unidic` breaks it."""
    import importlib.util

    assert importlib.util.find_spec("unidic") is None, "pip uninstall -y unidic (see Makefile)"


@pytest.mark.parametrize("lang", sorted(XLSUM_NAMES))
def test_agrees_with_multilingual_rouge(lang, xlsum_scorers):
    assert set(XLSUM_NAMES) <= set(ROUGE_LANGUAGES)
    scorer = xlsum_scorers[lang]
    pairs = summary_pairs(lang, 120)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = [scorer.score(ref, pred)["rougeL"].fmeasure for ref, pred in pairs]
    ours = [rouge_l_f(ref, pred, lang) for ref, pred in pairs]
    assert max(abs(a - b) for a, b in zip(ours, theirs)) <= 0.01
    assert sum(ours) / len(ours) == pytest.approx(sum(theirs) / len(theirs), abs=0.002)
    assert len({round(x, 3) for x in ours}) > 5  # the pairs really span a range of scores


def lcs_dp(a, b):
    prev = [0] * (len(b) + 1)
    for x in a:
        cur = [0]
        for j, y in enumerate(b):
            cur.append(prev[j] + 1 if x == y else max(prev[j + 1], cur[j]))
        prev = cur
    return prev[-1]


tokens = st.lists(st.sampled_from("abcdefg"), max_size=40)


@settings(max_examples=300, deadline=None)
@given(a=tokens, b=tokens)
def test_bit_parallel_lcs_equals_dp(a, b):
    assert lcs_length(a, b) == lcs_dp(a, b) == lcs_length(b, a)


@settings(max_examples=200, deadline=None)
@given(a=tokens, b=tokens)
def test_score_properties(a, b):
    s = score_tokens(a, b)
    assert 0.0 <= s.fmeasure <= 1.0
    assert score_tokens(b, a).fmeasure == pytest.approx(s.fmeasure)
    if a:
        assert score_tokens(a, a).fmeasure == 1.0


@settings(max_examples=100, deadline=None)
@given(lang=st.sampled_from(sorted(SENTENCES)), i=st.integers(0, 7))
def test_identical_text_scores_one_on_every_script(lang, i):
    assert rouge_l_f(SENTENCES[lang][i], SENTENCES[lang][i], lang) == 1.0


@pytest.mark.parametrize(
    "lang,text,tokens",
    [
        # Keycaps (digit, U+FE0F, U+20E3) and emoji with a variation selector are one token each.
        ("ko", "1️⃣ 첫째 ❤️ 사랑", ["1\ufe0f\u20e3", "첫째", "\u2764\ufe0f", "사랑"]),
        ("ko", "2⃣번과 ⭐️⭐️ 3️⃣개", ["2\u20e3", "번과", "\u2b50\ufe0f", "\u2b50\ufe0f", "3\ufe0f\u20e3", "개"]),
        ("ko", "👍🏽 좋아요 ✔︎ 확인", ["\U0001f44d", "\U0001f3fd", "좋아요", "\u2714\ufe0e", "확인"]),
        ("en", "I ❤️ it, ☺️x", ["i", "\u2764\ufe0f", "it", "\u263a\ufe0f", "x"]),
    ],
)
def test_emoji_keep_their_variation_selectors_and_keycaps(lang, text, tokens):
    assert tokenize(text, lang) == tokens


def test_emoji_tokens_agree_with_multilingual_rouge_on_korean():
    """The one disagreement once found with the XL-Sum scorer: Korean text with emoji."""
    from multilingual_rouge import rouge_scorer

    ref = "오늘의 추천 1️⃣ 김치찌개 ❤️ 2️⃣ 불고기 ⭐️⭐️ 맛있어요"
    preds = ["추천 1️⃣ 김치찌개 ❤️ 맛있어요", "2️⃣ 불고기 ⭐️ 맛있어요 👍🏽", "1 김치찌개 2 불고기"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        scorer = rouge_scorer.RougeScorer(["rougeL"], lang="korean", use_stemmer=False)
        theirs = [scorer.score(ref, p)["rougeL"].fmeasure for p in preds]
        their_tokens = [t.lower() for t in scorer._tokenizer(ref)]
    assert tokenize(ref, "ko") == their_tokens
    assert [rouge_l_f(ref, p, "ko") for p in preds] == pytest.approx(theirs, abs=1e-12)
    # Hand-worked: all 5 prediction tokens are 5 of the 10 reference tokens, in order: P 1, R 1/2.
    assert theirs[0] == pytest.approx(2 * 1 * 0.5 / 1.5)
