"""Escaping user-controlled text (run names, model ids, task versions, notes) for each text format.

One rule for every format: characters that change how *other* text is laid out never reach the
output raw. Bidirectional controls (U+202E can make `evil/model` display as another name),
line breaks (a newline ends a Markdown table row or starts a new block) and other control
characters are shown as a visible `<U+XXXX>` instead, so two ids that differ only by them still
look different. Then each format escapes its own markup.
"""

from __future__ import annotations

import html
import re

# Unicode bidirectional formatting characters (UAX #9): embeddings, overrides, isolates, marks.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# C0 and C1 controls (tab, newline, carriage return included), DEL, and the Unicode line and
# paragraph separators, which some renderers treat as line breaks.
_CONTROLS = "".join(chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))) + "\u2028\u2029"
_UNSAFE = re.compile("[" + re.escape(_CONTROLS + "".join(sorted(BIDI_CONTROLS))) + "]")
_MD_SPECIAL = re.compile(r"([\\`*_\[\]|~])")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def visible(text: object) -> str:
    """`text` with every layout-changing character shown as `<U+XXXX>`; other text unchanged."""
    return _UNSAFE.sub(lambda m: f"<U+{ord(m.group()):04X}>", str(text))


def md_cell(text: object) -> str:
    """Plain text for Markdown (a table cell or a line): no markup, no raw HTML, no row or block
    break, no bidi reordering."""
    # Entities for < > & (no raw HTML), then a backslash before each inline-markup character.
    return _MD_SPECIAL.sub(r"\\\1", html.escape(visible(text), quote=False))


def html_text(text: object) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape(visible(text), quote=True)


def csv_cell(text: object) -> str:
    """A CSV field that no spreadsheet evaluates: a leading = + - @ (after any spaces) or a
    leading control character gets a `'` in front. The csv module does the quoting."""
    text = str(text)
    if text.lstrip(" ")[:1] in _FORMULA_START:
        return "'" + text
    return text
