"""Validated field types that the mixture spec and the mixture manifest share.

Messages follow the project's style ("expected X, got Y"), and counts are strict: a JSON `true`
is never taken for 1, nor `1.5` or `"100"` for a count.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BeforeValidator

from clt_plugin import languages


def count(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"expected a count >= 0, got {value!r}")
    return value


def language(value: Any) -> str:
    """A registry language code; anything else names the known ones."""
    try:
        return languages.validate(value)
    except languages.UnknownLanguageError as e:
        raise ValueError(str(e)) from None


Count = Annotated[int, BeforeValidator(count)]
Lang = Annotated[str, BeforeValidator(language)]
