"""Pure pieces of the axolotl plugin: the lm_eval command clt_eval builds, the banner, the args."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from clt_plugin.axolotl.args import CLTEvalArgs
from clt_plugin.axolotl.banner import format_banner, format_row_check
from clt_plugin.axolotl.evaluation import build_command
from clt_plugin.axolotl.resolve import ConfigProblems, resolve
from clt_plugin.axolotl.sweep import parse_grid
from clt_plugin.mixture.decontam_report import OFF_LINE
from clt_plugin.resources import tasks_path


def _flag(argv: list[str], name: str) -> str:
    return argv[argv.index(name) + 1]


def _eval_args(config_dir, **value) -> CLTEvalArgs:
    """`clt_eval:` as the plugin resolves it from a config in `config_dir` (paths made absolute)."""
    return resolve({"clt_eval": value}, config_dir).eval


def test_clt_eval_expands_families_and_includes_the_clt_tasks(tmp_path):
    args = _eval_args(
        tmp_path,
        tasks=["mgsm", "xlsum"],
        languages=["es", "ja"],
        batch_size=4,
        limit=10,
        data_dir="data",
        device="cpu",
        model_args={"dtype": "bfloat16"},
    )
    cfg = {"output_dir": str(tmp_path / "out"), "base_model": "base"}
    argv, env, results, include = build_command(cfg, args)
    assert argv[:6] == [sys.executable, "-m", "clt_plugin.quiet", "lm_eval", "run", "--model"]
    assert _flag(argv, "--tasks") == "clt_mgsm_es,clt_mgsm_ja,clt_xlsum_es,clt_xlsum_ja"
    assert _flag(argv, "--include_path") == str(tasks_path()) and include == [str(tasks_path())]
    assert _flag(argv, "--model_args") == f"pretrained={(tmp_path / 'out').resolve()},dtype=bfloat16"
    assert _flag(argv, "--batch_size") == "4" and _flag(argv, "--limit") == "10" and _flag(argv, "--device") == "cpu"
    assert _flag(argv, "--output_path") == str(results) == str((tmp_path / "out" / "clt_eval").resolve())
    assert "--log_samples" in argv and "--config" not in argv
    assert env == {"CLT_DATA_DIR": str((tmp_path / "data").resolve())}


def test_clt_eval_takes_task_names_and_yaml_paths_verbatim_and_evaluates_a_lora_on_its_base(tmp_path):
    (tmp_path / "more").mkdir()
    (tmp_path / "my").mkdir()
    (tmp_path / "my" / "task.yaml").write_text("task: my_task\n", encoding="utf-8")
    args = _eval_args(tmp_path, tasks=["hellaswag", "my/task.yaml"], include_paths=["more"], log_samples=False)
    cfg = {"output_dir": "out", "base_model": "org/base", "adapter": "lora"}
    argv, env, _, include = build_command(cfg, args)
    assert _flag(argv, "--tasks") == f"hellaswag,{(tmp_path / 'my/task.yaml').resolve()}"
    assert _flag(argv, "--model_args") == f"pretrained=org/base,peft={Path('out').resolve()}"
    assert include == [str(tasks_path()), str((tmp_path / "more").resolve())]
    assert "--config" in argv and "--include_path" not in argv  # the CLI flag takes one folder
    assert "--log_samples" not in argv and env == {}


def test_clt_eval_takes_the_lm_eval_backend_and_its_arguments(tmp_path):
    args = CLTEvalArgs(
        tasks=["mgsm"],
        languages=["fr"],
        model="vllm",
        batch_size="auto",
        model_args={"tensor_parallel_size": 4, "gpu_memory_utilization": 0.85},
        gen_kwargs={"max_gen_toks": 512},
    )
    argv, _, _, _ = build_command({"output_dir": str(tmp_path / "out")}, args)
    assert _flag(argv, "--model") == "vllm" and _flag(argv, "--batch_size") == "auto"
    assert _flag(argv, "--model_args") == (
        f"pretrained={(tmp_path / 'out').resolve()},tensor_parallel_size=4,gpu_memory_utilization=0.85"
    )
    assert _flag(argv, "--gen_kwargs") == "max_gen_toks=512"
    assert "--device" not in argv  # vLLM places the model itself
    lora, _, _, _ = build_command({"output_dir": "out", "base_model": "org/base", "adapter": "lora"}, args)
    assert _flag(lora, "--model_args").startswith(f"pretrained=org/base,lora_local_path={Path('out').resolve()},")
    hf, _, _, _ = build_command({"output_dir": "out"}, CLTEvalArgs(tasks=["mgsm"]))
    assert _flag(hf, "--model") == "hf" and "--device" in hf and "--gen_kwargs" not in hf


@pytest.mark.parametrize(
    "value, where",
    [
        ({"tasks": []}, "tasks"),
        ({"tasks": ["mgsm"], "languages": ["es", "xx"]}, "languages.1"),
        ({"tasks": ["mgsm"], "batch_size": 0}, "batch_size"),
        ({"tasks": ["mgsm"], "limit": -1}, "limit"),
        ({"tasks": ["mgsm"], "bogus": 1}, "bogus"),
    ],
)
def test_bad_clt_eval_names_the_field(value, where):
    with pytest.raises(ValidationError) as e:
        CLTEvalArgs.model_validate(value)
    assert where in {".".join(map(str, err["loc"])) for err in e.value.errors()}


def test_clt_mixture_with_datasets_is_refused(tmp_path):
    with pytest.raises(ConfigProblems, match="cannot be combined with `datasets:`"):
        resolve({"clt_mixture": "spec.yaml", "datasets": [{"path": "x.jsonl"}]}, tmp_path)


def test_bad_inline_spec_reports_its_path(tmp_path):
    spec = {"seed": 1, "tasks": {"math": {"source": {"path": "m_{lang}.jsonl"}, "languages": ["es", "xx"]}}}
    with pytest.raises(ConfigProblems, match=r"clt_mixture\.tasks\.math\.languages\[1\]"):
        resolve({"clt_mixture": spec}, tmp_path)


MANIFEST = {
    "seed": 7,
    "spec_sha256": "abcdef0123456789",
    "total_rows": 23,
    "per_language": None,
    "english_only": False,
    "languages": {"english": "en", "seen": ["es", "ja"]},
    "counts": {"math": {"en": 10, "es": 3, "ja": 0}, "summ": {"en": 5, "es": 5}},
}


def test_banner_has_a_row_per_task_and_a_column_per_language():
    lines = format_banner(MANIFEST, "/x/train.jsonl").splitlines()
    assert lines[0] == "clt: training on mixture abcdef012345 (seed 7, mixed counts, 23 rows)"
    assert lines[1].split() == ["task", "en", "es", "ja", "total"]
    assert lines[3].split() == ["math", "10", "3", "0", "13"]
    assert lines[4].split() == ["summ", "5", "5", "0", "10"]
    assert lines[5].split() == ["total", "15", "8", "0", "23"]
    assert lines[6] == "clt: rows from /x/train.jsonl"


def test_banner_names_the_baseline():
    baseline = dict(MANIFEST, english_only=True, per_language=0)
    assert "English-only baseline" in format_banner(baseline)


def test_row_check_is_loud_only_when_rows_were_dropped():
    ok = {"mixture_rows": 14, "train_rows": 10, "eval_rows_from_mixture": 4, "dropped_by_axolotl": 0}
    assert format_row_check(ok).endswith("none dropped")
    bad = dict(ok, train_rows=8, dropped_by_axolotl=2)
    assert "WARNING: axolotl dropped 2 rows" in format_row_check(bad)


_counts = st.dictionaries(
    st.sampled_from(["math", "summ", "chat"]),
    st.dictionaries(st.sampled_from(["en", "es", "fr", "ja", "zh"]), st.integers(0, 10**6), min_size=1),
    min_size=1,
)


@given(st.lists(st.integers(0, 10**6), min_size=1, max_size=20, unique=True))
def test_any_grid_of_distinct_counts_parses_back(ks):
    assert parse_grid(",".join(map(str, ks))) == ks


@given(_counts)
def test_banner_total_row_sums_every_column(counts):
    total = sum(sum(per.values()) for per in counts.values())
    manifest = {"counts": counts, "total_rows": total, "languages": {"english": "en", "seen": []}, "seed": 0}
    *lines, decontamination = format_banner(manifest).splitlines()
    assert decontamination == f"clt: {OFF_LINE}"  # the manifest has no decontamination section
    header = lines[1].split()
    total_row = [int(x.replace(",", "")) for x in lines[-1].split()[1:]]
    langs = header[1:-1]
    assert total_row[:-1] == [sum(per.get(l, 0) for per in counts.values()) for l in langs]
    assert total_row[-1] == total
    for line in lines[3:-1]:
        task, *nums = line.split()
        assert [int(x.replace(",", "")) for x in nums] == [
            *(counts[task].get(l, 0) for l in langs),
            sum(counts[task].values()),
        ]
