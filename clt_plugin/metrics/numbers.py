"""Numeric answer extraction for MGSM-style math answers, in every language and numeral system.

Conventions (documented because some are ambiguous by nature):

- Any Unicode decimal digit counts (Arabic-Indic ٠-٩, Persian ۰-۹, Devanagari, Bengali, Thai,
  Telugu, full-width ０-９ ...). Full-width ``，．－`` and Arabic ``٫`` (decimal) / ``٬``
  (thousands) map to their ASCII roles; U+2212 MINUS SIGN is a minus.
- Thousands separators: ``,`` ``.`` ``'`` ``’`` space, no-break space (U+00A0), narrow no-break
  space (U+202F) and thin space (U+2009), in groups of exactly three digits (``1,000``
  ``1.000`` ``1 000``), plus Indian lakh grouping (``1,00,000``).
- A number holding both ``.`` and ``,`` takes the last one as the decimal mark (``1.234,5``,
  ``1,234.5``). A single ``.`` or ``,`` followed by exactly three digits is read as thousands
  grouping in every language (``1,000`` = ``1.000`` = 1000): MGSM answers are integers, and
  models write either locale's grouping whatever the prompt language. Any other single mark is
  a decimal mark (``3,5`` = ``3.5`` = 3.5).
- Digits followed by a CJK or Korean multiplier are read as their value: ``7万`` = 70000,
  ``1.5万`` = 15000, ``3千`` = 3000, ``5百`` = 500, ``2億`` / ``2亿`` = 200000000, ``1万2千`` =
  ``1万2000`` = 12000, Korean ``7만`` = 70000 and ``1만 2천`` = 12000 (Korean spaces its units).
- The answer is the last number of the sentence that holds the last "the answer is" phrase of
  the language (or of English, which models fall back to), counted from the phrase on: ``La
  respuesta es 5 horas y 30 minutos, es decir 330 minutos.`` is 330. A sentence ends at ``.``
  (not a decimal point or grouping mark between digits), ``。``, ``!``, ``?``, their full-width
  forms, ``।`` (Bengali, Hindi), ``؟`` (Arabic) or a newline. When that sentence has no digits,
  a CJK numeral after the phrase (``十八``, ``三千五百``) is the answer; else the last number of
  the first later sentence that has one (``The answer is:\n42``). Without such a phrase, the
  last number in the text is the answer.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation
from functools import lru_cache

# Phrases that introduce the final answer, per registry code (the MGSM paper's native CoT
# wording first, then common variants). English is always tried as well.
ANSWER_PHRASES: dict[str, tuple[str, ...]] = {
    "en": ("the answer is", "the final answer is", "answer:"),
    "es": ("la respuesta es", "la respuesta final es", "respuesta:"),
    "fr": ("la réponse est", "la réponse finale est", "réponse :", "réponse:"),
    "de": ("die antwort lautet", "die antwort ist", "antwort:"),
    "pt": ("a resposta é", "a resposta final é", "resposta:"),
    "ru": ("ответ —", "ответ -", "ответ:", "ответ равен"),
    "sw": ("jibu ni", "jibu:"),
    "bn": ("উত্তর হল", "উত্তর হলো", "উত্তর:"),
    "te": ("సమాధానం",),
    "th": ("คำตอบคือ", "คำตอบ:"),
    "ja": ("答えは", "答え:", "答え：", "解答:", "解答："),
    "zh": ("答案是", "答案为", "答案為", "答案:", "答案："),
    "zh-Hant": ("答案是", "答案為", "答案:", "答案："),
    "ko": ("답은", "정답은", "답:", "답："),
    "ar": ("الإجابة هي", "الاجابة هي", "الجواب هو", "الإجابة:"),
}

# Characters that play an ASCII role in numbers once digits are normalised.
_SEPARATOR_MAP = {
    "\uff0c": ",",  # FULLWIDTH COMMA
    "\uff0e": ".",  # FULLWIDTH FULL STOP
    "\u066b": ".",  # ARABIC DECIMAL SEPARATOR
    "\u066c": ",",  # ARABIC THOUSANDS SEPARATOR
    "\u2212": "-",  # MINUS SIGN
    "\uff0d": "-",  # FULLWIDTH HYPHEN-MINUS
    "\u2019": "'",  # RIGHT SINGLE QUOTATION MARK (Swiss grouping)
}
_SPACE_GROUP = " \u00a0\u202f\u2009"

_NUMBER_RE = re.compile(
    r"(?<![\d.,])-?(?:"
    r"\d{1,2}(?:,\d\d)+,\d{3}(?![\d])"  # Indian lakh grouping 1,00,000
    r"|\d{1,3}(?:(?P<g>[,.'" + _SPACE_GROUP + r"])\d{3})(?:(?P=g)\d{3})*(?:[.,]\d+)?(?!\d)"
    r"|\d+(?:[.,]\d+)?"
    r")"
)

_CJK_DIGITS = {
    "〇": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "兩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
_CJK_SMALL = {"十": 10, "百": 100, "千": 1000}
_CJK_BIG = {"万": 10_000, "萬": 10_000, "亿": 100_000_000, "億": 100_000_000}
_CJK_RE = re.compile("-?[" + "".join(_CJK_DIGITS) + "".join(_CJK_SMALL) + "".join(_CJK_BIG) + "]+")


@lru_cache(maxsize=4096)
def _char_role(ch: str) -> str:
    d = unicodedata.decimal(ch, None)
    if d is not None:
        return str(d)
    return _SEPARATOR_MAP.get(ch, ch)


def normalize_numerals(text: str) -> str:
    """Map every Unicode decimal digit to ASCII and native separators to their ASCII role."""
    if text.isascii():
        return text
    return "".join(_char_role(c) if not c.isascii() else c for c in text)


def parse_number(numeral: str) -> Decimal | None:
    """Parse one numeral written with any convention above; None when it is not a number."""
    s = normalize_numerals(str(numeral).strip())
    m = _NUMBER_RE.fullmatch(s) or _NUMBER_RE.search(s)
    if not m:
        return None
    return _to_decimal(m.group(0))


def _to_decimal(s: str) -> Decimal | None:
    negative = s.startswith("-")
    body = s.lstrip("-")
    for sp in _SPACE_GROUP + "'":
        body = body.replace(sp, "")
    last_dot, last_comma = body.rfind("."), body.rfind(",")
    if last_dot >= 0 and last_comma >= 0:
        dec = "." if last_dot > last_comma else ","
        grp = "," if dec == "." else "."
        body = body.replace(grp, "").replace(dec, ".")
    elif last_dot >= 0 or last_comma >= 0:
        mark = "." if last_dot >= 0 else ","
        parts = body.split(mark)
        if len(parts) > 2 or len(parts[-1]) == 3:
            body = "".join(parts)
        else:
            body = ".".join(parts)
    try:
        value = Decimal(body)
    except InvalidOperation:
        return None
    return -value if negative else value


def parse_cjk_number(text: str) -> int | None:
    """十八 -> 18, 三千五百 -> 3500, 一万二千 -> 12000, 二〇二四 -> 2024."""
    m = _CJK_RE.match(text)
    if not m:
        return None
    s = m.group(0)
    negative = s.startswith("-")
    s = s.lstrip("-")
    if s and all(c in _CJK_DIGITS for c in s):  # digit-by-digit form (二〇二四)
        return int("".join(str(_CJK_DIGITS[c]) for c in s)) * (-1 if negative else 1)
    total, section, digit = 0, 0, None
    for c in s:
        if c in _CJK_DIGITS:
            digit = _CJK_DIGITS[c]
        elif c in _CJK_SMALL:
            section += (1 if digit is None else digit) * _CJK_SMALL[c]
            digit = None
        else:
            section += digit or 0
            total += (section or 1) * _CJK_BIG[c]
            section, digit = 0, None
    total += section + (digit or 0)
    return -total if negative else total


def canonical(value: Decimal | int | float | str | None) -> str | None:
    """A stable string form: '18', '-3', '2.5' (no exponent, no trailing zeros)."""
    if value is None:
        return None
    d = (
        value
        if isinstance(value, Decimal)
        else parse_number(str(value))
        if isinstance(value, str)
        else Decimal(str(value))
    )
    if d is None:
        return None
    if d == d.to_integral_value():
        return str(int(d))
    return format(d.normalize(), "f")


# Multipliers written after digits (7万, 3千, 2億; Korean 7만, 3천): unit -> value. Units of 10^4
# and up close a section, smaller ones multiply within it (1万2千 = 1 * 10^4 + 2 * 10^3).
_UNITS = {
    "百": 100,
    "千": 1000,
    "万": 10**4,
    "萬": 10**4,
    "亿": 10**8,
    "億": 10**8,
    "兆": 10**12,
    "백": 100,
    "천": 1000,
    "만": 10**4,
    "억": 10**8,
    "조": 10**12,
}
_BIG_UNIT = 10**4
# Sentence ends; "." only where it is not between two digits (3.5, 1.000 stay one number).
_SENTENCE_END = re.compile(r"[。!?！？।؟\n]|(?<!\d)\.|\.(?!\d)")


def _numbers(norm: str) -> list[tuple[int, int, Decimal]]:
    """(start, end, value) of every number in normalised text, multiplier chains read whole."""
    matches = list(_NUMBER_RE.finditer(norm))
    out = []
    i = 0
    while i < len(matches):
        m = matches[i]
        value = _to_decimal(m.group(0))
        end = m.end()
        if value is not None and end < len(norm) and norm[end] in _UNITS:
            value, end, i = _multiplied(norm, matches, i, value)
        if value is not None:
            out.append((m.start(), end, value))
        i += 1
    return out


def _multiplied(norm: str, matches: list, i: int, first: Decimal) -> tuple[Decimal, int, int]:
    """Read `first` and the unit after it, then any further number+unit pieces (each unit
    smaller than the one before), and a plain number written right after the last unit: the
    chain's value, its end, and the index of the last match it used."""
    total, section = Decimal(0), Decimal(0)
    current, end = first, matches[i].end()
    unit = _UNITS[norm[end]]
    while True:
        if unit >= _BIG_UNIT:
            total, section = total + (section + current) * unit, Decimal(0)
        else:
            section += current * unit
        end += 1
        if i + 1 >= len(matches):
            break
        nxt = matches[i + 1]
        gap = norm[end : nxt.start()]
        value = _to_decimal(nxt.group(0))
        next_unit = _UNITS.get(norm[nxt.end()]) if nxt.end() < len(norm) else None
        if value is None:
            break
        if next_unit is None:  # a plain number counts only written right after the unit (1万2000)
            if gap == "":
                section, end, i = section + value, nxt.end(), i + 1
            break
        # A number+unit piece, right after or one space on (Korean: 1만 2천), with a smaller unit.
        if gap not in ("", " ") or next_unit >= unit:
            break
        current, end, unit, i = value, nxt.end(), next_unit, i + 1
    return total + section, end, i


def _answer_after(norm: str, start: int) -> Decimal | int | None:
    """The answer stated from `start` (just past an answer phrase) on: see the module docstring."""
    numbers = [n for n in _numbers(norm) if n[0] >= start]
    pos = start
    while pos < len(norm):
        stop = _SENTENCE_END.search(norm, pos)
        end = stop.start() if stop else len(norm)
        inside = [value for s, _, value in numbers if s < end]
        if inside:
            return inside[-1]
        if pos == start:  # no digits in the phrase's own sentence: a CJK numeral there?
            cjk = _first_cjk(norm[start:end])
            if cjk is not None:
                return cjk
        numbers = [n for n in numbers if n[0] >= end]
        if not numbers:
            return None
        pos = end + 1
    return None


def _first_cjk(text: str) -> int | None:
    m = _CJK_RE.search(text)
    return parse_cjk_number(m.group(0)) if m else None


def _phrases(lang: str | None) -> tuple[str, ...]:
    out = list(ANSWER_PHRASES.get(lang or "", ()))
    out += [p for p in ANSWER_PHRASES["en"] if p not in out]
    return tuple(out)


def extract_answer(text: str, lang: str | None = None) -> str | None:
    """The final numeric answer of a (chain-of-thought) response, canonical, or None."""
    norm = normalize_numerals(text or "")
    lowered = norm.lower()
    best = -1
    for phrase in _phrases(lang):
        pos = lowered.rfind(phrase)
        if pos >= 0 and pos + len(phrase) > best:
            best = pos + len(phrase)
    if best >= 0:
        found = _answer_after(norm, best)
        if found is not None:
            return canonical(found)
    numbers = _numbers(norm)
    return canonical(numbers[-1][2]) if numbers else None


def is_correct(response: str, gold: object, lang: str | None = None) -> bool:
    """Exact numeric match of the extracted answer against the gold answer."""
    pred = extract_answer(response, lang)
    return pred is not None and pred == canonical(gold if not isinstance(gold, str) else parse_number(gold))
