"""Stream the objects of a top-level JSON array without holding the file in memory.

mCoT-MATH ships as one 11.6 GB JSON array; `json.load` would need several times that in RAM.
This reader decodes one element at a time from a sliding text buffer.
"""

from __future__ import annotations

import json
from typing import IO, Iterator

from clt_plugin.errors import CLTError
from clt_plugin.io import value_error_at

_READ = 1 << 20
_MAX_ELEMENT = 256 << 20  # one array element larger than this is treated as a broken file
_WS = " \t\r\n"


def iter_json_array(f: IO[str], path: str) -> Iterator[tuple[int, object]]:
    """Yield (line number, element) for each element of the JSON array in text file `f`."""
    decoder = json.JSONDecoder()
    buf = ""
    pos = 0
    line = 1  # line number of buf[pos]
    eof = False

    def fill() -> bool:
        nonlocal buf, pos, eof
        if eof:
            return False
        chunk = f.read(_READ)
        if not chunk:
            eof = True
            return False
        buf = buf[pos:] + chunk
        pos = 0
        return True

    def skip_ws() -> None:
        nonlocal pos, line
        while True:
            while pos < len(buf) and buf[pos] in _WS:
                if buf[pos] == "\n":
                    line += 1
                pos += 1
            if pos < len(buf) or not fill():
                return

    skip_ws()
    if pos >= len(buf) or buf[pos] != "[":
        raise CLTError(f"{path}:{line}: expected a JSON array of objects")
    pos += 1
    skip_ws()
    if pos < len(buf) and buf[pos] == "]":
        return
    while True:
        skip_ws()
        start_line = line
        while True:
            try:
                obj, end = decoder.raw_decode(buf, pos)
                break
            except json.JSONDecodeError as e:
                if len(buf) - pos > _MAX_ELEMENT or not fill():
                    raise CLTError(
                        f"{path}:{start_line + buf.count(chr(10), pos, e.pos)}: malformed JSON ({e.msg})"
                    ) from None
            except RecursionError:
                raise CLTError(f"{path}:{start_line}: JSON nested too deeply to read") from None
            except ValueError as e:  # an integer longer than Python converts; lines counted from here
                raise CLTError(
                    f"{path}:{start_line}: malformed JSON element ({value_error_at(buf[pos:], e, lines=False)})"
                ) from None
        line += buf.count("\n", pos, end)
        pos = end
        yield start_line, obj
        skip_ws()
        if pos >= len(buf):
            raise CLTError(f"{path}:{line}: unexpected end of file inside the JSON array")
        ch = buf[pos]
        pos += 1
        if ch == "]":
            return
        if ch != ",":
            raise CLTError(f"{path}:{line}: malformed JSON (expected ',' or ']' between array elements, got {ch!r})")
