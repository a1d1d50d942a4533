"""`clt demo --quick` end to end: real pre-training, `axolotl train`, `lm_eval`, `clt report`.

The demo runs once for the module (a non-default seed and grid, so both reach the runs); every
test reads what it left behind. The honesty checks: the printed tables are what `clt matrix`
computes from the lm_eval results on disk; every score is the mean of the metric functions over
the generations lm_eval logged; the runs trained on exactly the mixtures the seed and grid make,
and another seed or grid makes other mixtures and other test items.
"""

from __future__ import annotations

import json
import math
import subprocess
from pathlib import Path
from types import SimpleNamespace

import pytest
from axolotl_helpers import CLT, clt, read_jsonl, run_env

from clt_plugin.demo import pipeline
from clt_plugin.metrics.fidelity import judged_mean
from clt_plugin.tasks.synth_items import SYNTH_LANGUAGES, SYNTH_TASKS, make_split

SEED = 7
GRID = (0, 30)
SETTINGS = pipeline.DemoSettings.quick(seed=SEED, grid=GRID)


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    out = tmp_path_factory.mktemp("clt-demo") / "demo"
    argv = [CLT, "demo", "--quick", "--seed", str(SEED), "--grid", ",".join(map(str, GRID)), "-o", str(out)]
    proc = subprocess.run(argv, env=run_env(), capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, proc.stderr[-6000:]
    return SimpleNamespace(out=out, proc=proc, info=json.loads((out / "demo.json").read_text(encoding="utf-8")))


def _results_files(out: Path) -> dict[str, dict]:
    """model folder under models/ (`k30`, `k30/checkpoint-12`) -> the lm_eval results file for it."""
    found = {}
    for path in sorted((out / "results").glob("*/results_*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        model = data["config"]["model_args"]
        model = model if isinstance(model, str) else f"pretrained={model['pretrained']}"
        pretrained = Path(dict(kv.split("=", 1) for kv in model.split(","))["pretrained"])
        found[pretrained.relative_to(out / "models").as_posix()] = {"path": path, "data": data, "model": pretrained}
    return found


def _steps(k: int) -> int:
    """Optimizer steps of the run at k: its rows in batches of micro_batch_size, for its epochs."""
    return math.ceil(pipeline._rows(k, SETTINGS) * SETTINGS.epochs / SETTINGS.micro_batch_size)


def _checkpoints(k: int) -> list[int]:
    """The steps saved before the last one: every ceil(steps / 3) (save_steps = 1/3 of the run)."""
    every = math.ceil(_steps(k) / SETTINGS.checkpoints)
    return list(range(every, _steps(k), every))


def test_prints_the_tables_the_report_and_the_path_to_open(demo):
    stdout = demo.proc.stdout
    tables = (demo.out / "tables.md").read_text(encoding="utf-8")
    assert tables.rstrip() in stdout
    assert "### clt_synth_math · acc · absolute" in tables
    assert "### clt_synth_summ · rougeL · absolute" in tables
    assert "### clt_synth_lang · lpr · absolute" in tables
    report = demo.out / "report"
    assert stdout.rstrip().endswith(f"open {report / 'index.html'}")
    for name in (
        "index.html",
        "matrix.json",
        *(f"{t}_heatmap_001.{ext}" for t in SYNTH_TASKS for ext in ("png", "svg")),
    ):
        assert (report / name).is_file(), name
    html = (report / "index.html").read_text(encoding="utf-8")
    assert "k00" in html and "k30" in html


def test_progress_goes_to_stderr_one_line_per_step(demo):
    steps = [line for line in demo.proc.stderr.splitlines() if line.startswith("[")]
    assert [s.split("]")[0] + "]" for s in steps] == [f"[{i}/10]" for i in range(1, 11)]
    assert "pre-train a tiny Llama on 8 languages (60 steps, seed 7)" in steps[0]
    assert [s.split("] ", 1)[1] for s in steps[2:]] == [
        "axolotl train  k=0  (180 rows)",
        *(f"lm_eval        k=0  step {n} (24 tasks x 6 items)" for n in _checkpoints(0)),
        f"lm_eval        k=0  final, step {_steps(0)} (24 tasks x 6 items)",
        "axolotl train  k=30 (540 rows)",
        *(f"lm_eval        k=30 step {n} (24 tasks x 6 items)" for n in _checkpoints(30)),
        f"lm_eval        k=30 final, step {_steps(30)} (24 tasks x 6 items)",
    ]
    assert demo.proc.stderr.count("    done in ") == 9  # every tool run, not the in-process step
    # Not a terminal: between those, only `    STEP: N s elapsed, ...` lines (every 30 s), no bars.
    assert "\r" not in demo.proc.stderr and "it/s]" not in demo.proc.stderr
    costs = demo.info["steps"]
    assert [c["step"] for c in costs] == [*steps, "analysis: clt matrix tables and clt report"]
    assert all(c["wall_s"] >= 0 and c["cpu_s"] >= 0 for c in costs)
    assert all(c["cpu_s"] > 0 for c in costs if "axolotl train" in c["step"] or "lm_eval" in c["step"])


def test_tables_equal_clt_matrix_over_the_results_on_disk(demo):
    command = demo.info["matrix_command"]
    assert command[:2] == ["clt", "matrix"]
    proc = clt(*command[1:])
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (demo.out / "tables.md").read_text(encoding="utf-8")


def test_each_grid_point_is_one_run_with_its_own_mixture(demo, tmp_path):
    from clt_plugin.mixture import build_mixture

    assert demo.info["runs"] == ["k00", "k30"]
    assert demo.info["settings"]["seed"] == SEED and demo.info["settings"]["grid"] == list(GRID)
    for k, name in zip(GRID, demo.info["runs"]):
        manifest = json.loads((demo.out / "models" / name / "clt_manifest.json").read_text(encoding="utf-8"))
        expected = {"en": SETTINGS.english, **{lang: k for lang in ("es", "fr", "ja", "zh")}}
        assert manifest["counts"] == {task: expected for task in SYNTH_TASKS}
        assert manifest["seed"] == SEED
        assert manifest["english_only"] is (k == 0)
        assert manifest["languages"] == {"english": "en", "seen": ["es", "fr", "ja", "zh"]}
        # The mixture the run trained on is the one the seed and k define, rebuilt here.
        rebuilt = build_mixture(
            pipeline.mixture_spec(SETTINGS, k), tmp_path / name, base_dir=demo.out / "data", use_cache=False
        )
        assert rebuilt["train_sha256"] == manifest["train_sha256"]


def test_every_run_saves_checkpoints_that_carry_its_manifest(demo):
    for k, name in zip(GRID, demo.info["runs"]):
        run = demo.out / "models" / name
        manifest = (run / "clt_manifest.json").read_text(encoding="utf-8")
        saved = sorted(int(p.name.split("-")[1]) for p in run.glob("checkpoint-*"))
        assert saved[:-1] == _checkpoints(k) and saved[-1] in (_checkpoints(k)[-1], _steps(k))
        for n in saved:
            folder = run / f"checkpoint-{n}"
            assert (folder / "clt_manifest.json").read_text(encoding="utf-8") == manifest
            assert json.loads((folder / "trainer_state.json").read_text(encoding="utf-8"))["global_step"] == n
            assert not (folder / "optimizer.pt").exists()  # weights only: save_only_model


def test_the_report_has_rho_over_grid_points_and_checkpoints(demo):
    """Table 2 as the paper computed it: every evaluated checkpoint of every run is a point."""
    report = json.loads((demo.out / "report" / "matrix.json").read_text(encoding="utf-8"))
    assert len(report["matrices"]) == len(SYNTH_TASKS)
    for matrix in report["matrices"]:
        assert [r["run"] for r in matrix["rows"]] == ["k00", "k30"]  # rows: the final models
        assert sorted((c["k"], c["step"]) for c in matrix["checkpoints"]) == [
            (k, n) for k in GRID for n in _checkpoints(k)
        ]
        (group,) = matrix["statistics"]["groups"]
        assert group["rho_checkpoints"]["n_points"] == len(GRID) * SETTINGS.checkpoints
        assert group["rho_grid"]["n_points"] == len(GRID)
    html = (demo.out / "report" / "index.html").read_text(encoding="utf-8")
    assert "grid points × checkpoints" in html


def test_another_seed_or_grid_makes_other_runs(demo, tmp_path):
    """The cheap variant: sources and mixtures for seed 8 and k=20 (no training)."""
    from clt_plugin.mixture import build_mixture

    trained = json.loads((demo.out / "models" / "k30" / "clt_manifest.json").read_text(encoding="utf-8"))
    other_seed = pipeline.DemoSettings.quick(seed=SEED + 1, grid=GRID)
    pipeline.write_sources(tmp_path / "data", other_seed)
    m = build_mixture(
        pipeline.mixture_spec(other_seed, 30), tmp_path / "seed", base_dir=tmp_path / "data", use_cache=False
    )
    assert m["counts"] == trained["counts"] and m["train_sha256"] != trained["train_sha256"]
    m = build_mixture(
        pipeline.mixture_spec(SETTINGS, 20), tmp_path / "grid", base_dir=demo.out / "data", use_cache=False
    )
    assert m["counts"]["synth_math"]["es"] == 20 and m["train_sha256"] != trained["train_sha256"]
    # The test items follow the seed too.
    assert [i.prompt for i in make_split("synth_math", "fr", "test", 6, seed=SEED)] != [
        i.prompt for i in make_split("synth_math", "fr", "test", 6, seed=SEED + 1)
    ]


def test_every_score_is_the_metric_over_the_logged_generations(demo):
    from clt_plugin.tasks.synth import score

    results = _results_files(demo.out)
    # Each run's final model and the checkpoints saved before its last step (contract: an lm_eval
    # run whose pretrained= is .../checkpoint-N is step N of that run).
    assert sorted(results) == [
        "k00",
        *(f"k00/checkpoint-{n}" for n in _checkpoints(0)),
        "k30",
        *(f"k30/checkpoint-{n}" for n in _checkpoints(30)),
    ]
    assert len(_checkpoints(0)) == len(_checkpoints(30)) == 2  # 3 points over each run
    for name, r in results.items():
        assert r["model"] == demo.out / "models" / name  # evaluated the fine-tuned model or checkpoint itself
        folder = r["path"].parent
        assert set(r["data"]["results"]) == {f"clt_{t}_{l}" for t in SYNTH_TASKS for l in SYNTH_LANGUAGES}
        for task_name, metrics in r["data"]["results"].items():
            family, lang = task_name[4:].rsplit("_", 1)
            (samples_file,) = folder.glob(f"samples_{task_name}_*.jsonl")
            samples = read_jsonl(samples_file)
            # The test items are the suite's, for the demo's seed, in order.
            expected_items = make_split(family, lang, "test", SETTINGS.eval_n, seed=SEED)
            assert sorted(s["doc"]["prompt"] for s in samples) == sorted(i.prompt for i in expected_items)
            main = "acc" if family == "synth_math" else "rougeL"
            for metric in (main, "lpr"):
                recomputed = [score(s["resps"][0][0], s["doc"])[metric] for s in samples]
                # LPR leaves out replies with no judged line (None), as the benchmark does.
                expected = judged_mean(recomputed) if metric == "lpr" else sum(recomputed) / len(recomputed)
                assert metrics[f"{metric},none"] == pytest.approx(expected, abs=1e-12)


def test_bad_grid_and_foreign_directory_fail_before_anything_runs(tmp_path):
    proc = clt("demo", "--quick", "--grid", "10,20", "-o", str(tmp_path / "d"))
    assert proc.returncode == 2
    assert "clt demo: error: --grid: must include 0, the English-only baseline (got 10,20)" in proc.stderr
    assert not (tmp_path / "d").exists()
    proc = clt("demo", "--quick", "--grid", "0,x", "-o", str(tmp_path / "d"))
    assert proc.returncode == 2 and "--grid: 'x' is not an integer" in proc.stderr
    proc = clt("demo", "--quick", "--seed", "-1", "-o", str(tmp_path / "d"))
    assert proc.returncode == 2 and "clt demo: error: --seed: expected 0 to 4294967295, got -1" in proc.stderr
    assert not (tmp_path / "d").exists()
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me", encoding="utf-8")
    proc = clt("demo", "--quick", "-o", str(foreign))
    assert proc.returncode == 2
    assert f"{foreign}: folder was not written by `clt demo` (it holds notes.txt)" in proc.stderr
    assert [p.name for p in foreign.iterdir()] == ["notes.txt"]
