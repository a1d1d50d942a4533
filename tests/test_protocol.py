"""docs/protocol.md is where the shipped configs' values come from: its table and the configs
must agree both ways, and its checkpoint arithmetic must be what `clt sweep` computes."""

from __future__ import annotations

import re
from typing import Any

import pytest
import yaml
from axolotl_helpers import REPO

from clt_plugin.axolotl.shipped import render_all
from clt_plugin.axolotl.sweep import plan
from clt_plugin.mixture.grid import GRIDS

DOC = REPO / "docs" / "protocol.md"
# Where and on what hardware a config runs, not what the protocol trains: not in the table.
DEPLOYMENT = {
    "base_model",
    "chat_template",
    "plugins",
    "output_dir",
    "dataset_prepared_path",
    "deepspeed",
    "fsdp_version",
    "fsdp_config",
    "micro_batch_size",
    "flash_attention",
    "gradient_checkpointing",
    "logging_steps",
}
CONFIGS = {rel: yaml.safe_load(text) for rel, text in render_all().items()}


def _section(title: str) -> str:
    text = DOC.read_text(encoding="utf-8")
    return text.split(f"## {title}", 1)[1].split("\n## ", 1)[0]


def _table(section: str) -> list[list[str]]:
    rows = [line for line in section.splitlines() if line.startswith("|") and not line.startswith("|---")]
    return [[cell.strip() for cell in row.strip().strip("|").split("|")] for row in rows]


def protocol() -> dict[str, Any]:
    """{dotted path: value} from the table's last column."""
    header, *rows = _table(_section("What it leaves open"))
    assert header[-1] == "in the configs"
    out: dict[str, Any] = {}
    for row in rows:
        assert len(row) == len(header), row
        if not row[-1]:
            continue
        found = re.fullmatch(r"`(\{.*\})`", row[-1])
        assert found, f"not a YAML mapping in backticks: {row[-1]}"
        for path, value in yaml.safe_load(found.group(1)).items():
            assert path not in out, f"{path} is in the table twice"
            out[path] = value
    return out


def _leaves(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict) and value:
        out = {}
        for key, item in value.items():
            out.update(_leaves(item, f"{prefix}{key}."))
        return out
    return {prefix[:-1]: value}


def _matches(pattern: str, path: str) -> bool:
    a, b = pattern.split("."), path.split(".")
    return len(a) == len(b) and all(x in ("*", y) for x, y in zip(a, b))


def _expected(value: Any, cfg: dict[str, Any]) -> Any:
    if isinstance(value, dict) and value and set(value) <= set(GRIDS):
        return value[cfg["clt_grid"]]
    return value


def test_the_table_parses_and_says_what_the_paper_left_open():
    table = protocol()
    assert table["learning_rate"] == 1e-5 and table["clt_global_batch_size"] == 64
    settings = {row[0] for row in _table(_section("What it leaves open"))[1:]}
    for open_question in (
        "epochs",
        "sequence length",
        "warm-up",
        "validation set",
        "optimizer",
        "chain-of-thought exemplars (MGSM 8-shot)",
        "ROUGE variant",
        "judge",
    ):
        assert open_question in settings


@pytest.mark.parametrize("rel", sorted(CONFIGS))
def test_every_shipped_value_is_the_tables(rel):
    cfg = CONFIGS[rel]
    table = protocol()
    leaves = _leaves(cfg)
    for pattern, value in table.items():
        hits = [path for path in leaves if _matches(pattern, path)]
        if not hits:
            # a task the config does not train, or a key whose absence is the value (adapter: null)
            assert "*" in pattern or pattern.startswith("clt_mixture.tasks.") or value is None, (rel, pattern)
            continue
        for path in hits:
            assert leaves[path] == _expected(value, cfg), (
                f"{rel}: {path} = {leaves[path]!r}, docs/protocol.md says {value!r}"
            )
    for path in leaves:
        if path.split(".")[0] not in DEPLOYMENT:
            assert any(_matches(p, path) for p in table), f"{rel}: {path} is set but docs/protocol.md does not list it"


def _with_eval(rel: str, tmp_path) -> Any:
    path = tmp_path / rel.replace("/", "-")
    cfg = dict(CONFIGS[rel], clt_eval={"tasks": ["mgsm"], "languages": ["en"]})
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


def test_the_checkpoint_table_is_what_clt_sweep_computes(tmp_path):
    header, *rows = _table(_section("Table 2").split("**Disk.**")[0])
    assert header == ["grid", "training rows at k", "checkpoints per run", "per grid"]
    bases = {"paper-single": "aya-23-8b/math.yaml", "paper-multi": "aya-23-8b/multitask.yaml"}
    bases["paper-script"] = "aya-23-8b/script-math.yaml"
    for grid, _, per_run, per_grid in rows:
        points = plan(_with_eval(bases[grid], tmp_path), None, tmp_path / grid, eval_checkpoints=True)["manifest"]
        counts = [p["checkpoints"] for p in points["points"]]
        first_set = counts[: len(points["per_language"])]
        assert per_run == ", ".join(map(str, first_set)), grid
        assert counts == first_set * (len(counts) // len(first_set))
        assert per_grid.split(" = ")[-1] == str(sum(counts)), grid
