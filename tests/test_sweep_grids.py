"""`clt sweep` over both axes of the paper's grids (k and the seen-language set), the grid a config
asks for (`clt_grid`), checkpoint evaluation, and what the launchers set. No training here:
tests/test_sweep.py trains a sweep end to end, tests/test_axolotl_plugin.py evaluates checkpoints."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
import yaml
from axolotl_helpers import REPO, TINY_CPU, run_env

from clt_plugin.axolotl.sweep import checkpoints_kept, grid_from_options, named_grid, plan
from clt_plugin.cli import main
from clt_plugin.mixture import build_mixture, load_spec
from clt_plugin.mixture.grid import MULTI_KS, SINGLE_KS

SHIPPED = REPO / "axolotl_configs"


def _base(path: Path, **changes) -> Path:
    """The tiny-cpu config (12 rows per language) copied elsewhere, its sources still beside the original."""
    cfg = yaml.safe_load((TINY_CPU / "math.yaml").read_text(encoding="utf-8"))
    cfg["clt_base_dir"] = str(TINY_CPU)
    cfg.update(changes)
    path.write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def test_the_script_grid_varies_the_seen_languages_and_k(tmp_path):
    base = _base(tmp_path / "base.yaml")
    p = plan(base, named_grid("paper-script"), tmp_path / "grid")
    points = p["manifest"]["points"]
    assert [q["config"] for q in points] == [
        f"base-{group}-k{k:04d}.yaml" for group in ("latin", "non-latin") for k in SINGLE_KS
    ]
    assert p["manifest"]["grid"] == "paper-script"
    assert p["manifest"]["languages"] == {"latin": ["es", "fr"], "non-latin": ["ja", "zh"]}
    point = yaml.safe_load(p["files"]["base-non-latin-k0100.yaml"])
    task = point["clt_mixture"]["tasks"]["math"]
    assert (task["languages"], task["per_language"]) == (["ja", "zh"], 100)
    assert point["output_dir"] == "./outputs/tiny-cpu-math/non-latin-k0100"
    assert (points[9]["languages"], points[9]["per_language"]) == (["ja", "zh"], 100)
    # The same sweep, spelled axis by axis.
    spelled = plan(base, grid_from_options("paper-single", ["latin", "non-latin"], None), tmp_path / "grid")
    assert {n: t for n, t in spelled["files"].items() if n != "sweep.json"} == {
        n: t for n, t in p["files"].items() if n != "sweep.json"
    }


def test_script_points_are_nested_per_language_set_with_one_english(tmp_path):
    base = _base(tmp_path / "base.yaml")
    p = plan(base, grid_from_options("0,2,4", ["es,fr", "ja,zh"], None), tmp_path / "grid")
    assert [q["config"] for q in p["manifest"]["points"]] == [
        "base-es-fr-k0.yaml",
        "base-es-fr-k2.yaml",
        "base-es-fr-k4.yaml",
        "base-ja-zh-k0.yaml",
        "base-ja-zh-k2.yaml",
        "base-ja-zh-k4.yaml",
    ]
    rows = {}
    for name, langs, k in [
        ("base-es-fr-k2.yaml", ["es", "fr"], 2),
        ("base-es-fr-k4.yaml", ["es", "fr"], 4),
        ("base-ja-zh-k4.yaml", ["ja", "zh"], 4),
    ]:
        spec = yaml.safe_load(p["files"][name])["clt_mixture"]
        manifest = build_mixture(load_spec(spec, base_dir=TINY_CPU), tmp_path / name, use_cache=False)
        assert manifest["counts"]["math"] == {"en": 6, **{lang: k for lang in langs}}
        lines = (tmp_path / name / "train.jsonl").read_text(encoding="utf-8").splitlines()
        rows[name] = {(r["clt"]["lang"], r["clt"]["source_id"]) for r in map(json.loads, lines)}
    assert rows["base-es-fr-k2.yaml"] < rows["base-es-fr-k4.yaml"]
    english = [{r for r in got if r[0] == "en"} for got in rows.values()]
    assert english[0] == english[1] == english[2] and len(english[0]) == 6


def test_the_grid_the_config_asks_for_is_the_default_and_points_are_one_point(tmp_path, capsys):
    base = _base(tmp_path / "base.yaml", clt_grid="paper-multi")
    assert main(["sweep", str(base), "-o", str(tmp_path / "grid")]) == 0
    out = capsys.readouterr().out
    written = sorted(p.name for p in (tmp_path / "grid").glob("*.yaml"))
    assert written == sorted(f"base-k{k:04d}.yaml" for k in MULTI_KS) and len(written) == 16
    # The 12 fixture rows per language fill k <= 12 only: every other point is named, before training.
    (warning,) = [line for line in out.splitlines() if ": warning: " in line]
    assert "holds 12 rows of es, fr, ja, zh (counted), fewer than k0100 (100), k0500 (500)," in warning
    assert warning.endswith("k7000 (7,000) ask for")
    assert "clt_grid" not in (tmp_path / "grid" / "base-k0100.yaml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--grid", "paper-script", "--per-language", "0"], "--grid: names both axes"),
        (["--languages", "es,fr"], "--languages: give the k values too"),
        (["--per-language", "paper-script"], "--per-language: paper-script varies the seen languages too; use --grid"),
        (["--per-language", "0,2", "--languages", "es,xx"], "--languages: unknown language 'xx'"),
        (["--per-language", "0,2", "--languages", "latin", "--languages", "es,fr"], "'es,fr' is listed twice"),
        (["--grid", "paper-scrip"], "unknown grid 'paper-scrip'"),
        ([], "no grid: give --per-language K,... (and --languages), or --grid NAME, or set clt_grid"),
        (["--per-language", "0", "--eval-checkpoints"], "--eval-checkpoints needs clt_eval: in the config"),
    ],
)
def test_sweep_options_that_cannot_work_are_refused(argv, message, tmp_path, capsys):
    base = _base(tmp_path / "base.yaml")
    assert main(["sweep", str(base), *argv, "-o", str(tmp_path / "grid")]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "grid").exists()


def test_eval_checkpoints_keeps_and_evaluates_every_checkpoint(tmp_path):
    cfg = yaml.safe_load((SHIPPED / "llama-3.1-8b" / "math.yaml").read_text(encoding="utf-8"))
    cfg["clt_eval"] = {"tasks": ["mgsm"], "languages": ["en", "es", "fr", "ja", "zh"]}
    base = tmp_path / "math.yaml"
    base.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    p = plan(base, None, tmp_path / "grid", eval_checkpoints=True)
    assert p["manifest"]["eval_checkpoints"] is True and p["manifest"]["grid"] == "paper-single"
    for point in p["manifest"]["points"]:
        point_cfg = yaml.safe_load(p["files"][point["config"]])
        assert "save_total_limit" in point_cfg and point_cfg["save_total_limit"] is None
        assert point_cfg["clt_eval"] == {**cfg["clt_eval"], "checkpoints": True}
    # 10k English + 4 x k rows, 64 a step, a checkpoint every 50 steps: ceil((10000 + 4k) / 64) // 50
    assert [q["checkpoints"] for q in p["manifest"]["points"]] == [3, 3, 3, 3, 4, 4, 5, 9]
    plain = plan(base, None, tmp_path / "grid")
    assert all("checkpoints" not in q for q in plain["manifest"]["points"])
    assert yaml.safe_load(plain["files"]["math-k0100.yaml"])["save_total_limit"] == 2


def test_checkpoints_kept_follows_max_steps_epochs_and_the_batch():
    spec = {
        "seed": 1,
        "tasks": {
            "m": {
                "source": {"path": "m_{lang}.jsonl"},
                "english": 100,
                "per_language": 25,
                "languages": ["es", "ja"],
                "validation": 5,
            }
        },
    }
    cfg = {"clt_mixture": spec, "save_steps": 2, "micro_batch_size": 2, "gradient_accumulation_steps": 5}
    assert checkpoints_kept(cfg) == 7  # 150 training rows (validation held out) / 10 a step = 15 steps
    assert checkpoints_kept({**cfg, "num_epochs": 3}) == 22  # 45 steps
    assert checkpoints_kept({**cfg, "clt_global_batch_size": 64}) == 1  # 3 steps
    assert checkpoints_kept({**cfg, "max_steps": 9, "num_epochs": 3}) == 4  # max_steps replaces epochs
    assert checkpoints_kept({**cfg, "save_strategy": "epoch"}) == 0


def _launch(script: Path, tmp_path: Path, **env: str) -> list[str]:
    shim = tmp_path / "telemetry"
    shim.write_text('#!/usr/bin/env bash\necho "AXOLOTL_DO_NOT_TRACK=$AXOLOTL_DO_NOT_TRACK"\n', encoding="utf-8")
    shim.chmod(0o755)
    base_env = {k: v for k, v in run_env().items() if k != "AXOLOTL_DO_NOT_TRACK"}
    proc = subprocess.run(
        ["bash", str(script)],
        env={**base_env, "AXOLOTL": str(shim), "SLURM_ARRAY_TASK_ID": "0", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.splitlines()


def test_the_launchers_turn_axolotl_telemetry_off_unless_the_user_set_it(tmp_path):
    base = _base(tmp_path / "base.yaml")
    assert main(["sweep", str(base), "--per-language", "0,2", "-o", str(tmp_path / "grid")]) == 0
    for script in ("run_all.sh", "slurm_array.sbatch"):
        assert set(_launch(tmp_path / "grid" / script, tmp_path)) == {"AXOLOTL_DO_NOT_TRACK=1"}
        assert set(_launch(tmp_path / "grid" / script, tmp_path, AXOLOTL_DO_NOT_TRACK="0")) == {
            "AXOLOTL_DO_NOT_TRACK=0"
        }
