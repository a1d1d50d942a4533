"""`clt mix` end to end through the real console entry point: output, and every bad input
(message names file/field/value, exit code 2, nothing written)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from clt_plugin.cli import main

SPEC = """seed: 5
tasks:
  math:
    source: {{format: jsonl, path: "m_{{lang}}.jsonl", fields: {{id: id, prompt: question, response: answer}}}}
    english: {english}
    per_language: {per}
    languages: {langs}
"""


@pytest.fixture
def work(tmp_path) -> Path:
    for lang in ("en", "es", "fr"):
        with open(tmp_path / f"m_{lang}.jsonl", "w", encoding="utf-8") as f:
            for i in range(10):
                f.write(json.dumps({"id": f"q{i}", "question": f"{lang} q{i}", "answer": f"{lang} a{i}"}) + "\n")
    return tmp_path


def write_spec(d: Path, english="4", per="3", langs="[es, fr]", text=None) -> Path:
    p = d / "spec.yaml"
    p.write_text(text if text is not None else SPEC.format(english=english, per=per, langs=langs), encoding="utf-8")
    return p


def mix(*args, capsys) -> tuple[int, str, str]:
    rc = main(["mix", *map(str, args), "--no-cache"])
    out, err = capsys.readouterr()
    return rc, out, err


def test_mix_writes_train_and_manifest_and_prints_the_table(work, capsys):
    rc, out, _ = mix(write_spec(work), "-o", work / "out", capsys=capsys)
    assert rc == 0
    assert out.splitlines()[:3] == [
        "| task   |   en |   es |   fr |   rows |",
        "|--------|------|------|------|--------|",
        "| math   |    4 |    3 |    3 |     10 |",
    ]
    assert sorted(p.name for p in (work / "out").iterdir()) == [".clt-output.json", "manifest.json", "train.jsonl"]
    marker = json.loads((work / "out" / ".clt-output.json").read_text())
    assert (marker["signature"], marker["command"], marker["files"]) == (
        "clt-output/1",
        "clt mix",
        ["manifest.json", "train.jsonl"],
    )
    assert len((work / "out" / "train.jsonl").read_text().splitlines()) == 10


def test_the_summary_line_names_every_file_written_with_its_rows(work, capsys):
    out_dir = work / "out"
    rc, out, _ = mix(write_spec(work), "-o", out_dir, capsys=capsys)
    assert (
        rc == 0 and out.splitlines()[-1] == f"wrote {out_dir / 'train.jsonl'} (10 rows) and {out_dir / 'manifest.json'}"
    )
    held = SPEC.format(english=4, per=3, langs="[es, fr]") + "    validation: 2\n"
    rc, out, _ = mix(write_spec(work, text=held), "-o", out_dir, capsys=capsys)
    assert rc == 0 and out.splitlines()[-1] == (
        f"wrote {out_dir / 'train.jsonl'} (10 rows), {out_dir / 'validation.jsonl'} (6 rows held out for "
        f"validation) and {out_dir / 'manifest.json'}"
    )
    assert len((out_dir / "validation.jsonl").read_text(encoding="utf-8").splitlines()) == 6


def test_console_script_on_the_shipped_example_spec(tmp_path):
    clt = Path(sys.executable).with_name("clt")
    env = dict(os.environ, CLT_CACHE_DIR=str(tmp_path / "cache"))
    res = subprocess.run([str(clt), "mix", "-o", str(tmp_path / "demo")], capture_output=True, text=True, env=env)
    assert res.returncode == 0, res.stderr
    assert "| math      |   16 |    8 |    8 |    8 |    8 |     48 |" in res.stdout
    assert "| summarize |   16 |    8 |    8 |    8 |    8 |     48 |" in res.stdout
    manifest = json.loads((tmp_path / "demo" / "manifest.json").read_text())
    assert manifest["total_rows"] == 96 and manifest["language_check"]["mode"] == "report"


def test_grid_writes_a_directory_per_point(work, capsys):
    rc, out, _ = mix(write_spec(work, english="2"), "-o", work / "g", "--grid", "paper-single", capsys=capsys)
    assert rc == 2 and "grid paper-single, point k5000: clt_mixture.tasks.math.source: es: asked for 5000 rows" in _
    assert not (work / "g").exists()
    spec = write_spec(work, text=SPEC.format(english=2, per=1, langs="[es, fr]") + "on_shortage: cap\n")
    rc, out, _ = mix(spec, "-o", work / "g", "--grid", "paper-single", capsys=capsys)
    assert rc == 0 and "wrote 8 mixtures" in out
    assert sorted(p.name for p in (work / "g").iterdir())[:4] == [".clt-output.json", "grid.json", "k0000", "k0100"]


BAD = [
    (
        "unknown language",
        dict(langs="[es, xx]"),
        r"spec.yaml: clt_mixture.tasks.math.languages\[1\]: unknown language 'xx' \(known: en, es",
    ),
    (
        "negative count",
        dict(per="-3"),
        r"clt_mixture.tasks.math.per_language: must be a non-negative integer .*\(got -3\)",
    ),
    (
        "non-integer count",
        dict(english="2.5"),
        r"clt_mixture.tasks.math.english: expected a count >= 0, got 2.5",
    ),
    (
        "count as text",
        dict(per="{es: lots}"),
        r"clt_mixture.tasks.math.per_language: es: expected a count >= 0, got 'lots'",
    ),
    ("more rows than the source has", dict(per="11"), r"es: asked for 11 rows but m_es.jsonl has only 10"),
    ("missing file", dict(langs="[es, ja]"), r"clt_mixture.tasks.math.source: m_ja.jsonl: file not found"),
]


@pytest.mark.parametrize("name,kw,pattern", BAD, ids=[b[0] for b in BAD])
def test_bad_spec_values(work, capsys, name, kw, pattern):
    rc, out, err = mix(write_spec(work, **kw), "-o", work / "out", capsys=capsys)
    assert rc == 2 and err.startswith("clt mix: error: ")
    assert __import__("re").search(pattern, err), err
    assert not (work / "out").exists()


def test_unknown_task_kind_and_unknown_field(work, capsys):
    text = SPEC.format(english=1, per=1, langs="[es]").replace("format: jsonl", "dataset: wiki, format: jsonl")
    rc, _, err = mix(write_spec(work, text=text), "-o", work / "out", capsys=capsys)
    assert (
        rc == 2
        and "clt_mixture.tasks.math.source.dataset: Input should be 'generic', 'xlsum', 'mcot_math', 'chat'" in err
    )
    assert err.rstrip().endswith("(got 'wiki')")
    text = SPEC.format(english=1, per=1, langs="[es]").replace("english:", "englsh:")
    rc, _, err = mix(write_spec(work, text=text), "-o", work / "out", capsys=capsys)
    assert rc == 2 and "clt_mixture.tasks.math.englsh: unknown field 'englsh'" in err
    text = SPEC.format(english=1, per=1, langs="[es]").replace("tasks:\n  math:", "tasks:\n  2math:")
    rc, _, err = mix(write_spec(work, text=text), "-o", work / "out", capsys=capsys)
    assert rc == 2 and "task name '2math' must start with a letter" in err
    assert not (work / "out").exists()


def test_malformed_line_names_file_and_line(work, capsys):
    with open(work / "m_fr.jsonl", "a") as f:
        f.write('{"id": "q10", "question": "x"\n')
    rc, _, err = mix(write_spec(work), "-o", work / "out", capsys=capsys)
    assert rc == 2 and "m_fr.jsonl:11: malformed JSON line" in err
    assert not (work / "out").exists()


def test_missing_field_lists_the_columns_found(work, capsys):
    (work / "m_es.jsonl").write_text('{"id": "q0", "question": "q", "reply": "r"}\n')
    rc, _, err = mix(write_spec(work, per="1"), "-o", work / "out", capsys=capsys)
    assert rc == 2
    assert (
        "m_es.jsonl: missing field 'answer' (fields.response) for dataset 'generic'; columns found: id, question, reply"
        in err
    )


def test_missing_field_in_a_later_row_names_the_line(work, capsys):
    with open(work / "m_es.jsonl", "a") as f:
        f.write('{"question": "q", "answer": "a"}\n')
    rc, _, err = mix(write_spec(work, per="1"), "-o", work / "out", capsys=capsys)
    assert rc == 2 and "m_es.jsonl:11: missing field 'id' (columns found: question, answer)" in err


def test_unreadable_files(work, capsys):
    (work / "m_es.jsonl").write_bytes(b'{"id": "q0", "question": "\xff\xfe", "answer": "a"}\n')
    rc, _, err = mix(write_spec(work), "-o", work / "out", capsys=capsys)
    assert rc == 2 and "m_es.jsonl: not UTF-8 text (invalid start byte at byte" in err
    (work / "m_es.jsonl").unlink()
    (work / "m_es.jsonl").mkdir()
    rc, _, err = mix(write_spec(work), "-o", work / "out", capsys=capsys)
    assert rc == 2 and "clt_mixture.tasks.math.source: m_es.jsonl: not a file" in err
    assert not (work / "out").exists()


def test_missing_and_malformed_spec(work, capsys):
    rc, _, err = mix(work / "nope.yaml", "-o", work / "out", capsys=capsys)
    assert rc == 2 and "nope.yaml: mixture spec not found" in err
    rc, _, err = mix(write_spec(work, text="seed: [1\n"), "-o", work / "out", capsys=capsys)
    assert rc == 2 and "spec.yaml: malformed YAML (line 2, column 1)" in err


def test_unwritable_output_dir(work, capsys):
    (work / "file").write_text("x")
    rc, _, err = mix(write_spec(work), "-o", work / "file" / "out", capsys=capsys)
    assert rc == 2 and "cannot" in err and str(work / "file") in err
    (work / "mine").mkdir()
    (work / "mine" / "notes.txt").write_text("keep me")
    rc, _, err = mix(write_spec(work), "-o", work / "mine", capsys=capsys)
    assert rc == 2 and "mine: folder was not written by `clt mix` (it holds notes.txt); it is left untouched" in err
    assert (work / "mine" / "notes.txt").read_text() == "keep me"


def test_rerun_replaces_a_previous_mixture_atomically(work, capsys):
    assert mix(write_spec(work), "-o", work / "out", capsys=capsys)[0] == 0
    first = (work / "out" / "train.jsonl").read_bytes()
    assert mix(write_spec(work, per="2"), "-o", work / "out", capsys=capsys)[0] == 0
    assert (work / "out" / "train.jsonl").read_bytes() != first
    assert mix(write_spec(work, per="99"), "-o", work / "out", capsys=capsys)[0] == 2
    assert len((work / "out" / "train.jsonl").read_text().splitlines()) == 8  # the failed run left it alone


def test_an_empty_source_is_a_shortage_not_a_missing_field(work, capsys):
    (work / "m_es.jsonl").write_text("", encoding="utf-8")
    spec = write_spec(work, text=SPEC.format(english=2, per=3, langs="[es, fr]") + "on_shortage: cap\n")
    rc, out, err = mix(spec, "-o", work / "capped", capsys=capsys)
    assert rc == 0, err
    manifest = json.loads((work / "capped" / "manifest.json").read_text())
    assert manifest["counts"]["math"] == {"en": 2, "es": 0, "fr": 3}
    spec = write_spec(work, text=SPEC.format(english=2, per=3, langs="[es, fr]"))
    rc, _, err = mix(spec, "-o", work / "strict", capsys=capsys)
    assert rc == 2 and err.strip().endswith(
        "es: asked for 3 rows but m_es.jsonl has only 0 (set on_shortage: cap to take what there is)"
    )


def test_a_duplicated_id_is_named(work, capsys):
    with open(work / "m_es.jsonl", "a", encoding="utf-8") as f:
        f.write(json.dumps({"id": "q3", "question": "again", "answer": "again"}) + "\n")
    rc, _, err = mix(write_spec(work, per="11", langs="[es]"), "-o", work / "out", capsys=capsys)
    assert rc == 2 and err.strip().endswith("m_es.jsonl: id 'q3' appears more than once; ids must be unique"), err


def test_first_duplicate_is_the_first_id_seen_twice():
    from clt_plugin.mixture.select import first_duplicate

    assert first_duplicate(["a", "b", "c", "b", "a"]) == "b"
    assert first_duplicate(iter(["x", "y"])) is None
    assert first_duplicate(str(i) for i in [*range(100_000), 99_999]) == "99999"


def test_a_mixture_from_before_output_markers_is_recognised_by_its_content(work, capsys):
    assert mix(write_spec(work), "-o", work / "old", capsys=capsys)[0] == 0
    (work / "old" / ".clt-output.json").unlink()  # as clt mix wrote it before markers existed
    rc, _, err = mix(write_spec(work, per="2"), "-o", work / "old", capsys=capsys)
    assert rc == 0, err  # the manifest's train_sha256 matches its rows: clt's own
    assert len((work / "old" / "train.jsonl").read_text().splitlines()) == 8
    (work / "old" / ".clt-output.json").unlink()
    with open(work / "old" / "train.jsonl", "a", encoding="utf-8") as f:
        f.write('{"edited": "by hand"}\n')  # no longer what the manifest describes: not clt's to replace
    rc, _, err = mix(write_spec(work), "-o", work / "old", capsys=capsys)
    assert rc == 2 and "old: folder was not written by `clt mix` (it holds manifest.json, train.jsonl)" in err
    assert (work / "old" / "train.jsonl").read_text().endswith('{"edited": "by hand"}\n')
