"""Answer extraction: every numeral system and separator convention, plus properties."""

from __future__ import annotations

import unicodedata
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from clt_plugin.metrics.numbers import (
    ANSWER_PHRASES,
    canonical,
    extract_answer,
    is_correct,
    normalize_numerals,
    parse_cjk_number,
    parse_number,
)

# Zero of each decimal digit system the extractor must read.
DIGIT_ZEROS = {
    "ascii": "0",
    "arabic-indic": "\u0660",
    "persian": "\u06f0",
    "devanagari": "\u0966",
    "bengali": "\u09e6",
    "telugu": "\u0c66",
    "thai": "\u0e50",
    "fullwidth": "\uff10",
    "myanmar": "\u1040",
}


def native(n: str, system: str) -> str:
    zero = ord(DIGIT_ZEROS[system])
    return "".join(chr(zero + int(c)) if c.isdigit() else c for c in n)


@pytest.mark.parametrize(
    "text,lang,expected",
    [
        ("The answer is 1,000.", "en", "1000"),
        ("La respuesta es 1.000.", "es", "1000"),
        ("La réponse est 1 000.", "fr", "1000"),
        ("La réponse est 1\u00a0000.", "fr", "1000"),
        ("La réponse est 1\u202f000 €.", "fr", "1000"),
        ("Die Antwort lautet 1’000.", "de", "1000"),
        ("Die Antwort lautet 1'000'000.", "de", "1000000"),
        ("Total: 1,00,000 rupees", "en", "100000"),
        ("Ответ — 2,5.", "ru", "2.5"),
        ("Il pèse 3,5 kg.", "fr", "3.5"),
        ("It costs 12.50 dollars.", "en", "12.5"),
        ("Le total est de 1.234,56 €.", "fr", "1234.56"),
        ("The total is 1,234.56 dollars.", "en", "1234.56"),
        ("The answer is $18.00.", "en", "18"),
        ("The answer is -7.", "en", "-7"),
        ("The answer is \u22127.", "en", "-7"),
        ("答案是１８。", "zh", "18"),
        ("答案是１，２００。", "zh", "1200"),
        ("答えは十八です。", "ja", "18"),
        ("答案是三千五百。", "zh", "3500"),
        ("答えは1万2千ではなく12000です", "ja", "1"),  # the number right after the phrase
        ("الإجابة هي ١٢٣٬٤٥٦", "ar", "123456"),
        ("الإجابة هي ٣٫٥", "ar", "3.5"),
        ("جواب: ۱۲۰۰", "ar", "1200"),
        ("คำตอบคือ ๑๒", "th", "12"),
        ("উত্তর হল ১৮।", "bn", "18"),
        ("సమాధానం 25.", "te", "25"),
        ("Jibu ni 40.", "sw", "40"),
        ("A resposta é 1.500.", "pt", "1500"),
        ("그래서 5개를 더하면 답은 12입니다.", "ko", "12"),
        ("She has 5 apples and 3 pears, so 8 fruits.", "en", "8"),  # no phrase: last number
        ("La respuesta es 18. Luego 5 más.", "es", "18"),  # phrase wins over the last number
        ("The answer is 7. Wait, the answer is 9.", "en", "9"),  # last phrase wins
        ("no numbers here", "en", None),
        ("", "en", None),
    ],
)
def test_extract_answer(text, lang, expected):
    assert extract_answer(text, lang) == expected


def test_english_phrase_works_in_every_language():
    assert extract_answer("bla 3 bla. The answer is 42.", "ja") == "42"


def test_gold_answers_parse():
    assert canonical(parse_number("2,125")) == "2125"
    assert canonical(18) == "18" and canonical(18.0) == "18" and canonical("70000") == "70000"
    assert canonical(2.5) == "2.5"
    assert is_correct("The answer is 2,125.", "2,125", "en")
    assert is_correct("答案是2125。", 2125, "zh")
    assert not is_correct("The answer is 2124.", 2125, "en")
    assert not is_correct("nothing", 5, "en")


def test_cjk_numerals():
    assert parse_cjk_number("十八") == 18
    assert parse_cjk_number("二十") == 20
    assert parse_cjk_number("一百零五") == 105
    assert parse_cjk_number("一万二千") == 12000
    assert parse_cjk_number("二〇二四") == 2024
    assert parse_cjk_number("三億") == 300_000_000
    assert parse_cjk_number("abc") is None


def test_every_decimal_digit_normalises():
    for cp in range(0x110000):
        ch = chr(cp)
        d = unicodedata.decimal(ch, None)
        if d is not None:
            assert normalize_numerals(ch) == str(d), hex(cp)


GROUPINGS = {",": 3, ".": 3, " ": 3, "\u00a0": 3, "\u202f": 3, "'": 3, "\u066c": 3, "\uff0c": 3}


def group(n: int, sep: str) -> str:
    s = str(n)
    parts = []
    while len(s) > 3:
        parts.insert(0, s[-3:])
        s = s[:-3]
    parts.insert(0, s)
    return sep.join(parts)


@settings(max_examples=300, deadline=None)
@given(
    n=st.integers(min_value=-(10**9), max_value=10**9),
    sep=st.sampled_from(sorted(GROUPINGS)),
    system=st.sampled_from(sorted(DIGIT_ZEROS)),
    lang=st.sampled_from(sorted(ANSWER_PHRASES)),
    prefix=st.sampled_from(["", "We compute 3 + 4 = 7 first. ", "計算すると 5 個。\n"]),
)
def test_integer_round_trip(n, sep, system, lang, prefix):
    body = ("-" if n < 0 else "") + native(group(abs(n), sep), system)
    phrase = ANSWER_PHRASES[lang][0]
    text = f"{prefix}{phrase} {body}."
    assert extract_answer(text, lang) == str(n)


@settings(max_examples=200, deadline=None)
@given(
    whole=st.integers(min_value=0, max_value=10**6),
    frac=st.integers(min_value=1, max_value=99),
    style=st.sampled_from(["point", "comma", "arabic"]),
    system=st.sampled_from(sorted(DIGIT_ZEROS)),
)
def test_decimal_round_trip(whole, frac, style, system):
    frac_s = f"{frac:02d}".rstrip("0")
    if style == "point":
        text = group(whole, ",") + "." + frac_s
    elif style == "comma":
        text = group(whole, ".") + "," + frac_s
    else:
        text = group(whole, "\u066c") + "\u066b" + frac_s
    value = Decimal(f"{whole}.{frac_s}")
    assert parse_number(native(text, system)) == value
    assert extract_answer("x = " + native(text, system), "en") == canonical(value)
