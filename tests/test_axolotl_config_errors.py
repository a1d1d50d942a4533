"""Config errors that used to surface only after training (issue 21): each is refused by
`clt check-config` and by the plugin when axolotl registers it, before any data or GPU time."""

from __future__ import annotations

import pytest
import yaml
from axolotl_helpers import TINY_CPU, validate_like_axolotl

from clt_plugin.axolotl.args import CLTEvalArgs
from clt_plugin.axolotl.sweep import parse_seeds
from clt_plugin.cli import main
from clt_plugin.errors import CLTError
from clt_plugin.mixture import load_spec


def _write(tmp_path, name="bad.yaml", spec_changes=None, **changes):
    cfg = yaml.safe_load((TINY_CPU / "math.yaml").read_text(encoding="utf-8"))
    cfg["clt_base_dir"] = str(TINY_CPU)
    cfg["clt_mixture"]["tasks"]["math"].update(spec_changes or {})
    cfg.update(changes)
    path = tmp_path / name
    path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


# (config changes, the line check-config prints and the plugin raises)
CASES = {
    "model_args names another model": (
        {"clt_eval": {"tasks": ["mgsm"], "languages": ["es"], "model_args": {"pretrained": "/other"}}},
        "clt_eval.model_args: pretrained: chooses which model lm_eval scores; clt_eval always scores the "
        "model this run trains (output_dir), so remove it",
    ),
    "a second pretrained= smuggled in a value": (
        {"clt_eval": {"tasks": ["mgsm"], "languages": ["es"], "model_args": {"dtype": "bfloat16,pretrained=/other"}}},
        "clt_eval.model_args: dtype: 'bfloat16,pretrained=/other' contains ',' or '=', which lm_eval's "
        "key=value,... list cannot carry",
    ),
    "a misspelled task family": (
        {"clt_eval": {"tasks": ["mgsmm"], "languages": ["es", "ja"]}},
        "clt_eval.tasks: 'mgsmm' is no clt task family (did you mean 'mgsm'?)",
    ),
    "a language the family has no task in": (
        {"clt_eval": {"tasks": ["mgsm", "xlsum"], "languages": ["es", "it"]}},
        "clt_eval.languages: the 'mgsm' family has no task in it (clt_mgsm_it)",
    ),
    "a misspelled task name": (
        {"clt_eval": {"tasks": ["clt_mgsm_es", "clt_mgsm_ess"]}},
        "clt_eval.tasks: 'clt_mgsm_ess' is no task or group lm_eval knows here (did you mean 'clt_mgsm_es'?)",
    ),
    "a seed numpy cannot take": (
        {"seed": 2**80},
        "seed: 1208925819614629174706176 is not an integer from 0 to 4294967295 (what transformers.set_seed accepts)",
    ),
    "rows per language with no language": (
        {"spec_changes": {"languages": [], "per_language": 2}},
        "clt_mixture.tasks.math: per_language: 2 rows per language, but `languages` is empty; name the "
        "languages to add (or set per_language: 0 for English only)",
    ),
    "a mixture seed numpy cannot take": (
        {"clt_mixture_seed": 2**80},
        "clt_mixture.seed: Input should be less than or equal to 4294967295 (got 1208925819614629174706176)",
    ),
}


def _config(tmp_path, changes):
    changes = dict(changes)
    seed = changes.pop("clt_mixture_seed", None)
    path = _write(tmp_path, **changes)
    if seed is not None:
        cfg = yaml.safe_load(path.read_text(encoding="utf-8"))
        cfg["clt_mixture"]["seed"] = seed
        path.write_text(yaml.safe_dump(cfg, sort_keys=False), encoding="utf-8")
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_check_config_refuses_it(case, tmp_path, capsys):
    changes, message = CASES[case]
    assert main(["check-config", str(_config(tmp_path, changes))]) == 2
    err = capsys.readouterr().err
    assert f"\n  {message}" in err


@pytest.mark.parametrize("case", list(CASES))
def test_the_plugin_refuses_it_when_axolotl_registers_it(case, tmp_path, tiny_model):
    changes, message = CASES[case]
    path = _config(tmp_path, changes)
    with pytest.raises(ValueError) as e:
        validate_like_axolotl(path, tiny_model, tmp_path)
    assert message in str(e.value)
    assert not (tmp_path / "out").exists()


def test_what_still_passes(tmp_path, capsys):
    """The checks refuse only what is wrong: known families in their languages, a task folder of
    one's own, plain model_args, the largest seed."""
    tasks = tmp_path / "mine"
    tasks.mkdir()
    (tasks / "my_task.yaml").write_text(
        "task: my_task\ndataset_path: json\noutput_type: generate_until\ndoc_to_text: x\ndoc_to_target: y\n",
        encoding="utf-8",
    )
    ok = {
        "clt_eval": {
            "tasks": ["mgsm", "xlsum", "dolly"],
            "languages": ["en", "es", "fr", "ja", "zh", "ar", "ko", "pt"],
            "model_args": {"dtype": "bfloat16", "max_length": 4096, "trust_remote_code": True},
            "gen_kwargs": {"max_gen_toks": 512},
        },
        "seed": 2**32 - 1,
    }
    assert main(["check-config", str(_write(tmp_path, "ok.yaml", **ok))]) == 0
    mine = {"clt_eval": {"tasks": ["my_task", "clt_mgsm"], "include_paths": [str(tasks)]}}
    assert main(["check-config", str(_write(tmp_path, "mine.yaml", **mine))]) == 0
    assert capsys.readouterr().out.count(": ok (clt_mixture is read by the clt plugin)") == 2


@pytest.mark.parametrize("key", ["pretrained", "peft", "lora_local_path", "delta"])
def test_no_model_args_key_can_choose_the_model(key):
    with pytest.raises(ValueError, match=f"model_args\n.*{key}: chooses which model lm_eval scores"):
        CLTEvalArgs(tasks=["mgsm"], model_args={key: "/other"})


@pytest.mark.parametrize("value", ["a,b", "a=b", "=", ","])
def test_no_key_value_list_can_be_smuggled(value):
    for field in ("model_args", "gen_kwargs"):
        with pytest.raises(ValueError, match="contains ',' or '='"):
            CLTEvalArgs(tasks=["mgsm"], **{field: {"until": value}})
        with pytest.raises(ValueError, match="contains ',' or '='"):
            CLTEvalArgs(tasks=["mgsm"], **{field: {value: 1}})
    with pytest.raises(ValueError, match="must be a string, number or boolean"):
        CLTEvalArgs(tasks=["mgsm"], gen_kwargs={"until": ["a", "b"]})


def test_seed_bounds_are_numpys():
    spec = {"tasks": {"m": {"source": {"path": "m_{lang}.jsonl"}}}}
    assert load_spec({**spec, "seed": 2**32 - 1}).seed == 2**32 - 1
    for seed in (2**32, -1):
        with pytest.raises(CLTError, match="clt_mixture.seed"):
            load_spec({**spec, "seed": seed})
    assert parse_seeds(f"0,{2**32 - 1}") == [0, 2**32 - 1]
    with pytest.raises(CLTError, match=f"--seeds: {2**80} is outside 0..4294967295"):
        parse_seeds(f"1,{2**80}")
