"""`clt sweep`: configs per grid point, a sweep manifest, launchers, and nesting end to end."""

from __future__ import annotations

import collections
import json
import subprocess
from pathlib import Path

import pytest
import yaml
from axolotl_helpers import (
    AXOLOTL,
    TINY_CPU,
    clt,
    decoded_rows,
    label,
    prepared_datasets,
    read_jsonl,
    run_env,
    write_config,
)

VALIDATION = 1  # held-out rows per language
BANNER_BATCH = "clt: global batch 4 = 1 data-parallel process x micro batch 2 x accumulation 2"


@pytest.fixture(scope="module")
def swept(tiny_model, tmp_path_factory):
    """A 2-point sweep (k=0, k=2) with a global batch and a held-out validation set, trained
    through its own sequential launcher, started from another directory."""
    work = tmp_path_factory.mktemp("sweep")
    base = write_config(
        work / "base.yaml",
        tiny_model,
        work,
        max_steps=1,
        gradient_accumulation_steps=None,
        clt_global_batch_size=4,
        eval_strategy="steps",
        eval_steps=1,
    )
    cfg = yaml.safe_load(base.read_text(encoding="utf-8"))
    cfg["clt_mixture"]["tasks"]["math"]["validation"] = VALIDATION
    base.write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")
    made = clt("sweep", str(base), "--per-language", "0,2", "-o", str(work / "grid"))
    assert made.returncode == 0, made.stderr
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    launcher = subprocess.run(
        ["bash", str(work / "grid" / "run_all.sh"), "--launcher", "python"],
        cwd=elsewhere,
        env={**run_env(), "AXOLOTL": AXOLOTL},
        capture_output=True,
        text=True,
        timeout=1200,
    )
    (work / "launcher.log").write_text(launcher.stdout + launcher.stderr, encoding="utf-8")
    assert launcher.returncode == 0, launcher.stderr[-4000:]
    return work


def _tiny_base(path: Path) -> Path:
    """The tiny-cpu config copied elsewhere, its sources still the ones beside the original."""
    cfg = yaml.safe_load((TINY_CPU / "math.yaml").read_text(encoding="utf-8"))
    cfg["clt_base_dir"] = str(TINY_CPU)
    path.write_text(yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _manifest(work: Path, k: int) -> dict:
    return json.loads((work / "out" / f"k{k}" / "clt_manifest.json").read_text(encoding="utf-8"))


def _rows(work: Path, manifest: dict) -> list[dict]:
    return read_jsonl(work / "prepared" / "clt_mixtures" / "by-sha256" / f"{manifest['train_sha256']}.jsonl")


def test_sweep_manifest_lists_one_config_per_point(swept):
    sweep = json.loads((swept / "grid" / "sweep.json").read_text(encoding="utf-8"))
    assert sweep["schema"] == "clt-sweep/1" and sweep["per_language"] == [0, 2] and sweep["seed"] == 1234
    assert [p["config"] for p in sweep["points"]] == ["base-k0.yaml", "base-k2.yaml"]
    for point in sweep["points"]:
        cfg = yaml.safe_load((swept / "grid" / point["config"]).read_text(encoding="utf-8"))
        assert {t["per_language"] for t in cfg["clt_mixture"]["tasks"].values()} == {point["per_language"]}
        assert cfg["clt_mixture"]["seed"] == 1234
        assert cfg["output_dir"] == point["output_dir"] == str(swept / "out" / f"k{point['per_language']}")
        assert _manifest(swept, point["per_language"])["spec_sha256"] == point["spec_sha256"]


def test_validation_rows_are_the_same_at_every_point_and_never_trained_on(swept):
    k0, k2 = _manifest(swept, 0), _manifest(swept, 2)
    assert k0["validation"] == k2["validation"]
    assert k0["validation"]["counts"] == {"math": {lang: VALIDATION for lang in ("en", "es", "fr", "ja", "zh")}}
    held_file = swept / "prepared" / "clt_mixtures" / "by-sha256" / f"{k0['validation']['sha256']}.jsonl"
    held = {(r["clt"]["lang"], r["clt"]["source_id"]) for r in read_jsonl(held_file)}
    assert len(held) == 5
    for manifest in (k0, k2):
        assert not held & {(r["clt"]["lang"], r["clt"]["source_id"]) for r in _rows(swept, manifest)}
        rows = json.loads((swept / "out" / f"k{manifest['per_language']}" / "clt_training_rows.json").read_text())
        assert (rows["train_rows"], rows["eval_rows"], rows["validation_rows"]) == (manifest["total_rows"], 5, 5)


def test_global_batch_is_derived_announced_and_recorded(swept):
    log = (swept / "launcher.log").read_text(encoding="utf-8")
    assert log.count(BANNER_BATCH) == 2  # one banner per grid point
    for k in (0, 2):
        assert _manifest(swept, k)["batch"] == {
            "global_batch_size": 4,
            "micro_batch_size": 2,
            "gradient_accumulation_steps": 2,
            "data_parallel": 1,
            "world_size": 1,
            "requested_global_batch_size": 4,
        }


def test_grid_points_are_nested_mixtures(swept):
    k0, k2 = _manifest(swept, 0), _manifest(swept, 2)
    assert k0["english_only"] is True and k0["counts"] == {"math": {"en": 6, "es": 0, "fr": 0, "ja": 0, "zh": 0}}
    assert k2["per_language"] == 2 and k2["counts"] == {"math": {"en": 6, "es": 2, "fr": 2, "ja": 2, "zh": 2}}
    rows0 = {(r["clt"]["lang"], r["clt"]["source_id"]) for r in _rows(swept, k0)}
    rows2 = {(r["clt"]["lang"], r["clt"]["source_id"]) for r in _rows(swept, k2)}
    assert rows0 < rows2
    assert {r for r in rows2 if r[0] == "en"} == rows0  # English identical across the grid


def test_tokenized_grid_points_are_nested(swept, tiny_model):
    """The same nesting holds in what axolotl actually tokenized for each point."""
    by_size = {}
    for dataset_dir in prepared_datasets(swept / "prepared"):
        decoded = decoded_rows(dataset_dir, tiny_model)
        by_size[len(decoded)] = collections.Counter(decoded)
    # k=0 and k=2 training rows, and one validation set that both points share (tokenized once)
    assert sorted(by_size) == [5, 6, 14]
    assert not (by_size[6] - by_size[14])  # every k=0 row is among the k=2 rows
    k2 = _manifest(swept, 2)
    labels = label(list(by_size[14].elements()), _rows(swept, k2))
    assert collections.Counter(lang for _, lang, _ in labels) == {"en": 6, "es": 2, "fr": 2, "ja": 2, "zh": 2}


def _recorder(folder: Path) -> Path:
    """A stand-in for the launchers' target that records its argv and working directory."""
    shim = folder / "record-axolotl"
    shim.write_text('#!/usr/bin/env bash\nprintf "%s\\n" "$PWD" "$@" >> "$RECORD"\n', encoding="utf-8")
    shim.chmod(0o755)
    return shim


def _run_slurm(script: Path, cwd: Path, record: Path, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["bash", str(script)],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        env={**run_env(), "AXOLOTL": str(_recorder(record.parent)), "RECORD": str(record), **env},
    )


def test_slurm_array_runs_the_point_of_its_task_id(swept, tmp_path):
    grid = swept / "grid"
    text = (grid / "slurm_array.sbatch").read_text(encoding="utf-8")
    assert "#SBATCH --array=0-1" in text
    for task_id, config in [(0, "base-k0.yaml"), (1, "base-k2.yaml")]:
        record = tmp_path / f"argv{task_id}"
        proc = _run_slurm(grid / "slurm_array.sbatch", tmp_path, record, SLURM_ARRAY_TASK_ID=str(task_id))
        assert proc.returncode == 0, proc.stderr
        assert record.read_text(encoding="utf-8").splitlines() == [str(grid), "train", config]


def test_sbatch_from_the_repository_root_finds_the_sweep_from_slurms_spool_copy(tiny_model, tmp_path):
    """`sbatch sweeps/x/slurm_array.sbatch` from the root: Slurm runs a copy from its spool folder
    with SLURM_SUBMIT_DIR set to the root, so the script cannot look beside itself."""
    root = tmp_path / "repo"
    base = write_config(root / "configs" / "base.yaml", tiny_model, root)
    assert clt("sweep", str(base), "--per-language", "0,2", "-o", "sweeps/x", cwd=root).returncode == 0
    spool = tmp_path / "spool" / "job42"
    spool.mkdir(parents=True)
    (spool / "slurm_script").write_bytes((root / "sweeps" / "x" / "slurm_array.sbatch").read_bytes())
    record = tmp_path / "argv"
    proc = _run_slurm(spool / "slurm_script", spool, record, SLURM_ARRAY_TASK_ID="1", SLURM_SUBMIT_DIR=str(root))
    assert proc.returncode == 0, proc.stderr
    assert record.read_text(encoding="utf-8").splitlines() == [str(root / "sweeps" / "x"), "train", "base-k2.yaml"]
    # Submitted from elsewhere with nothing to go on: a clear error, and axolotl never started.
    lost = _run_slurm(
        spool / "slurm_script", spool, tmp_path / "none", SLURM_ARRAY_TASK_ID="0", SLURM_SUBMIT_DIR=str(tmp_path)
    )
    assert lost.returncode == 2 and "cannot find the sweep folder" in lost.stderr and "SWEEP_DIR" in lost.stderr
    assert not (tmp_path / "none").exists()
    found = _run_slurm(
        spool / "slurm_script",
        spool,
        tmp_path / "set",
        SLURM_ARRAY_TASK_ID="0",
        SLURM_SUBMIT_DIR=str(tmp_path),
        SWEEP_DIR=str(root / "sweeps" / "x"),
    )
    assert found.returncode == 0, found.stderr
    unset = _run_slurm(root / "sweeps" / "x" / "slurm_array.sbatch", tmp_path, tmp_path / "unset")
    assert unset.returncode == 2 and "SLURM_ARRAY_TASK_ID is not set" in unset.stderr
    outside = _run_slurm(
        root / "sweeps" / "x" / "slurm_array.sbatch", tmp_path, tmp_path / "out", SLURM_ARRAY_TASK_ID="2"
    )
    assert outside.returncode == 2 and "SLURM_ARRAY_TASK_ID=2 is outside 0..1" in outside.stderr


def test_sequential_launcher_runs_every_point_from_any_directory(swept, tmp_path):
    record = tmp_path / "argv"
    proc = subprocess.run(
        ["bash", str(swept / "grid" / "run_all.sh"), "--launcher", "python"],
        cwd=tmp_path,
        env={**run_env(), "AXOLOTL": str(_recorder(tmp_path)), "RECORD": str(record)},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    grid = str(swept / "grid")
    assert record.read_text(encoding="utf-8").splitlines() == [
        grid,
        "train",
        "base-k0.yaml",
        "--launcher",
        "python",
        grid,
        "train",
        "base-k2.yaml",
        "--launcher",
        "python",
    ]


def test_sweep_is_deterministic(swept):
    again = clt("sweep", str(swept / "base.yaml"), "--per-language", "0,2", "-o", str(swept / "grid-again"))
    assert again.returncode == 0, again.stderr
    names = sorted(f.name for f in (swept / "grid").iterdir())
    assert names == sorted(f.name for f in (swept / "grid-again").iterdir())
    for name in names:
        assert (swept / "grid-again" / name).read_bytes() == (swept / "grid" / name).read_bytes(), name


@pytest.mark.parametrize(
    "grid, message",
    [
        ("0,-5", "--per-language: -5 is negative"),
        ("0,a", "--per-language: 'a' is not an integer"),
        ("100,100", "--per-language: 100 is listed twice"),
    ],
)
def test_bad_grid_is_refused_and_nothing_written(tmp_path, grid, message):
    base = tmp_path / "base.yaml"
    _tiny_base(base)
    proc = clt("sweep", str(base), "--per-language", grid, "-o", str(tmp_path / "grid"))
    assert proc.returncode == 2 and message in proc.stderr
    assert not (tmp_path / "grid").exists()


def test_base_without_plugin_line_is_refused(tmp_path):
    cfg = yaml.safe_load(
        (Path(__file__).resolve().parents[1] / "axolotl_configs" / "tiny-cpu" / "math.yaml").read_text()
    )
    del cfg["plugins"]
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(cfg), encoding="utf-8")
    proc = clt("sweep", str(tmp_path / "base.yaml"), "--per-language", "0,2", "-o", str(tmp_path / "grid"))
    assert proc.returncode == 2 and "is missing" in proc.stderr
    assert not (tmp_path / "grid").exists()


def test_paper_grid_names():
    from clt_plugin.axolotl.sweep import parse_grid

    assert parse_grid("paper-single") == [0, 100, 200, 400, 800, 1000, 2000, 5000]
    # the 16 columns of the paper's multi-task tables (Tables 8/9, 15/16, 22/23)
    assert parse_grid("paper-multi") == [0, 100, *range(500, 7001, 500)] and len(parse_grid("paper-multi")) == 16


def test_one_definition_of_each_named_grid():
    """clt sweep, clt mix --grid and the shipped config headers read the same lists."""
    from clt_plugin.axolotl.shipped import render_all
    from clt_plugin.axolotl.sweep import parse_grid
    from clt_plugin.mixture.grid import K_GRIDS, grid_points

    for name, ks in K_GRIDS.items():
        assert parse_grid(name) == [c["per_language"] for _, c in grid_points(name)] == list(ks)
    configs = render_all()
    multi = configs["aya-23-8b/multitask.yaml"]
    assert (
        "# Grid (paper-multi): clt sweep THIS.yaml -o DIR   (k = 0, 100, 500, 1000, 1500, 2000, 2500, 3000, 3500, "
        "4000, 4500, 5000, 5500, 6000, 6500, 7000)" in multi
    )
    assert (
        "# Grid (paper-single): clt sweep THIS.yaml -o DIR   (k = 0, 100, 200, 400, 800, 1000, 2000, 5000)"
        in configs["llama-3.1-8b/math.yaml"]
    )
    assert (
        "# Grid (paper-script): clt sweep THIS.yaml -o DIR   (latin (es, fr) and non-latin (ja, zh), each at "
        "k = 0, 100, 200, 400, 800, 1000, 2000, 5000)" in configs["aya-23-8b/script-summarization.yaml"]
    )


def test_base_with_a_spec_file_gets_inline_specs_whose_sources_still_resolve(tmp_path):
    from clt_plugin.axolotl.sweep import plan

    tiny = Path(__file__).resolve().parents[1] / "axolotl_configs" / "tiny-cpu"
    cfg = yaml.safe_load((tiny / "math.yaml").read_text(encoding="utf-8"))
    spec = cfg.pop("clt_mixture")
    spec["tasks"]["math"]["source"]["path"] = str(tiny / "data" / "math_{lang}.jsonl")
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "mix.yaml").write_text(yaml.safe_dump(spec), encoding="utf-8")
    cfg["clt_mixture"] = "specs/mix.yaml"
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    files = plan(tmp_path / "base.yaml", [0, 1000], tmp_path / "grid")["files"]
    assert sorted(files) == ["base-k0000.yaml", "base-k1000.yaml", "run_all.sh", "slurm_array.sbatch", "sweep.json"]
    point = yaml.safe_load(files["base-k1000.yaml"])
    assert point["clt_mixture"]["tasks"]["math"]["per_language"] == 1000
    assert point["clt_mixture"]["seed"] == spec["seed"]
    assert point["clt_base_dir"] == "../specs"  # relative source paths mean what they meant beside the spec
    assert point["output_dir"] == "./outputs/tiny-cpu-math/k1000"


def test_resweeping_updates_a_grid_in_place_and_keeps_run_outputs(tmp_path):
    base = tmp_path / "base.yaml"
    _tiny_base(base)
    assert clt("sweep", str(base), "--per-language", "0,2,4", "-o", str(tmp_path / "grid")).returncode == 0
    (tmp_path / "grid" / "outputs").mkdir()
    (tmp_path / "grid" / "outputs" / "model.bin").write_text("trained", encoding="utf-8")
    again = clt("sweep", str(base), "--per-language", "0,2", "-o", str(tmp_path / "grid"))
    assert again.returncode == 0, again.stderr
    assert (tmp_path / "grid" / "outputs" / "model.bin").read_text(encoding="utf-8") == "trained"
    assert sorted(p.name for p in (tmp_path / "grid").glob("*.yaml")) == ["base-k0.yaml", "base-k2.yaml"]
    assert json.loads((tmp_path / "grid" / "sweep.json").read_text(encoding="utf-8"))["per_language"] == [0, 2]
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine", encoding="utf-8")
    refused = clt("sweep", str(base), "--per-language", "0,2", "-o", str(tmp_path / "other"))
    assert refused.returncode == 2 and "was not written by `clt sweep`" in refused.stderr
