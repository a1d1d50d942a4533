"""`clt matrix` and `clt report` through the real console script: output, exit codes, nothing written on error."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from synthetic_results import write_manifest, write_results

from clt_plugin.cli import main

SEEN = ["es", "fr"]


@pytest.fixture
def runs_dir(tmp_path):
    for k in (0, 200):
        model = tmp_path / "models" / f"k{k}"
        write_manifest(model / "clt_manifest.json", {"math": {"en": 100, "es": k, "fr": k}}, seen=SEEN)
        write_results(
            tmp_path / "evals" / f"k{k}",
            {
                "clt_mgsm_en": {"acc": 0.5},
                "clt_mgsm_es": {"acc": 0.3 + k / 1000},
                "clt_mgsm_fr": {"acc": 0.25 + k / 1000},
                "clt_mgsm_ko": {"acc": round(0.2 + k / 2000, 6)},
            },
            model_args=f"pretrained={model},dtype=float32",
        )
    return tmp_path / "evals"


def clt(*args, cwd=None):
    """The installed `clt` console script, as a user runs it."""
    exe = Path(sys.executable).with_name("clt")
    return subprocess.run(
        [str(exe), *map(str, args)],
        capture_output=True,
        text=True,
        cwd=cwd,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )


def test_console_script_delta_table(runs_dir):
    r = clt("matrix", runs_dir, "--task", "mgsm", "--metric", "acc", "--view", "delta", "--percent")
    assert r.returncode == 0, r.stderr
    lines = r.stdout.splitlines()
    assert lines[0] == "### clt_mgsm · acc · delta (gain over k0)"
    row = next(l for l in lines if l.startswith("| k200"))
    assert [c.strip() for c in row.strip("|").split("|")] == [
        # results_dict's stderr 0.01 and no samples: unpaired normal intervals, delta se = 0.01 * sqrt(2)
        # per language (±1.96 * 1.414 = ±2.8 points); the seen average of two: se 0.01 (±2.0); the gap:
        # hypot(0.01, 0.01414) (±3.4); all four: 0.00707 (±1.4). * = significant after Holm (9 tests).
        "k200",
        "200",
        "es fr",
        "+0.0 ±2.8",
        "+20.0 ±2.8*",
        "+20.0 ±2.8*",
        "+10.0 ±2.8*",
        "+20.0 ±2.0*",
        "+10.0 ±2.8*",
        "+10.0 ±3.4*",
        "+12.5 ±1.4*",
    ]
    assert "Holm-corrected, significant at 0.05 (9 tests in this table)" in r.stdout


def test_json_to_file_and_csv_notes_on_stderr(runs_dir, tmp_path, capsys):
    out = tmp_path / "out" / "m.json"
    assert main(["matrix", str(runs_dir), "--format", "json", "-o", str(out)]) == 0
    doc = json.loads(out.read_text())
    assert doc["schema"] == "clt-matrix/2"
    assert doc["matrices"][0]["rows"][1]["values"] == {"en": 0.5, "es": 0.5, "fr": 0.45, "ko": 0.3}
    assert main(["matrix", str(runs_dir), "--format", "csv", "--view", "rel-en"]) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[2].startswith("mgsm,acc,rel-en,k200,k200,false,200,es fr,100.0,100.0,90.0,60.0")
    assert "clt matrix: mgsm: Plateau" in captured.err


def test_explicit_runs_with_manifests(tmp_path, capsys):
    m0 = write_manifest(tmp_path / "m0.json", {"math": {"en": 10, "ja": 0}}, seen=["ja"])
    m1 = write_manifest(tmp_path / "m1.json", {"math": {"en": 10, "ja": 50}}, seen=["ja"])
    write_results(tmp_path / "a", {"clt_mgsm_en": {"acc": 0.4}, "clt_mgsm_ja": {"acc": 0.1}})
    write_results(tmp_path / "b", {"clt_mgsm_en": {"acc": 0.4}, "clt_mgsm_ja": {"acc": 0.3}})
    assert (
        main(
            [
                "matrix",
                "--run",
                f"base={tmp_path / 'a'}:{m0}",
                "--run",
                f"ja50={tmp_path / 'b'}:{m1}",
                "--view",
                "transfer",
                "--digits",
                "2",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "| ja       |  50 | ja        | +0.00 ±0.03 | +0.20 ±0.03* |" in out


@pytest.mark.parametrize(
    "extra,message",
    [
        (["--view", "delta", "--baseline", "nope"], "--baseline 'nope': no such run (runs: k0, k200)"),
        (["--task", "xlsum"], "no run has results for task clt_xlsum_*"),
        (["--metric", "rougeL"], "no run has metric 'rougeL'"),
        (["--metric", "acc", "--metric", "f1"], "--metric given 2 times without a task"),
        (["--run", "bad"], "--run 'bad': expected NAME=RESULTS_DIR[:MANIFEST]"),
        (["--plateau-threshold", "1.5"], "plateau threshold must be in (0, 1], got 1.5"),
    ],
)
def test_bad_input_exit_2_and_nothing_written(runs_dir, tmp_path, capsys, extra, message):
    out = tmp_path / "never" / "m.md"
    assert main(["matrix", str(runs_dir), "-o", str(out), *extra]) == 2
    err = capsys.readouterr().err
    assert err.startswith("clt matrix: error: ") and message in err
    assert not out.exists() and not out.parent.exists()


def test_corrupt_file_is_named_and_nothing_written(runs_dir, tmp_path):
    bad = runs_dir / "k200" / "results_2026-01-01T00-00-00.000000.json"
    bad.write_text(bad.read_text()[:300])
    out = tmp_path / "m.md"
    r = clt("matrix", runs_dir, "-o", out)
    assert r.returncode == 2
    assert f"{bad}: corrupt lm-eval results file (line" in r.stderr
    assert not out.exists()
    r = clt("report", runs_dir, "-o", tmp_path / "rep")
    assert r.returncode == 2 and str(bad) in r.stderr
    assert not (tmp_path / "rep").exists()


def test_an_impossible_score_is_refused_not_shown(runs_dir, tmp_path, capsys):
    """Issue 21 §3: `acc,none: -5` printed as `-5.000 ±0.196` with exit 0."""
    bad = runs_dir / "k200" / "results_2026-01-01T00-00-00.000000.json"
    data = json.loads(bad.read_text())
    data["results"]["clt_mgsm_es"]["acc,none"] = -5
    bad.write_text(json.dumps(data))
    out = tmp_path / "m.md"
    assert main(["matrix", str(runs_dir), "-o", str(out)]) == 2
    assert capsys.readouterr().err == (
        f"clt matrix: error: values out of range:\n{bad}: results.clt_mgsm_es: out of range: acc=-5 (allowed 0..1)\n"
    )
    assert not out.exists()


def test_delta_without_baseline_names_runs(tmp_path, capsys):
    write_results(tmp_path / "e" / "x", {"clt_mgsm_es": {"acc": 0.1}})
    write_results(tmp_path / "e" / "y", {"clt_mgsm_es": {"acc": 0.2}})
    assert main(["matrix", str(tmp_path / "e"), "--view", "delta"]) == 2
    assert "among the runs: x (no manifest), y (no manifest)" in capsys.readouterr().err


def test_duplicate_run_names(runs_dir, capsys):
    assert main(["matrix", str(runs_dir), "--run", f"k0={runs_dir / 'k200'}"]) == 2
    assert "two runs are named 'k0'" in capsys.readouterr().err


def test_mixed_is_flagged_with_allow_mixed(runs_dir, capsys):
    path = runs_dir / "k200" / "results_2026-01-01T00-00-00.000000.json"
    data = json.loads(path.read_text())
    data["n-shot"]["clt_mgsm_es"] = 8
    path.write_text(json.dumps(data))
    assert main(["matrix", str(runs_dir)]) == 2
    assert "clt_mgsm_es: n-shot differs: 0 (k0); 8 (k200)" in capsys.readouterr().err
    assert main(["matrix", str(runs_dir), "--allow-mixed"]) == 0
    out = capsys.readouterr().out
    assert "mixed: clt_mgsm_es: n-shot differs" in out
    assert "| k200 †" in out and "| k0 (baseline) |" in out


def test_report_command(runs_dir, tmp_path):
    r = clt("report", runs_dir, "-o", tmp_path / "rep", "--percent")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == str(tmp_path / "rep" / "index.html")
    assert sorted(p.name for p in (tmp_path / "rep").iterdir()) == [
        ".clt-output.json",
        "index.html",
        "matrix.json",
        "mgsm_curves_001.png",
        "mgsm_curves_001.svg",
        "mgsm_heatmap_001.png",
        "mgsm_heatmap_001.svg",
    ]
