"""Property: every text output escapes every user-controlled string (clt_plugin.textsafe), and
the leaderboard's Markdown, CSV and HTML use it for model ids, versions and the rest."""

from __future__ import annotations

import csv
import io
import json
import re

from hypothesis import given, settings
from hypothesis import strategies as st
from reliability_inputs import build_workspace
from test_reliability_cli import run_clt

from clt_plugin.tasks.generate import VERSION
from clt_plugin.textsafe import BIDI_CONTROLS, UNSAFE, csv_cell, html_text, md_cell, visible

# Text users can put in ids, names and versions, rich in what breaks layouts.
NASTY = st.text(
    alphabet=st.sampled_from(
        list("ab|*_`[]~\\<>&\"'=+-@ #\n\r\t") + sorted(BIDI_CONTROLS) + ["\u2028", "\u2029", "\x00", "\x85", "é", "日"]
    ),
    max_size=30,
)

_UNESCAPED_PIPE = re.compile(r"(?<!\\)\|")


@settings(max_examples=300)
@given(NASTY)
def test_markdown_cells_cannot_break_rows_blocks_or_direction(text):
    cell = md_cell(text)
    assert not any(c in cell for c in "\n\r\u2028\u2029\x85") and not (set(cell) & BIDI_CONTROLS)
    assert not _UNESCAPED_PIPE.search(cell.replace("\\\\", ""))
    assert "<" not in cell and ">" not in cell  # no raw HTML
    plain = cell.replace("\\\\", "")
    assert not re.search(r"(?<!\\)[*`\[\]~]", plain)
    # An unescaped "_" only between two ASCII letters or digits, where GFM never reads emphasis.
    assert not re.search(r"(?<![0-9A-Za-z\\])_|(?<!\\)_(?![0-9A-Za-z])", plain)


def test_markdown_keeps_an_underscore_inside_a_word():
    # clt_mgsm reads as it is in a terminal; an "_" that could open or close emphasis is escaped.
    assert md_cell("clt_mgsm --log_samples") == "clt_mgsm --log_samples"
    assert md_cell("_a_ a__b a_*b* 日_b") == "\\_a\\_ a\\_\\_b a\\_\\*b\\* 日\\_b"


@settings(max_examples=300)
@given(NASTY)
def test_html_text_has_no_markup_and_no_bidi_controls(text):
    out = html_text(text)
    assert not (set("<>\"'") & set(out)) and not (set(out) & BIDI_CONTROLS)
    assert "&" not in out.replace("&amp;", "").replace("&lt;", "").replace("&gt;", "").replace("&quot;", "").replace(
        "&#x27;", ""
    )


@settings(max_examples=300)
@given(NASTY)
def test_csv_cells_round_trip_and_never_start_a_formula(text):
    buf = io.StringIO()
    csv.writer(buf).writerow([csv_cell(text), "x"])
    (back,) = list(csv.reader(io.StringIO(buf.getvalue())))
    assert back == [csv_cell(text), "x"]  # quoting keeps the row whole, whatever the text
    assert back[0].removeprefix("'") == visible(text) or back[0] == visible(text)  # shown as it reads
    assert not set(back[0]) & UNSAFE  # no bidi override or control character reaches a spreadsheet
    assert back[0].lstrip(" ")[:1] not in ("=", "+", "-", "@", "\t", "\r", "\n")


@given(st.text(max_size=20))
def test_visible_keeps_ordinary_text_and_tells_apart_what_it_escapes(text):
    shown = visible(text)
    if not any(ord(c) < 32 or 0x7F <= ord(c) < 0xA0 or c in BIDI_CONTROLS or c in "\u2028\u2029" for c in text):
        assert shown == text
    assert visible("org/\u202emodel") != visible("org/model")


def test_leaderboard_markdown_keeps_one_row_per_model_whatever_the_ids_and_versions(tmp_path):
    root = tmp_path / "w"
    build_workspace(root)
    doc = json.loads((root / "subs" / "a.json").read_text(encoding="utf-8"))
    evil = dict(doc)
    evil["model"] = {**doc["model"], "id": "org/\u202eledom|x*y_", "revision": "r|1"}
    evil["tasks"] = {t: {**v, "version": "1\n\n## injected heading | cell"} for t, v in doc["tasks"].items()}
    (root / "subs" / "b.json").write_text(json.dumps(evil), encoding="utf-8")
    rc, err = run_clt(root, ["leaderboard", "subs", "-o", "board"])
    assert rc == 0, err
    md = (root / "board" / "leaderboard.md").read_text(encoding="utf-8")
    assert "\u202e" not in md
    assert not re.search(r"^## injected", md, re.M)  # the newline did not start a new block
    stale = next(line for line in md.splitlines() if line.startswith("Stale: org/&lt;U+202E&gt;"))
    assert f"submitted v1&lt;U+000A&gt;&lt;U+000A&gt;## injected heading \\| cell, installed v{VERSION}" in stale
    tables = [line for line in md.splitlines() if line.startswith("|")]
    widths = {len(_UNESCAPED_PIPE.findall(line.replace("\\\\", ""))) for line in tables}
    assert len(widths) <= 2  # the overview and the family table; no row split or merged
    overview = [line for line in tables if "org/" in line]
    assert any("org/<U+202E>ledom\\|x\\*y\\_" in line.replace("&lt;", "<").replace("&gt;", ">") for line in overview)
    page = (root / "board" / "index.html").read_text(encoding="utf-8")
    assert "\u202e" not in page.split('<script type="application/json"')[0]
    rows = list(csv.reader(io.StringIO((root / "board" / "leaderboard.csv").read_text(encoding="utf-8"))))
    assert len(rows) == 3  # header + two models: the version's newlines stayed inside their cell
