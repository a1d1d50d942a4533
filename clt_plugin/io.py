"""Atomic file writes, content hashes and readers whose every failure names the file.

Folders (claiming, staging, replacing) are `clt_plugin.outputs`, built on this module.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
import secrets
import sys
import threading
from pathlib import Path
from typing import Any, Iterator

from clt_plugin.errors import CLTError

_CHUNK = 1 << 20


def sha256_file(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def canonical_json(obj: Any) -> str:
    """Stable JSON: sorted keys, no NaN, UTF-8 kept readable. Same object, same bytes."""
    return json.dumps(obj, sort_keys=True, ensure_ascii=False, indent=2, allow_nan=False) + "\n"


_UMASK_LOCK = threading.Lock()


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (threads may be writing)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode() -> int:
    return 0o666 & ~current_umask()


def dir_mode() -> int:
    return 0o777 & ~current_umask()


def temp_name(path: Path, kind: str = "tmp") -> Path:
    """`.NAME.clt-PID-RANDOM.tmp` beside `path`: the PID tells a later run whether it is stale."""
    return path.with_name(f".{path.name}.clt-{os.getpid()}-{secrets.token_hex(4)}.{kind}")


# A write that fails for want of room names no file (write() and fsync() carry no path).
NO_ROOM = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def no_room(e: BaseException) -> bool:
    return isinstance(e, OSError) and e.errno in NO_ROOM


def _ensure_parent(path: Path) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CLTError(f"{path.parent}: cannot create directory ({e.strerror})") from e


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", encoding: str | None = "utf-8") -> Iterator[Any]:
    """Write to a temporary file beside `path`, rename over it only if the block succeeds.

    The file gets the mode the umask asks for (mkstemp alone would make it 0600); the temporary
    name carries the PID, so a run killed mid-write leaves a file the next run can clear. A full
    disk is an error naming `path` (the OS names no file for a failed write).
    """
    path = Path(path)
    _ensure_parent(path)
    tmp = temp_name(path)
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except OSError as e:
        raise CLTError(f"{path}: cannot write ({e.strerror})") from e
    binary = "b" in mode
    try:
        with os.fdopen(fd, mode, encoding=None if binary else encoding) as f:
            yield f
            f.flush()
            os.fchmod(f.fileno(), file_mode())
            os.fsync(f.fileno())
        if path.is_dir():
            raise CLTError(f"{path}: is a folder; expected a file name")
        os.replace(tmp, path)
    except BaseException as e:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if no_room(e):
            raise CLTError(f"{path}: cannot write ({e.strerror}); nothing was changed") from None
        raise


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    with atomic_open(path, "w") as f:
        f.write(text)


def atomic_write_bytes(path: str | os.PathLike, data: bytes) -> None:
    with atomic_open(path, "wb", encoding=None) as f:
        f.write(data)


def atomic_write_json(path: str | os.PathLike, obj: Any) -> None:
    atomic_write_text(path, canonical_json(obj))


def _read_error(path: Path, what: str, e: BaseException) -> CLTError:
    """The one message for a file that cannot be read as text, whatever broke."""
    if isinstance(e, FileNotFoundError):
        return CLTError(f"{path}: {what} not found")
    if isinstance(e, IsADirectoryError):
        return CLTError(f"{path}: is a folder, expected a {what}")
    if isinstance(e, UnicodeDecodeError):
        return CLTError(f"{path}: {what} is not UTF-8 text ({e.reason} at byte {e.start})")
    if isinstance(e, OSError):
        return CLTError(f"{path}: cannot read {what} ({e.strerror or e})")
    return CLTError(f"{path}: cannot read {what} ({e})")


def read_text(path: str | os.PathLike, what: str = "file") -> str:
    """A UTF-8 text file; every failure (missing, a folder, a symlink loop, bad bytes) is a CLTError."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError) as e:
        raise _read_error(path, what, e) from None


def _too_long(text: str | bytes, e: BaseException) -> tuple[int, int, str] | None:
    """(line, column, why) when `e` is Python's limit on the digits of an int (json and yaml raise
    it as a bare ValueError with no position: the position is found again in the text)."""
    limit = sys.get_int_max_str_digits()
    if not limit or isinstance(e, json.JSONDecodeError) or "digits" not in str(e):
        return None
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    m = re.search(r"\d{%d,}" % (limit + 1), text)
    if m is None:
        return None
    line = text.count("\n", 0, m.start()) + 1
    column = m.start() - (text.rfind("\n", 0, m.start()) + 1) + 1
    return line, column, f"an integer of {len(m.group())} digits, over Python's limit of {limit}"


def value_error_at(text: str | bytes, e: BaseException, *, lines: bool = True) -> str:
    """'line L, column C: an integer of N digits, ...' for the ValueError a json or yaml parser
    raises on an integer too long to convert (its own text otherwise). `lines=False` for one
    line of a JSON Lines file, whose line number the caller names."""
    found = _too_long(text, e)
    if found is None:
        return str(e)
    line, column, why = found
    return f"line {line}, column {column}: {why}" if lines else f"column {column}: {why}"


def parse_json(text: str | bytes, where: str, what: str = "JSON") -> Any:
    """json.loads whose failures (syntax, nesting too deep, an integer too long for Python) name `where`."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise CLTError(f"{where}: corrupt {what} (line {e.lineno}, column {e.colno}: {e.msg})") from None
    except RecursionError:
        raise CLTError(f"{where}: {what} is nested too deeply to read") from None
    except UnicodeDecodeError as e:
        raise CLTError(f"{where}: {what} is not UTF-8 text ({e.reason} at byte {e.start})") from None
    except ValueError as e:  # an integer literal longer than Python converts
        raise CLTError(f"{where}: corrupt {what} ({value_error_at(text, e)})") from None


def loads_line(line: str, path: str | os.PathLike, lineno: int) -> Any:
    """One JSON Lines record; every failure is a CLTError naming `path:lineno`."""
    try:
        return json.loads(line)
    except json.JSONDecodeError as e:
        raise CLTError(f"{path}:{lineno}: invalid JSON ({e.msg}, column {e.colno})") from None
    except RecursionError:
        raise CLTError(f"{path}:{lineno}: JSON nested too deeply to read") from None
    except ValueError as e:  # an integer literal longer than Python converts
        raise CLTError(f"{path}:{lineno}: invalid JSON ({value_error_at(line, e, lines=False)})") from None


def read_json(path: str | os.PathLike, what: str = "JSON file", expect: type | None = None) -> Any:
    """A JSON file; errors name the file and where it broke. `expect=dict` also checks the shape."""
    path = Path(path)
    doc = parse_json(read_text(path, what), str(path), what)
    if expect is not None and not isinstance(doc, expect):
        raise CLTError(
            f"{path}: expected a JSON {_KIND.get(expect, expect.__name__)} at the top of the {what} "
            f"(got {kind_of(doc)})"
        )
    return doc


def read_yaml(path: str | os.PathLike, what: str = "YAML file", expect: type | None = None) -> Any:
    """A YAML file (safe loader); errors name the file, the line and the problem."""
    import yaml

    path = Path(path)
    text = read_text(path, what)
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        at = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(e, "problem", None) or str(e).splitlines()[0]
        raise CLTError(f"{path}: invalid YAML{at}: {problem}") from None
    except RecursionError:
        raise CLTError(f"{path}: {what} is nested too deeply to read") from None
    except ValueError as e:  # an integer longer than Python converts
        raise CLTError(f"{path}: invalid YAML ({value_error_at(text, e)})") from None
    if expect is not None and not isinstance(doc, expect):
        raise CLTError(
            f"{path}: expected a {_KIND.get(expect, expect.__name__)} at the top of the {what} (got {kind_of(doc)})"
        )
    return doc


_KIND = {dict: "object", list: "array", str: "string", int: "integer", float: "number", bool: "boolean"}


def kind_of(value: Any) -> str:
    """'object', 'array', 'string', ... : how a message names the JSON type it got."""
    if value is None:
        return "null"
    return _KIND.get(type(value), type(value).__name__)


def get_field(
    doc: Any, key: str, expect: type | tuple[type, ...], where: str, *, required: bool = True, default: Any = None
) -> Any:
    """doc[key] checked against `expect`; a wrong shape names `where`, the field and the value."""
    if not isinstance(doc, dict):
        raise CLTError(f"{where}: expected an object (got {kind_of(doc)})")
    if key not in doc or doc[key] is None:
        if required:
            raise CLTError(f"{where}: field {key!r} missing")
        return default
    value = doc[key]
    types = expect if isinstance(expect, tuple) else (expect,)
    if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
        want = " or ".join(_KIND.get(t, t.__name__) for t in types)
        shown = repr(value) if not isinstance(value, (dict, list)) else kind_of(value)
        raise CLTError(f"{where}: field {key!r} must be a {want} (got {shown[:80]})")
    return value


def iter_jsonl(path: str | os.PathLike) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, object) for each non-blank line; errors name the file and the line."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                row = loads_line(line, path, lineno)
                if not isinstance(row, dict):
                    raise CLTError(f"{path}:{lineno}: expected a JSON object per line (got {kind_of(row)})")
                yield lineno, row
    except (OSError, UnicodeDecodeError) as e:
        raise _read_error(path, "file", e) from None


def read_jsonl(path: str | os.PathLike) -> list[dict[str, Any]]:
    """Every object of a JSONL file (see iter_jsonl for the errors)."""
    return [row for _, row in iter_jsonl(path)]
