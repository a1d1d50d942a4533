"""Escaping user-controlled text (run names, model ids, task versions, notes) for each text format.

One rule for every format: characters that change how *other* text is laid out never reach the
output raw. Bidirectional controls (U+202E can make `evil/model` display as another name),
line breaks (a newline ends a Markdown table row or starts a new block) and other control
characters are shown as a visible `<U+XXXX>` instead, so two ids that differ only by them still
look different. Then each format escapes its own markup.

Every writer calls the one function of its format; none escapes on its own:

| format | function |
|---|---|
| terminal lines and plain-text tables | `terminal_text` |
| Markdown (github tables, lists, headings) | `md_cell` |
| HTML content and quoted attributes | `html_text` (or jinja2 autoescape with `visible` as finalize) |
| CSV fields | `csv_cell` |
| LaTeX (tabular cells and `%` comment lines) | `latex_text` |
| figure text (matplotlib: PNG and SVG) | `figure_text` |
| JSON documents | `json_text` |
"""

from __future__ import annotations

import html
import json
import re

# Unicode bidirectional formatting characters (UAX #9): embeddings, overrides, isolates, marks.
BIDI_CONTROLS = frozenset("\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
# C0 and C1 controls (tab, newline, carriage return included), DEL, and the Unicode line and
# paragraph separators, which some renderers treat as line breaks.
_CONTROLS = "".join(chr(c) for c in (*range(0x00, 0x20), *range(0x7F, 0xA0))) + "\u2028\u2029"
UNSAFE = frozenset(_CONTROLS) | BIDI_CONTROLS
_UNSAFE = re.compile("[" + re.escape(_CONTROLS + "".join(sorted(BIDI_CONTROLS))) + "]")
# Inline Markdown markup. An "_" between two ASCII letters or digits stays as it is: GFM's
# flanking rules never let it open or close emphasis there, and `clt_mgsm` reads better than
# `clt\_mgsm` in a terminal.
_MD_SPECIAL = re.compile(r"([\\`*\[\]|~]|(?<![0-9A-Za-z])_|_(?![0-9A-Za-z]))")
_FORMULA_START = ("=", "+", "-", "@")
_LATEX_SPECIAL = {
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
    "<": r"\textless{}",
    ">": r"\textgreater{}",
}
_LATEX_RE = re.compile("|".join(re.escape(c) for c in _LATEX_SPECIAL))


def visible(text: object) -> str:
    """`text` with every layout-changing character shown as `<U+XXXX>`; other text unchanged."""
    return _UNSAFE.sub(lambda m: f"<U+{ord(m.group()):04X}>", str(text))


def terminal_text(text: object) -> str:
    """One line for a terminal or a plain-text table: no escape sequence (ESC is a control
    character), no line break, no bidi reordering."""
    return visible(text)


def md_cell(text: object) -> str:
    """Plain text for Markdown (a table cell or a line): no markup, no raw HTML, no row or block
    break, no bidi reordering."""
    # Entities for < > & (no raw HTML), then a backslash before each inline-markup character.
    return _MD_SPECIAL.sub(r"\\\1", html.escape(visible(text), quote=False))


def html_text(text: object) -> str:
    """Text for HTML content or a quoted attribute."""
    return html.escape(visible(text), quote=True)


def csv_cell(text: object) -> str:
    """A CSV field shown as it reads (layout-changing characters visible) that no spreadsheet
    evaluates: a leading = + - @ (after any spaces) gets a `'` in front, and so does a leading `'`,
    so that the guard can always be told from the text. The csv module quotes."""
    text = visible(text)
    if text.lstrip(" ")[:1] in _FORMULA_START + ("'",):
        return "'" + text
    return text


def latex_text(text: object) -> str:
    """Text for a LaTeX tabular cell or a `%` comment line: specials escaped, no line break
    (which would end a comment and run the rest as LaTeX)."""
    return _LATEX_RE.sub(lambda m: _LATEX_SPECIAL[m.group()], visible(text))


def figure_text(text: object) -> str:
    """Text for a matplotlib label, tick or title: shown literally. matplotlib reads a pair of
    `$` as mathtext (and fails on a malformed one), so every `$` is escaped; the SVG writer
    escapes XML itself."""
    return visible(text).replace("$", r"\$")


def json_text(obj: object, **kwargs) -> str:
    """`json.dumps(obj, ensure_ascii=False, **kwargs)` with the characters above written as
    `\\uXXXX` escapes: the same data for a parser, nothing that reorders a terminal or an editor."""
    text = json.dumps(obj, ensure_ascii=False, **kwargs)
    # json.dumps escapes C0 controls itself; anything left is inside a string, where an escape is valid.
    return _UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)


def html_environment(loader):
    """A jinja2 environment for a page of user text: autoescaping on, and every value that is
    not already Markup shown through `visible` first, so `{{ x }}` is `html_text(x)`."""
    import jinja2
    from markupsafe import Markup

    return jinja2.Environment(
        loader=loader,
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=lambda v: v if isinstance(v, Markup) else visible(v),
    )
