"""One error type for every bad input, so the CLI can turn it into exit code 2."""

from __future__ import annotations

from typing import Any


class CLTError(Exception):
    """A user-facing error: the message names the file, field and value at fault."""


def format_location(loc: tuple[Any, ...] | list[Any], root: str | None = None) -> str:
    """('languages', 2) -> 'root.languages[2]' (the path style used in every message)."""
    out = root or ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out or "<root>"


def format_validation_error(err: Any, root: str | None = None, source: str | None = None) -> str:
    """Render a pydantic ValidationError as one line per problem, with its path."""
    lines = []
    for e in err.errors():
        # Custom validators raise ValueError('...'); pydantic prefixes it with "Value error, ".
        msg = str(e.get("msg", "")).removeprefix("Value error, ")
        loc = format_location(tuple(p for p in e.get("loc", ()) if p not in ("function-after",)), root)
        if e.get("type") in ("missing",):
            msg = "field required"
        elif e.get("type") == "extra_forbidden":
            msg = f"unknown field {e.get('loc', ('?',))[-1]!r}"
        else:
            value = e.get("input")
            if e.get("type") not in ("value_error", "assertion_error") and not isinstance(value, (dict, list)):
                msg = f"{msg} (got {value!r})"
        lines.append(f"{loc}: {msg}")
    prefix = f"{source}: " if source else ""
    return prefix + ("\n" + " " * len(prefix)).join(lines)
