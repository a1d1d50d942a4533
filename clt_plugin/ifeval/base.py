"""What an instruction checker is made of, and the table the checker modules register into.

The checker modules (change_case, keywords, ...) import this module and register their
factories; `registry` imports them all and looks ids up. Nothing here imports a checker module,
so the imports point one way.

An instruction id is ``group:name`` (IFEval, English) or ``lang:group:name`` (M-IFEval). Each
checker is registered for one or more *families* of definitions: ``en``, ``es``, ``fr`` and ``ja``
follow M-IFEval's per-language definitions (arXiv 2502.04688), and ``generic`` is IFEval's English
definition made script-aware, used for every other language (a translated IFEval, for example).

A checker is built once per (instruction, kwargs) and is then a pure ``str -> bool`` function.
"""

from __future__ import annotations

import operator
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Mapping

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


# (family, "group:name") -> its checker; filled when the checker modules are imported.
SPECS: dict[tuple[str, str], Spec] = {}


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
            if key in SPECS:
                raise ValueError(f"instruction {fam}:{name} registered twice")
            SPECS[key] = Spec(name, factory, tuple(required), tuple(optional), needs_case)
        return factory

    return deco
