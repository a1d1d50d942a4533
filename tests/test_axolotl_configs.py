"""Shipped axolotl configs: in sync with their generator, accepted by axolotl's own validation;
configs that would lose the clt settings fail loudly."""

from __future__ import annotations

import os

import pytest
import yaml
from axolotl_helpers import REPO, axolotl, clt, validate_like_axolotl, write_config, write_zero3

CONFIGS = REPO / "axolotl_configs"
SHIPPED = sorted(p for p in CONFIGS.glob("*/*.yaml"))

os.environ.setdefault("AXOLOTL_DO_NOT_TRACK", "1")


def test_generated_configs_match_their_generator():
    from clt_plugin.axolotl.shipped import render_all

    rendered = render_all()
    generated_dirs = {rel.split("/")[0] for rel in rendered}
    on_disk = {str(p.relative_to(CONFIGS)) for p in SHIPPED if p.parent.name in generated_dirs}
    assert on_disk == set(rendered), "run `python -m clt_plugin.axolotl.shipped` to regenerate axolotl_configs/"
    for rel, text in rendered.items():
        assert (CONFIGS / rel).read_text(encoding="utf-8") == text, f"{rel} differs from its generator"


def test_checked_in_grids_are_what_clt_sweep_writes():
    from clt_plugin.axolotl.shipped import render_grids

    grids = render_grids(CONFIGS)
    assert grids, "no checked-in grid"
    for out, files in grids.items():
        on_disk = {p.name: p.read_text(encoding="utf-8") for p in (CONFIGS / out).iterdir()}
        assert on_disk == files, f"{out} differs from `clt sweep`; run `python -m clt_plugin.axolotl.shipped`"


@pytest.mark.parametrize("path", SHIPPED, ids=[str(p.relative_to(CONFIGS)) for p in SHIPPED])
def test_shipped_config_passes_axolotl_validation(path, tiny_model, tmp_path, monkeypatch):
    write_zero3(tmp_path)  # ZeRO-3 configs read deepspeed_configs/ from where axolotl starts
    monkeypatch.chdir(tmp_path)
    cfg = validate_like_axolotl(path, tiny_model, tmp_path)
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert cfg["clt_mixture"] == raw["clt_mixture"]
    assert "clt_plugin.axolotl.CLTPlugin" in cfg["plugins"]
    (entry,) = cfg["datasets"]
    assert entry["path"] == "clt_mixture" and entry["type"] == "chat_template"
    assert entry["chat_template"] == raw.get("chat_template", "tokenizer_default")
    if path.parent.name != "tiny-cpu":
        # One process here: the plugin derived accumulation 32 for the global batch of 64.
        assert (cfg["clt_global_batch_size"], cfg["micro_batch_size"], cfg["gradient_accumulation_steps"]) == (
            64,
            2,
            32,
        )
        assert "val_set_size" not in raw and cfg["val_set_size"] in (0, 0.0, None)
        tasks = raw["clt_mixture"]["tasks"].values()
        assert {t["validation"] for t in tasks} == {50}
        (held,) = cfg["test_datasets"]  # the held-out rows, pointed at when the mixture is built
        assert held["path"] == "clt_validation" and held["type"] == "chat_template"
        assert cfg["learning_rate"] == 1e-5 and cfg["lr_scheduler"] == "constant"
        assert cfg["eval_steps"] == cfg["save_steps"] == 50
        assert cfg["metric_for_best_model"] == "eval_loss" and cfg["load_best_model_at_end"] is True
        assert cfg["adapter"] is None  # full fine-tuning
    else:
        assert cfg["bf16"] is False and cfg["fp16"] is False and not cfg["flash_attention"]


def test_a_missing_deepspeed_config_is_named_with_the_fix(tiny_model, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(
        ValueError,
        match=r"^deepspeed: deepspeed_configs/zero3_bf16.json not found from .* run "
        r"`axolotl fetch deepspeed_configs` in this folder first$",
    ):
        validate_like_axolotl(CONFIGS / "llama-3.1-8b" / "math.yaml", tiny_model, tmp_path)


def test_datasets_beside_clt_mixture_is_rejected(tiny_model, tmp_path):
    with pytest.raises(Exception, match=r"clt_mixture: cannot be combined with `datasets:`"):
        validate_like_axolotl(
            CONFIGS / "tiny-cpu" / "math.yaml",
            tiny_model,
            tmp_path,
            datasets=[{"path": "other.jsonl", "ds_type": "json", "type": "chat_template"}],
        )


def test_misspelled_clt_key_is_rejected_by_the_plugin(tiny_model, tmp_path):
    with pytest.raises(ValueError, match=r"clt_evall: unknown clt key.*did you mean 'clt_eval'"):
        validate_like_axolotl(CONFIGS / "tiny-cpu" / "math.yaml", tiny_model, tmp_path, clt_evall={"tasks": ["x"]})


def test_bad_clt_mixture_fails_axolotl_with_its_field_path(tiny_model, tmp_path):
    spec = yaml.safe_load((CONFIGS / "tiny-cpu" / "math.yaml").read_text(encoding="utf-8"))["clt_mixture"]
    spec["tasks"]["math"]["languages"] = ["es", "xx"]
    config = write_config(tmp_path / "bad.yaml", tiny_model, tmp_path, clt_mixture=spec)
    proc = axolotl("preprocess", config, tmp_path / "bad.log")
    assert proc.returncode != 0
    assert "clt_mixture.tasks.math.languages[1]" in proc.stdout + proc.stderr
    assert "'xx'" in proc.stdout + proc.stderr
    assert not (tmp_path / "prepared").exists()  # nothing prepared, nothing written


def _config_text(**changes) -> str:
    cfg = yaml.safe_load((CONFIGS / "tiny-cpu" / "math.yaml").read_text(encoding="utf-8"))
    for key, value in changes.items():
        if value is None:
            cfg.pop(key)
        else:
            cfg[key] = value
    return yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True)


def test_check_config_catches_a_missing_plugin_line(tmp_path):
    (tmp_path / "no-plugin.yaml").write_text(_config_text(plugins=None), encoding="utf-8")
    proc = clt("check-config", str(tmp_path / "no-plugin.yaml"), cwd=CONFIGS / "tiny-cpu")
    assert proc.returncode == 2
    assert "plugins: 'clt_plugin.axolotl.CLTPlugin' is missing; axolotl would ignore clt_mixture" in proc.stderr


def test_check_config_catches_a_misspelled_plugin_line(tmp_path):
    (tmp_path / "typo.yaml").write_text(_config_text(plugins=["clt_plugin.axolotl.CltPlugin"]), encoding="utf-8")
    proc = clt("check-config", str(tmp_path / "typo.yaml"))
    assert proc.returncode == 2
    assert "'clt_plugin.axolotl.CltPlugin' is not 'clt_plugin.axolotl.CLTPlugin'" in proc.stderr


def test_check_config_catches_a_misspelled_key_and_a_bad_spec(tmp_path):
    text = _config_text().replace("clt_mixture:", "clt_mixtures:")
    (tmp_path / "key.yaml").write_text(text, encoding="utf-8")
    spec = yaml.safe_load(_config_text())["clt_mixture"]
    spec["tasks"]["math"]["per_language"] = -1
    (tmp_path / "spec.yaml").write_text(_config_text(clt_mixture=spec), encoding="utf-8")
    proc = clt("check-config", str(tmp_path / "key.yaml"), str(tmp_path / "spec.yaml"))
    assert proc.returncode == 2
    assert "clt_mixtures: unknown clt key, axolotl would ignore it (did you mean 'clt_mixture'?)" in proc.stderr
    assert "clt_mixture.tasks.math.per_language" in proc.stderr


def test_check_config_passes_every_shipped_config():
    proc = clt("check-config", *map(str, SHIPPED))
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count(": ok (clt_mixture is read by the clt plugin)") == len(SHIPPED)


def test_the_train_extra_carries_what_the_shipped_configs_name():
    """`pip install 'clt-plugin[train]'` brings DeepSpeed (the ZeRO-3 configs) in axolotl's pinned range."""
    import importlib.metadata as md

    from packaging.requirements import Requirement

    train = [Requirement(r) for r in md.metadata("clt-plugin").get_all("Requires-Dist") if 'extra == "train"' in r]
    axolotl_req = next(r for r in train if r.name == "axolotl")
    assert "deepspeed" in axolotl_req.extras
    pins = [Requirement(r) for r in md.metadata("axolotl").get_all("Requires-Dist") if 'extra == "deepspeed"' in r]
    deepspeed_pin = next(r for r in pins if r.name == "deepspeed")
    assert deepspeed_pin.specifier.contains(md.version("deepspeed"))
    named = {yaml.safe_load(p.read_text(encoding="utf-8")).get("deepspeed") for p in SHIPPED} - {None}
    assert named == {"deepspeed_configs/zero3_bf16.json"}
