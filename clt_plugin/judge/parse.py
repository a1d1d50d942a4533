"""A strict parser for the judge's rating: a number is returned only when it is unambiguous."""

from __future__ import annotations

import re
from typing import NamedTuple

MIN_RATING = 1
MAX_RATING = 5
PARSER_VERSION = "strict-brackets-v1"

# Anything between double brackets; only number-looking contents count as rating attempts, so
# a judge that quotes the format literally ("[[N]]") is not mistaken for a rating.
_BRACKETS = re.compile(r"\[\[\s*([^\[\]\n]*?)\s*\]\]")
_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


class ParsedRating(NamedTuple):
    rating: int | None
    error: str | None  # why `rating` is None; None when a rating was found


def parse_rating(text: str) -> ParsedRating:
    """`[[k]]` with k an integer in 1..5, every bracketed number agreeing; anything else is an error.

    >>> parse_rating("Fine answer. Rating: [[4]]")
    ParsedRating(rating=4, error=None)
    """
    if not isinstance(text, str):
        return ParsedRating(None, "judge output is not text")
    numbers = [m.group(1) for m in _BRACKETS.finditer(text) if _NUMBER.fullmatch(m.group(1))]
    if not numbers:
        return ParsedRating(None, "no [[rating]] in the judge output")
    values = set()
    for raw in numbers:
        if not re.fullmatch(r"[+-]?\d+", raw):
            return ParsedRating(None, f"rating [[{raw}]] is not an integer")
        value = int(raw)
        if not MIN_RATING <= value <= MAX_RATING:
            return ParsedRating(None, f"rating [[{raw}]] is outside {MIN_RATING}-{MAX_RATING}")
        values.add(value)
    if len(values) > 1:
        shown = ", ".join(f"[[{v}]]" for v in sorted(values))
        return ParsedRating(None, f"conflicting ratings {shown}")
    return ParsedRating(values.pop(), None)
