"""Word and sentence counting: Japanese against the real segmenter M-IFEval uses; the rest by rule."""

from __future__ import annotations

import functools

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clt_plugin.ifeval import text as T


@functools.lru_cache(maxsize=1)
def _reference_segmenter():
    # The pipeline M-IFEval's count_sentences builds from ja-sentence-segmenter 0.0.2.
    from ja_sentence_segmenter.common.pipeline import make_pipeline
    from ja_sentence_segmenter.concatenate.simple_concatenator import concatenate_matching
    from ja_sentence_segmenter.normalize.neologd_normalizer import normalize
    from ja_sentence_segmenter.split.simple_splitter import split_newline, split_punctuation

    split = functools.partial(split_punctuation, punctuations=r"。!?")
    tail_no = functools.partial(
        concatenate_matching, former_matching_rule=r"^(?P<result>.+)(の)$", remove_former_matched=False
    )
    return make_pipeline(normalize, split_newline, tail_no, split)


def reference_count(text: str) -> int:
    return len(list(_reference_segmenter()(text)))


JA_PIECES = [
    "猫",
    "です",
    "の",
    " の",
    "。",
    "！",
    "？",
    "!",
    "?",
    "「",
    "」",
    "『",
    "』",
    "｢",
    "｣",
    "｡",
    "（",
    "）",
    "(",
    ")",
    "\n",
    "\n\n",
    "\r\n",
    "\t",
    " ",
    "　",
    "東京",
    "ABC",
    "１２",
    "ｱｲｳ",
    "～",
    "~",
    "-",
    "ー",
    "a b",
]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(JA_PIECES), max_size=25).map("".join))
def test_japanese_sentence_count_matches_the_reference_segmenter(text):
    assert T.count_sentences_ja(text) == reference_count(text)


@pytest.mark.parametrize(
    "text, n",
    [
        ("一文目。二文目！三文目？", 3),
        ("「こんにちは。元気？」と言った。", 1),  # punctuation inside quotes does not split
        ("タイトルの\n説明です。", 1),  # a line ending in の continues
        ("行1\n\n行2", 2),
        ("", 0),
    ],
)
def test_japanese_sentence_examples(text, n):
    assert T.count_sentences_ja(text) == n == reference_count(text)


@pytest.mark.parametrize(
    "text, n",
    [
        ("Dr. Smith came. He left.", 2),
        ("It costs 3.5 dollars. Cheap!", 2),
        ("Wait... what? No.", 2),
        ("Title line\nstill the same sentence.", 1),
        ("I met J. Smith today.", 1),
        ("1. First item\n2. Second item", 3),  # Punkt: "1." is a sentence of its own here
    ],
)
def test_english_sentences_are_punkts(text, n):
    assert T.count_sentences(text, "en", "en") == n


def test_word_tokenize_is_nltks():
    assert T.word_tokenize("I DON'T know, Dr. Smith.") == ["I", "DO", "N'T", "know", ",", "Dr.", "Smith", "."]


def test_french_abbreviations_do_not_end_sentences():
    assert T.count_sentences("M. Dupont et Mme Durand, etc. sont là. Fin.", "fr", "fr") == 2


def test_spanish_lines_and_list_markers():
    assert T.count_sentences("Título\n1. Primera frase. Segunda.\n- Tercera", "es", "es") == 4
    assert T.count_sentences("La Sra. García llegó. Luego se fue.", "es", "es") == 2
    assert T.spanish_words("¡Hola, mundo! Cuesta 3,5 € (aprox.).") == ["Hola", "mundo", "Cuesta", "3,5", "€", "aprox"]


def test_spanish_words_follow_spacys_tokenizer():
    # Checked against spaCy's Spanish pipeline: joined inner punctuation, split letter hyphens,
    # and whitespace runs other than one space are tokens (so words) of their own.
    assert T.spanish_words("Sala B-12 a las 20:30 p.m. en EE.UU., bien-estar") == [
        "Sala",
        "B-12",
        "a",
        "las",
        "20:30",
        "p.m",
        "en",
        "EE.UU",
        "bien",
        "estar",
    ]
    assert T.count_words("Uno dos  tres", "es", "es") == 4
    assert T.count_words("Uno dos tres", "es", "es") == 3


def test_words_without_spaces_count_characters_in_chinese():
    assert T.count_words("我喜欢猫。I like cats", "generic", "zh") == 4 + 3
    assert T.count_words("one two", "en", "en") == 2
    assert T.count_sentences("我喜欢猫。你呢？好！", "generic", "zh") == 3


@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.sampled_from(["word", "Word", ".", "!", "?", " ", "\n", "Dr.", "3.5", '"']), max_size=30).map("".join)
)
def test_sentence_pieces_reassemble_the_text(text):
    # Splitting never invents or loses text: the pieces are the text minus whitespace.
    pieces = T.split_sentences(text)
    assert "".join(pieces).replace(" ", "").replace("\n", "") == text.replace(" ", "").replace("\n", "")
