"""`clt leaderboard`: collecting submissions, one row per model, stale flags, and safe output."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from leaderboard_fixtures import EVIL, PAPER, mgsm, write_example_submission, write_task_dir, xlsum

from clt_plugin.cli import main
from clt_plugin.errors import CLTError
from clt_plugin.leaderboard.board import build_board, collect
from clt_plugin.leaderboard.installed import installed_tasks, normalize_version
from clt_plugin.leaderboard.render import (
    csv_cell,
    json_for_script,
    md_escape,
    to_csv,
    to_html,
    to_markdown,
)
from clt_plugin.outputs import MARKER
from clt_plugin.textsafe import visible


@pytest.fixture
def world(tmp_path):
    tasks = write_task_dir(tmp_path / "tasks", {"mgsm": PAPER, "xlsum": PAPER})
    subs = tmp_path / "subs"
    work = tmp_path / "work"

    def add(name: str, model_id: str, scores, **kw) -> Path:
        return write_example_submission(subs / f"{name}.json", work, tasks, model_id, scores, **kw)

    return tmp_path, tasks, subs, add


def test_one_row_per_model_latest_or_best(world):
    tmp, tasks, subs, add = world
    add("a-old", "org/a", {**mgsm(0.25), **xlsum(0.5)}, created_at="2026-01-01T00:00:00Z")
    add("a-new", "org/a", {**mgsm(0.0), **xlsum(0.5)}, created_at="2026-02-01T00:00:00Z")
    add("b", "org/b", {**mgsm(0.125), **xlsum(0.25)})
    add("c", "org/c", mgsm(0.5))  # no xlsum: no overall score, ranked last
    files = collect(subs)
    assert [f.name for f in files] == ["a-new.json", "a-old.json", "b.json", "c.json"]
    installed = installed_tasks(tasks)

    latest = build_board(files, installed, pick="latest")
    assert [(r.rank, r.submission.model.id, r.file.name, r.submissions) for r in latest.rows] == [
        (1, "org/a", "a-new.json", 2),
        (2, "org/b", "b.json", 1),
        (3, "org/c", "c.json", 1),
    ]
    # mgsm all = base + 7/32; overall = mean(mgsm all, xlsum all) on 0..1 scales.
    assert [r.overall for r in latest.rows] == [(7 / 32 + 0.5) / 2, (0.125 + 7 / 32 + 0.25) / 2, None]
    a = latest.rows[0].families["mgsm"]
    assert (a.aggregates.english, a.aggregates.seen, a.aggregates.unseen) == (0.0, 2.5 / 16, 6 / 16)
    assert latest.metrics == {"mgsm": "acc", "xlsum": "rougeL"}
    assert latest.languages["mgsm"] == PAPER

    best = build_board(files, installed, pick="best")
    assert [(r.submission.model.id, r.file.name) for r in best.rows] == [
        ("org/a", "a-old.json"),
        ("org/b", "b.json"),
        ("org/c", "c.json"),
    ]
    with pytest.raises(CLTError, match="--pick 'worst': choose one of latest, best"):
        build_board(files, installed, pick="worst")


def test_stale_task_versions_are_flagged(world):
    tmp, tasks, subs, add = world
    add("a", "org/a", {**mgsm(0.0), **xlsum(0.5)})
    # The installed tasks move on to version 2 for mgsm, and xlsum is withdrawn.
    new_tasks = write_task_dir(tmp / "tasks-v2", {"mgsm": PAPER}, version=2)
    board = build_board(collect(subs), installed_tasks(new_tasks))
    row = board.rows[0]
    assert [(s.task, s.submitted, s.installed) for s in row.stale][:2] == [
        ("clt_mgsm_ar", "1", "2"),
        ("clt_mgsm_en", "1", "2"),
    ]
    assert ("clt_xlsum_pt", "1", None) in [(s.task, s.submitted, s.installed) for s in row.stale]
    assert len(row.stale) == 16
    md = to_markdown(board)
    # "_" inside a word stays as it is (GFM reads no emphasis there): clt_mgsm_ar, not clt\\_mgsm\\_ar.
    assert "Stale: org/a: clt_mgsm_ar: submitted v1, installed v2;" in md
    assert "clt_xlsum_pt: submitted v1, not installed" in md
    assert "Rows marked stale" in md
    rows = list(csv.DictReader(io.StringIO(to_csv(board))))
    assert rows[0]["stale_tasks"].startswith("clt_mgsm_ar: submitted v1, installed v2; ")
    assert 'class="stale" title="clt_mgsm_ar: submitted v1, installed v2;' in to_html(board)
    assert build_board(collect(subs), installed_tasks(tasks)).rows[0].stale == ()


def test_versions_compare_by_value():
    assert normalize_version(1) == normalize_version(1.0) == normalize_version("1.0") == normalize_version(" 1 ")
    assert normalize_version("v2") != normalize_version(2)
    assert normalize_version(None) is None


def test_outputs_are_complete_deterministic_and_escaped(world):
    tmp, tasks, subs, add = world
    add("evil", EVIL, {**mgsm(0.0), **xlsum(0.5)}, base_model="=cmd|' /C calc'!A0", revision="a|b*c_")
    add("plain", "org/plain", {**mgsm(0.25), **xlsum(0.5)})
    out = tmp / "board"
    rc = main(["leaderboard", str(subs), "-o", str(out), "--tasks-dir", str(tasks)])
    assert rc == 0
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == [MARKER, "index.html", "leaderboard.csv", "leaderboard.md", "tasks/mgsm.csv", "tasks/xlsum.csv"]
    first = {n: (out / n).read_bytes() for n in names}
    assert main(["leaderboard", str(subs), "-o", str(out), "--tasks-dir", str(tasks)]) == 0
    assert {n: (out / n).read_bytes() for n in names} == first  # rewriting its own folder: same bytes

    page = first["index.html"].decode()
    assert EVIL not in page
    assert "&lt;script&gt;document.title=&#34;pwned&#34;;window.__pwned=1&lt;/script&gt;" in page
    assert page.count("<script") == 2  # the JSON data block and the page's own script
    data_block = re.search(r'<script type="application/json" id="clt-board-data">(.*?)</script>', page, re.S).group(1)
    assert "<" not in data_block and ">" not in data_block
    assert json.loads(data_block)["rows"][1]["model"]["id"] == EVIL
    assert "Content-Security-Policy" in page and "script-src &#39;sha256-" in page

    md = first["leaderboard.md"].decode()
    assert "&lt;script&gt;" in md and "<script" not in md
    assert "| a\\|b\\*c\\_ |" in md  # the revision cannot break the table
    overview = list(csv.reader(io.StringIO(first["leaderboard.csv"].decode())))
    assert overview[0][:6] == ["rank", "model", "revision", "base_model", "mixture", "seen_languages"]
    assert overview[2][1] == EVIL and overview[2][3] == "'=cmd|' /C calc'!A0"
    fam = list(csv.reader(io.StringIO(first["tasks/mgsm.csv"].decode())))
    assert fam[0] == ["rank", "model", "seen", "english", "seen_avg", "unseen_avg", "gap", "all", "fidelity", *PAPER]
    assert fam[1][:9] == ["1", "org/plain", "es fr ja zh", "0.25", "0.40625", "0.625", "-0.21875", "0.46875", "1.0"]


def test_output_folder_guards(world, capsys):
    tmp, tasks, subs, add = world
    add("a", "org/a", mgsm(0.0))
    base = ["--tasks-dir", str(tasks)]
    foreign = tmp / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    assert main(["leaderboard", str(subs), "-o", str(foreign), *base]) == 2
    assert "was not written by `clt leaderboard`" in capsys.readouterr().err
    assert (foreign / "keep.txt").read_text() == "mine"
    for target in (subs, tmp):
        assert main(["leaderboard", str(subs), "-o", str(target), *base]) == 2
        assert "would replace the submissions folder" in capsys.readouterr().err
    assert (subs / "a.json").is_file()


def test_bad_submission_files_are_all_named_and_nothing_written(world, capsys):
    tmp, tasks, subs, add = world
    add("good", "org/a", mgsm(0.0))
    (subs / "broken.json").write_text("{")
    doc = json.loads((subs / "good.json").read_text())
    doc["tasks"]["clt_mgsm_es"]["family"] = "../../../tmp/evil"
    (subs / "traversal.json").write_text(json.dumps(doc))
    (subs / "notes.txt").write_text("not a submission")  # ignored: not *.json
    out = tmp / "board"
    assert main(["leaderboard", str(subs), "-o", str(out), "--tasks-dir", str(tasks)]) == 2
    err = capsys.readouterr().err
    assert f"{subs / 'broken.json'}: corrupt submission (line 1, column 2" in err
    assert f"{subs / 'traversal.json'}: submission.tasks.clt_mgsm_es.family: task family '../../../tmp/evil'" in err
    assert not out.exists()


def test_links_out_of_the_submissions_folder_are_refused(world, capsys):
    tmp, tasks, subs, add = world
    add("good", "org/a", mgsm(0.0))
    outside = tmp / "outside.json"
    outside.write_text((subs / "good.json").read_text())
    os.symlink(outside, subs / "link.json")
    os.symlink(subs / "good.json", subs / "inside-link.json")
    with pytest.raises(CLTError, match=r"link\.json: links outside .*; refusing to read it"):
        collect(subs)
    (subs / "link.json").unlink()
    assert [f.name for f in collect(subs)] == ["good.json", "inside-link.json"]


def test_empty_and_missing_folders(tmp_path):
    with pytest.raises(CLTError, match="submissions folder not found"):
        collect(tmp_path / "nope")
    (tmp_path / "empty").mkdir()
    with pytest.raises(CLTError, match=r"empty: no \*\.json submissions found"):
        collect(tmp_path / "empty")


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_escapers_never_let_markup_through(text):
    embedded = json_for_script({"name": text})
    assert "<" not in embedded and ">" not in embedded and "\u2028" not in embedded
    assert json.loads(embedded) == {"name": text}
    md = md_escape(text)
    assert "<" not in md and ">" not in md
    assert re.search(r"(?<!\\)\|", md) is None
    assert csv_cell(text)[:1] not in ("=", "+", "-", "@", "\t", "\r")
    # Control and bidi characters are shown as <U+XXXX> in CSV as everywhere (issue 21).
    assert csv_cell(text).removeprefix("'") == visible(text) or csv_cell(text) == visible(text)


def test_judged_family_shows_its_judge(tmp_path):
    tasks = write_task_dir(tmp_path / "tasks", {"dolly": PAPER})
    ratings = {f"clt_dolly_{l}": {"judge_rating": 1.0 + i / 2, "lpr": 1.0} for i, l in enumerate(PAPER)}
    write_example_submission(
        tmp_path / "subs" / "a.json", tmp_path / "work", tasks, "org/a", ratings, judge_model="=judge<b>"
    )
    board = build_board(collect(tmp_path / "subs"), installed_tasks(tasks))
    assert board.metrics == {"dolly": "judge_rating"}
    row = board.rows[0]
    assert row.families["dolly"].aggregates.all == 2.75
    assert row.overall == (2.75 - 1) / 4  # ratings scaled from 1..5 to 0..1
    md = to_markdown(board)
    assert "| Fidelity | en | es | fr | ja | zh | ar | ko | pt | Judge |" in md
    assert md.rstrip().endswith("| 4.500 | =judge&lt;b&gt; |")
    fam = list(csv.reader(io.StringIO(to_csv(board))))
    assert fam[1][6] == "2.75"
    from clt_plugin.leaderboard.render import family_csv

    rows = list(csv.reader(io.StringIO(family_csv(board, "dolly"))))
    assert rows[0][-1] == "judge_model" and rows[1][-1] == "'=judge<b>"
    assert "=judge&lt;b&gt;</td>" in to_html(board)
