"""The size check that runs before GPU time: which grid points ask for more rows than a source holds."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from clt_plugin.axolotl.config_check import check_config, size_problems
from clt_plugin.axolotl.resolve import resolve
from clt_plugin.errors import CLTError
from clt_plugin.mixture import load_spec
from clt_plugin.sources.config import SourceConfig
from clt_plugin.sources.sizes import DOCUMENTED, availability, describe, grid_shortages

ROWS = {"en": 6, "es": 3, "fr": 5, "ja": 2}


def _data(root: Path) -> Path:
    for lang, n in ROWS.items():
        rows = [{"id": f"{lang}{i}", "prompt": f"p{i}", "response": f"r{i}"} for i in range(n)]
        (root / f"qa_{lang}.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    return root


def _spec(root: Path, english: int = 4, k: int = 2, on_shortage: str = "error") -> dict:
    return {
        "seed": 1,
        "on_shortage": on_shortage,
        "tasks": {
            "qa": {
                "source": {"path": str(root / "qa_{lang}.jsonl")},
                "english": english,
                "per_language": k,
                "languages": ["es", "fr", "ja"],
            }
        },
    }


def test_local_files_are_counted_per_language(tmp_path):
    cfg = SourceConfig(path=str(_data(tmp_path) / "qa_{lang}.jsonl"))
    got = availability(cfg, ["en", "es", "fr", "ja"])
    assert got.counts == ROWS and got.basis == "counted"


def test_grid_shortages_name_each_point_task_and_language(tmp_path):
    spec = load_spec(_spec(_data(tmp_path)))
    points = [("k1", {"per_language": 1}), ("k3", {"per_language": 3}), ("k5", {"per_language": 5})]
    short = grid_shortages(spec, points)
    assert [(s["point"], s["lang"], s["asked"], s["holds"]) for s in short] == [
        ("k3", "ja", 3, 2),
        ("k5", "es", 5, 3),
        ("k5", "ja", 5, 2),
    ]
    label = str(tmp_path / "qa_{lang}.jsonl")
    assert describe(short) == [
        f"task qa: {label} holds 2 rows of ja (counted), fewer than k3 (3), k5 (5) ask for",
        f"task qa: {label} holds 3 rows of es (counted), fewer than k5 (5) ask for",
    ]


def test_points_that_do_not_fit_the_spec_are_skipped(tmp_path):
    spec = _spec(_data(tmp_path), english=9, k=1)
    spec["mode"] = "replace"  # 3 languages x k come out of the 9 English rows: k=4 is no point of this grid
    points = [("k1", {"per_language": 1}), ("k3", {"per_language": 3}), ("k4", {"per_language": 4})]
    short = grid_shortages(load_spec(spec), points)
    assert [(s["point"], s["lang"], s["asked"], s["holds"]) for s in short] == [("k3", "ja", 3, 2)]


def test_validation_rows_count_toward_what_a_point_asks_for(tmp_path):
    spec = _spec(_data(tmp_path), english=4, k=1)
    spec["tasks"]["qa"]["validation"] = 2  # held out in every language, English included: en asks 4 + 2 = 6
    short = grid_shortages(load_spec(spec), [("k1", {"per_language": 1}), ("k2", {"per_language": 2})])
    assert [(s["point"], s["lang"], s["asked"], s["holds"]) for s in short] == [
        ("k1", "ja", 3, 2),
        ("k2", "es", 4, 3),
        ("k2", "ja", 4, 2),
    ]


def test_english_rows_are_checked_too(tmp_path):
    spec = load_spec(_spec(_data(tmp_path), english=7, k=0))
    assert [(s["lang"], s["asked"], s["holds"]) for s in grid_shortages(spec, [("own", {})])] == [("en", 7, 6)]


def test_hub_sources_use_documented_sizes_when_the_hub_is_online(monkeypatch):
    for var in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        monkeypatch.delenv(var, raising=False)
    got = availability(SourceConfig(dataset="aya"), ["en", "fr", "ja"])
    assert got.counts == {"en": 3_900, "fr": 1_400}  # ja: no published figure, so not checked
    spec = load_spec(
        {
            "seed": 1,
            "tasks": {
                "instruction": {
                    "source": {"dataset": "aya"},
                    "english": 10_000,
                    "per_language": 1000,
                    "languages": ["fr", "ja"],
                }
            },
        }
    )
    short = grid_shortages(spec, [("own", {})])
    assert [(s["lang"], s["asked"], s["holds"]) for s in short] == [("en", 10_000, 3_900)]
    bactrian = availability(SourceConfig(dataset="bactrian"), ["en", "es", "fr", "ja", "zh"])
    assert bactrian.counts == {lang: 67_000 for lang in ("en", "es", "fr", "ja", "zh")}
    wildchat = availability(SourceConfig(dataset="wildchat"), ["en", "es", "fr", "ja", "zh"])
    assert wildchat.counts == {"en": 400_000, "zh": 100_000}  # es, fr, ja: no published figure
    assert set(DOCUMENTED) == {
        "MBZUAI/Bactrian-X",
        "csebuetnlp/xlsum",
        "laihuiyuan/mCoT-MATH",
        "CohereForAI/aya_dataset",
        "allenai/WildChat-1M",
    }


def _config(tmp_path: Path, grid: str | None = None, **spec_kw) -> Path:
    path = tmp_path / "config.yaml"
    # decontaminate against a local data_dir: no warning that it is off, or that the hub is offline
    cfg = {
        "base_model": "m",
        "plugins": ["clt_plugin.axolotl.CLTPlugin"],
        "clt_mixture": {**_spec(_data(tmp_path), **spec_kw), "decontaminate": {"data_dir": str(tmp_path)}},
        **({"clt_grid": grid} if grid else {}),
    }
    path.write_text(yaml.safe_dump(cfg), encoding="utf-8")
    return path


def test_check_config_refuses_only_when_its_own_mixture_cannot_be_built(tmp_path):
    with pytest.raises(
        CLTError,
        match=r"task qa: .* holds 3 rows of es \(counted\), fewer than this config \(4\) "
        r"ask for; on_shortage: error stops the build",
    ):
        check_config(_config(tmp_path, k=4), grid="none")
    notes: list[str] = []
    check_config(_config(tmp_path, k=4, on_shortage="cap"), grid="none", notes=notes)
    assert len(notes) == 2 and all(n.endswith("(on_shortage: cap takes what there is)") for n in notes)
    notes = []
    check_config(_config(tmp_path, "paper-single", k=2), notes=notes)  # buildable; its paper-single grid is not
    assert len(notes) == 3 and all("fewer than k0100 (100), k0200 (200)" in n for n in notes)
    assert "this config" not in " ".join(notes)


def test_a_grid_is_checked_only_when_the_config_or_the_command_asks_for_it(tmp_path):
    """A config that is no grid's base (tiny-cpu, the demo's) gets no warning about paper-grid points."""
    notes: list[str] = []
    check_config(_config(tmp_path, k=2), notes=notes)
    assert notes == []
    check_config(_config(tmp_path, k=2), grid="paper-multi", notes=notes)
    assert len(notes) == 3 and all("fewer than k0100 (100), k0500 (500)" in n for n in notes)
    notes = []
    check_config(_config(tmp_path, "paper-single", k=2), grid="none", notes=notes)
    assert notes == []
    with pytest.raises(CLTError, match=r"clt_grid: 'paper-singel' is not a grid .* \(did you mean 'paper-single'\?\)"):
        check_config(_config(tmp_path, "paper-singel", k=2))


def test_size_problems_reports_an_unreadable_local_source(tmp_path):
    cfg = {
        "clt_mixture": {
            "seed": 1,
            "tasks": {
                "qa": {"source": {"path": str(tmp_path / "missing_{lang}.jsonl")}, "english": 1, "languages": ["es"]}
            },
        }
    }
    errors, notes = size_problems(resolve(cfg, tmp_path), "none")
    assert len(errors) == 1 and "missing_en.jsonl" in errors[0] and notes == []


def test_clt_check_config_prints_grid_warnings_and_exits_0(tmp_path):
    config = _config(tmp_path, "paper-multi", k=2)
    proc = subprocess.run(
        [sys.executable, "-m", "clt_plugin.cli", "check-config", str(config), "--grid", "paper-single"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    assert lines[-2] == f"{config}: ok (clt_mixture is read by the clt plugin)"
    assert lines[-1].startswith(f"{config}: decontamination: on: rows whose 8-word") and str(tmp_path) in lines[-1]
    assert [l.split(": warning: ")[1].split(" holds ")[1].split(" (counted)")[0] for l in lines[:-2]] == [
        "3 rows of es",
        "5 rows of fr",
        "2 rows of ja",
    ]
    bad = _config(tmp_path, k=4)
    proc = subprocess.run(
        [sys.executable, "-m", "clt_plugin.cli", "check-config", str(bad), "--grid", "none"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 2 and "holds 2 rows of ja (counted), fewer than this config (4)" in proc.stderr
