"""Importing this module registers every instruction group's checkers."""

from clt_plugin.ifeval import (  # noqa: F401
    change_case,
    combination,
    detectable_content,
    detectable_format,
    keywords,
    language,
    length_constraints,
    letters,
    punctuation,
    special_character,
    startend,
)
