"""`clt sweep --seeds`: each grid point once per seed, the seed both axolotl's and the mixture's."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from clt_plugin.axolotl.sweep import parse_seeds, plan
from clt_plugin.cli import main
from clt_plugin.errors import CLTError

TINY = Path(__file__).resolve().parents[1] / "axolotl_configs" / "tiny-cpu"


def _base(tmp_path: Path) -> Path:
    cfg = yaml.safe_load((TINY / "math.yaml").read_text(encoding="utf-8"))
    cfg["clt_mixture"]["tasks"]["math"]["source"]["path"] = str(TINY / "data" / "math_{lang}.jsonl")
    base = tmp_path / "base.yaml"
    base.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return base


def test_each_point_once_per_seed(tmp_path):
    p = plan(_base(tmp_path), [0, 100], tmp_path / "grid", seeds=[1, 2])
    names = sorted(n for n in p["files"] if n.endswith(".yaml"))
    assert names == ["base-k000-s1.yaml", "base-k000-s2.yaml", "base-k100-s1.yaml", "base-k100-s2.yaml"]
    point = yaml.safe_load(p["files"]["base-k100-s2.yaml"])
    assert point["seed"] == 2 and point["clt_mixture"]["seed"] == 2
    assert point["clt_mixture"]["tasks"]["math"]["per_language"] == 100
    assert point["output_dir"].endswith("/k100-s2")
    assert p["manifest"]["seeds"] == [1, 2]
    assert [(q["per_language"], q["seed"]) for q in p["manifest"]["points"]] == [(0, 1), (0, 2), (100, 1), (100, 2)]
    # Two seeds of one point differ only in their seeds.
    a, b = (yaml.safe_load(p["files"][f"base-k100-s{s}.yaml"]) for s in (1, 2))
    for cfg in (a, b):
        cfg.pop("seed"), cfg["clt_mixture"].pop("seed"), cfg.pop("output_dir"), cfg.pop("wandb_name", None)
    assert a == b
    assert "seeds" not in plan(_base(tmp_path), [0], tmp_path / "g2")["manifest"]


@pytest.mark.parametrize(
    "text, message", [("1,x", "'x' is not an integer"), ("1,1", "1 is listed twice"), ("-1", "-1 is negative")]
)
def test_bad_seeds(text, message, tmp_path, capsys):
    with pytest.raises(CLTError, match=message):
        parse_seeds(text)
    assert main(["sweep", str(_base(tmp_path)), "--per-language", "0", "--seeds", text, "-o", str(tmp_path / "g")]) == 2
    assert message in capsys.readouterr().err and not (tmp_path / "g").exists()
