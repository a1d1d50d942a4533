"""How an instruction id finds its checker: the lookups over every registered checker.

An instruction id is ``group:name`` (IFEval, English) or ``lang:group:name`` (M-IFEval); see
`clt_plugin.ifeval.base` for the families of definitions. A checker is built once per
(instruction, kwargs) and is then a pure ``str -> bool`` function.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from clt_plugin import languages

# Importing a checker module registers its checkers in base.SPECS.
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
from clt_plugin.ifeval.base import (  # noqa: F401 - the names callers know the registry by
    ALL_FAMILIES,
    FAMILIES,
    GENERIC,
    LATIN_FAMILIES,
    SPECS,
    Args,
    Check,
    InstructionArgumentError,
    Spec,
    UnknownInstructionError,
)


def registered_ids() -> list[str]:
    """Every implemented id, as it appears in M-IFEval data (family-prefixed) or IFEval (generic)."""
    return sorted(f"{fam}:{name}" if fam != GENERIC else name for fam, name in SPECS)


@dataclass(frozen=True)
class Resolved:
    instruction_id: str
    family: str
    lang: str
    spec: Spec = field(repr=False)


def resolve(instruction_id: str, lang: str) -> Resolved:
    """Find the checker for an id in a task of language `lang`; unknown ids raise, naming the id."""
    if not isinstance(instruction_id, str):
        raise UnknownInstructionError(f"instruction id must be a string (got {instruction_id!r})")
    parts = instruction_id.split(":")
    if len(parts) == 3:
        prefix, name = parts[0], ":".join(parts[1:])
        if prefix not in languages.LANGUAGES and prefix not in FAMILIES:
            raise UnknownInstructionError(
                f"unknown instruction id {instruction_id!r}: prefix {prefix!r} is not a known language"
            )
        text_lang = prefix
        family = prefix if prefix in FAMILIES else GENERIC
    elif len(parts) == 2:
        name, text_lang = instruction_id, lang
        # Unprefixed ids are IFEval's; for English they are exactly M-IFEval's English definitions.
        family = "en" if lang == "en" else GENERIC
    else:
        raise UnknownInstructionError(
            f"unknown instruction id {instruction_id!r} (expected 'group:name' or 'lang:group:name')"
        )
    spec = SPECS.get((family, name))
    if spec is None:
        known = sorted(n for f, n in SPECS if f == family)
        raise UnknownInstructionError(
            f"unknown instruction id {instruction_id!r} (known for {family}: {', '.join(known)})"
        )
    return Resolved(instruction_id, family, text_lang, spec)


def applicable(instruction_id: str, lang: str) -> bool:
    """False for case instructions where the expected language's script has no case."""
    res = resolve(instruction_id, lang)
    if not res.spec.needs_case:
        return True
    lang_info = languages.LANGUAGES.get(res.lang)
    return lang_info is None or lang_info.has_case


def build(instruction_id: str, kwargs: Mapping[str, Any] | None, lang: str, prompt: str = "") -> Check:
    """A ready checker for one instruction of one example."""
    res = resolve(instruction_id, lang)
    if kwargs is not None and not isinstance(kwargs, Mapping):
        raise InstructionArgumentError(f"instruction {instruction_id!r}: kwargs must be an object (got {kwargs!r:.60})")
    # IFEval rows list every kwarg of every instruction with null values; only set ones count.
    given = {k: v for k, v in (kwargs or {}).items() if v is not None}
    allowed = set(res.spec.required) | set(res.spec.optional)
    extra = sorted(set(given) - allowed)
    if extra:
        raise InstructionArgumentError(
            f"instruction {instruction_id!r}: unexpected argument {extra[0]!r}"
            f" (accepted: {', '.join(sorted(allowed)) or 'none'})"
        )
    missing = [k for k in res.spec.required if k not in given]
    if missing:
        raise InstructionArgumentError(f"instruction {instruction_id!r}: missing argument {missing[0]!r}")
    return res.spec.factory(Args(instruction_id, given, res.family, res.lang, prompt))
