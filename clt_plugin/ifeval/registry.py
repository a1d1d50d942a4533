"""The registry of instruction checkers, and how an instruction id finds its checker.

An instruction id is ``group:name`` (IFEval, English) or ``lang:group:name`` (M-IFEval). Each
checker is registered for one or more *families* of definitions: ``en``, ``es``, ``fr`` and ``ja``
follow M-IFEval's per-language definitions (arXiv 2502.04688), and ``generic`` is IFEval's English
definition made script-aware, used for every other language (a translated IFEval, for example).

A checker is built once per (instruction, kwargs) and is then a pure ``str -> bool`` function.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from clt_plugin import languages
from clt_plugin.errors import CLTError

FAMILIES = ("en", "es", "fr", "ja")
GENERIC = "generic"
LATIN_FAMILIES = ("en", "es", "fr", GENERIC)
ALL_FAMILIES = (*FAMILIES, GENERIC)

Check = Callable[[str], bool]


class UnknownInstructionError(CLTError):
    """An instruction id that no checker implements."""


class InstructionArgumentError(CLTError):
    """Kwargs that do not fit an instruction."""


@dataclass(frozen=True)
class Args:
    """What a checker factory gets: the instruction's kwargs and where it is used."""

    instruction_id: str
    kwargs: Mapping[str, Any]
    family: str  # which definitions apply: en/es/fr/ja/generic
    lang: str  # the language the text is expected in (registry code, or the id's prefix)
    prompt: str = ""

    def __getitem__(self, key: str) -> Any:
        return self.kwargs[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.kwargs.get(key, default)

    def int(self, key: str, minimum: int = 0, maximum: int | None = None) -> int:
        """An integer kwarg inside its domain. Counts are never negative: the reference IFEval does
        not take a negative as given (it draws a random one), so scoring with it would be wrong."""
        value = self.kwargs[key]
        # float.is_integer() is False for nan and the infinities too
        if (
            isinstance(value, bool)
            or not isinstance(value, (int, float))
            or (isinstance(value, float) and not value.is_integer())
        ):
            raise InstructionArgumentError(
                f"instruction {self.instruction_id!r}: {key} must be an integer (got {value!r})"
            )
        if value < minimum or (maximum is not None and value > maximum):
            domain = f"from {minimum} to {maximum}" if maximum is not None else f"{minimum} or more"
            raise InstructionArgumentError(
                f"instruction {self.instruction_id!r}: {key} must be {domain} (got {value!r})"
            )
        return int(value)

    def str(self, key: str) -> str:
        value = self.kwargs[key]
        if not isinstance(value, str):
            raise InstructionArgumentError(
                f"instruction {self.instruction_id!r}: {key} must be a string (got {value!r})"
            )
        return value

    def str_list(self, key: str) -> list[str]:
        value = self.kwargs[key]
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise InstructionArgumentError(
                f"instruction {self.instruction_id!r}: {key} must be a list of strings (got {value!r})"
            )
        return value


# Relation words of every family, mapped to the comparison each definition makes.
# es "como máximo" is "at most" (<=); fr "moins de" and ja "未満" are strict "less than".
RELATIONS: dict[str, Callable[[int, int], bool]] = {
    "less than": operator.lt,
    "at least": operator.ge,
    "at most": operator.le,
    "al menos": operator.ge,
    "como máximo": operator.le,
    "moins de": operator.lt,
    "au moins": operator.ge,
    "未満": operator.lt,
    "以上": operator.ge,
}


def relation(args: Args, key: str = "relation") -> Callable[[int, int], bool]:
    value = args.get(key)
    if not isinstance(value, str) or value not in RELATIONS:
        raise InstructionArgumentError(
            f"instruction {args.instruction_id!r}: unknown {key} {value!r} (known: {', '.join(RELATIONS)})"
        )
    return RELATIONS[value]


@dataclass(frozen=True)
class Spec:
    name: str  # "group:name"
    factory: Callable[[Args], Check]
    required: tuple[str, ...] = ()
    optional: tuple[str, ...] = ()
    needs_case: bool = False  # only meaningful where the expected language's script has case


_REGISTRY: dict[tuple[str, str], Spec] = {}


def register(
    name: str,
    families: Iterable[str],
    required: Iterable[str] = (),
    optional: Iterable[str] = (),
    needs_case: bool = False,
) -> Callable[[Callable[[Args], Check]], Callable[[Args], Check]]:
    def deco(factory: Callable[[Args], Check]) -> Callable[[Args], Check]:
        for fam in families:
            if fam not in ALL_FAMILIES:
                raise ValueError(f"unknown family {fam!r}")
            key = (fam, name)
            if key in _REGISTRY:
                raise ValueError(f"instruction {fam}:{name} registered twice")
            _REGISTRY[key] = Spec(name, factory, tuple(required), tuple(optional), needs_case)
        return factory

    return deco


def _ensure_loaded() -> None:
    # Importing the group modules fills the registry; done lazily to keep imports acyclic.
    from clt_plugin.ifeval import checkers  # noqa: F401


def registered_ids() -> list[str]:
    """Every implemented id, as it appears in M-IFEval data (family-prefixed) or IFEval (generic)."""
    _ensure_loaded()
    return sorted(f"{fam}:{name}" if fam != GENERIC else name for fam, name in _REGISTRY)


@dataclass(frozen=True)
class Resolved:
    instruction_id: str
    family: str
    lang: str
    spec: Spec = field(repr=False)


def resolve(instruction_id: str, lang: str) -> Resolved:
    """Find the checker for an id in a task of language `lang`; unknown ids raise, naming the id."""
    _ensure_loaded()
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
    spec = _REGISTRY.get((family, name))
    if spec is None:
        known = sorted(n for f, n in _REGISTRY if f == family)
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
