"""Answer extraction: every numeral system and separator convention, plus properties."""

from __future__ import annotations

import unicodedata
from decimal import Decimal
from pathlib import Path

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
        ("答えは1万2千ではなく12000です", "ja", "12000"),  # 1万2千 is 12000 too
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
        # A multiplier after digits is part of the number (issue 20's cases first).
        ("答えは7万円です。", "ja", "70000"),
        ("答案是7万元。", "zh", "70000"),
        ("答えは1.5万円です。", "ja", "15000"),
        ("答えは3千円です。", "ja", "3000"),
        ("答えは2億円です。", "ja", "200000000"),
        ("答案是2亿。", "zh", "200000000"),
        ("答案是5百元。", "zh", "500"),
        ("答案是10萬元。", "zh-Hant", "100000"),
        # Chains: smaller units after bigger ones, or a plain number right after the last unit.
        ("答えは1万2千円です。", "ja", "12000"),
        ("答えは1万2000円です。", "ja", "12000"),
        ("答えは3千5百円です。", "ja", "3500"),
        ("答えは1億2000万円です。", "ja", "120000000"),
        ("答案是1,000万。", "zh", "10000000"),
        # Korean writes its units with spaces between the pieces.
        ("답은 7만 원입니다.", "ko", "70000"),
        ("답은 1만 2천 원입니다.", "ko", "12000"),
        ("답은 3천 원입니다.", "ko", "3000"),
        # Neighbours: no multiplier, a unit word that is not one, a multiplier without a phrase.
        ("答えは7円です。", "ja", "7"),
        ("答えは7人です。", "ja", "7"),
        ("所以一共7万元", "zh", "70000"),
        # The answer is the last number of the sentence holding the phrase.
        ("Respuesta: 5 horas y 30 minutos, es decir 330 minutos.", "es", "330"),
        ("La respuesta es 3/4 de pizza, o sea 0,75.", "es", "0.75"),
        ("The answer is 5 hours and 30 minutes, that is 330 minutes.", "en", "330"),
        ("La réponse est 2 heures et 30 minutes, soit 150 minutes.", "fr", "150"),
        ("Die Antwort lautet 2 Stunden, also 120 Minuten.", "de", "120"),
        ("Ответ: 2,5 часа, то есть 150 минут.", "ru", "150"),
        ("A resposta é 2 horas, ou seja, 120 minutos.", "pt", "120"),
        ("الإجابة هي ٣ ساعات، أي ١٨٠ دقيقة.", "ar", "180"),
        ("答えは2時間、つまり120分です。", "ja", "120"),
        ("答案是2小时，也就是120分钟。", "zh", "120"),
        # ... and the sentence ends at . 。 ! ? । ؟ or a newline, never inside 3.5 or 1.000.
        ("La respuesta es 3,5. Después 2 más.", "es", "3.5"),
        ("The answer is 18.5! Then 3 more.", "en", "18.5"),
        ("The answer is 18? Then 3 more.", "en", "18"),
        ("Die Antwort lautet 1.000. Danach 5.", "de", "1000"),
        ("答えは18。次に5。", "ja", "18"),
        ("উত্তর হল ১৮। তারপর ৫।", "bn", "18"),
        ("الإجابة هي ١٨؟ ثم ٥", "ar", "18"),
        ("The answer is 18\nThen 5 more.", "en", "18"),
        # No digits in the phrase's sentence: a CJK numeral there, else the next sentence's last number.
        ("答えは全部で十八個です。", "ja", "18"),
        ("The answer is:\n\n5 hours and 30 minutes, that is 330 minutes.", "en", "330"),
        ("The answer is: see below.\n42", "en", "42"),
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


UNITS = {"百": 100, "千": 1000, "万": 10**4, "億": 10**8, "亿": 10**8, "만": 10**4, "천": 1000}


@settings(max_examples=200, deadline=None)
@given(
    n=st.integers(min_value=1, max_value=9999),
    unit=st.sampled_from(sorted(UNITS)),
    lang=st.sampled_from(["ja", "zh", "ko"]),
    counter=st.sampled_from(["", "円", "元", " 원", "人"]),
)
def test_a_multiplier_multiplies(n, unit, lang, counter):
    assert extract_answer(f"{ANSWER_PHRASES[lang][0]}{n}{unit}{counter}。", lang) == str(n * UNITS[unit])


@settings(max_examples=200, deadline=None)
@given(
    numbers=st.lists(st.integers(min_value=0, max_value=10**6), min_size=1, max_size=5),
    after=st.integers(min_value=0, max_value=10**6),
    end=st.sampled_from([".", "!", "?", "。", "\n"]),
    lang=st.sampled_from(["en", "es", "fr", "de"]),
)
def test_the_last_number_of_the_answer_sentence(numbers, after, end, lang):
    # Numbers after the sentence end never count; within it the last one does.
    body = " y ".join(str(n) for n in numbers)
    text = f"{ANSWER_PHRASES[lang][0]} {body}{end} {after} más"
    assert extract_answer(text, lang) == str(numbers[-1])


# --- against lm-eval's own MGSM filter ---------------------------------------------------------


def lm_eval_mgsm(text: str, lang: str, gold: str, name: str = "flexible-extract") -> tuple[str, bool]:
    """What lm-eval's `mgsm_native_cot_{lang}` keeps of a reply with its filter `name`
    (flexible-extract or strict-match: regex and group read from the task YAML lm-eval ships, run
    by lm-eval's RegexFilter), and whether its exact_match (with the YAML's options) scores that
    as `gold`."""
    import lm_eval.tasks
    import yaml
    from lm_eval.api.metrics import exact_match_hf_evaluate
    from lm_eval.filters.extraction import RegexFilter

    folder = Path(lm_eval.tasks.__file__).parent / "mgsm" / "native_cot"
    cfg = yaml.safe_load((folder / f"mgsm_native_cot_{lang}.yaml").read_text(encoding="utf-8"))
    (chosen,) = [f for f in cfg["filter_list"] if f["name"] == name]
    regex = next(step for step in chosen["filter"] if step["function"] == "regex")
    kept = RegexFilter(regex["regex_pattern"], group_select=regex.get("group_select", 0)).apply([[text]], [{}])[0][0]
    (metric,) = yaml.safe_load((folder / "cot_yaml").read_text(encoding="utf-8"))["metric_list"]
    options = {k: metric[k] for k in ("ignore_case", "ignore_punctuation")}
    score = exact_match_hf_evaluate(predictions=[kept], references=[gold], **options)["exact_match"]
    return kept, score == 1.0


# (reply, lang, gold, the project's answer, what flexible-extract keeps, whether lm-eval scores it right)
AGAINST_FLEXIBLE_EXTRACT = [
    # Right here, wrong in lm-eval: the last run of digits loses the multiplier (7万 is 70000).
    ("答えは7万円です。", "ja", "70000", "70000", "7", False),
    ("答案是7万元。", "zh", "70000", "70000", "7", False),
    ("答えは1.5万円です。", "ja", "15000", "15000", "1.5", False),
    # Right in both: the last number of the answer sentence is also the last of the reply. lm-eval
    # keeps "0,75." and its exact_match drops punctuation on both sides ("075" = "075").
    ("Respuesta: 5 horas y 30 minutos, es decir 330 minutos.", "es", "330", "330", "330", True),
    ("La respuesta es 3/4 de pizza, o sea 0,75.", "es", "0.75", "0.75", "0,75.", True),
    # Right here, wrong in lm-eval: a number after the stated answer (a check, a continuation)
    # is what the last-number rule takes.
    ("La respuesta es 18. Comprobación: 9 huevos a 2 dólares.", "es", "18", "18", "2", False),
    # Right here, wrong in lm-eval: grouping with a space leaves only the last group.
    ("La réponse est 1 000 euros.", "fr", "1000", "1000", "000", False),
    # Right here, wrong in lm-eval: its [0-9] does not match full-width digits (it keeps the 1 of 1つ).
    ("1つずつ数えると、答えは１８です。", "ja", "18", "18", "1", False),
    # Wrong here, right in lm-eval: the model corrects itself without saying the phrase again; the
    # project trusts the stated answer, the last-number rule sees the correction.
    ("The answer is 5. Wait, I forgot the 13 she keeps: 18.", "en", "18", "5", "18.", True),
]


@pytest.mark.parametrize("text,lang,gold,ours,kept,lm_eval_right", AGAINST_FLEXIBLE_EXTRACT)
def test_against_lm_evals_flexible_extract(text, lang, gold, ours, kept, lm_eval_right):
    assert extract_answer(text, lang) == ours
    assert lm_eval_mgsm(text, lang, gold) == (kept, lm_eval_right)
