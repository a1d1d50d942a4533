"""`clt demo`: the whole loop of the paper, in miniature, on a CPU.

pre-train a tiny model on the suite's eight languages -> training sources and a mixture spec
(English fixed, k examples per seen language) -> one axolotl config per grid point (`clt sweep`)
-> the real `axolotl train` with the clt plugin -> the real `lm_eval` on seen and unseen
languages -> transfer matrices and `clt report`. Every number comes from those runs.

Layout of the demo directory:
  base-model/            the pre-trained tiny model
  data/                  synth_{task}_{lang}.jsonl training sources, mixture.yaml
  configs/               base.yaml and the sweep (one axolotl config per k, sweep.json)
  models/k{k}/           each fine-tuned model, with clt_manifest.json beside it
  results/<model path>/  lm_eval's results and samples for each model (lm_eval names the folder)
  report/                index.html, PNG plots, matrix.json
  logs/                  the full output of every axolotl and lm_eval run
  tables.md              the tables printed at the end
"""

from __future__ import annotations

import json
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from clt_plugin import lm_eval_cli
from clt_plugin.errors import CLTError
from clt_plugin.io import atomic_write_json, atomic_write_text
from clt_plugin.names import MANIFEST_NAME
from clt_plugin.outputs import finish_in_place, start_in_place
from clt_plugin.tasks.synth_items import SYNTH_LANGUAGES, SYNTH_TASKS, make_item

COMMAND = "clt demo"  # signs the demo folder (clt_plugin.outputs: the output policy)
SEEN = ("es", "fr", "ja", "zh")  # the paper's seen languages; ar, ko, pt stay unseen


@dataclass(frozen=True)
class DemoSettings:
    seed: int = 0
    grid: tuple[int, ...] = (0, 50, 200)
    english: int = 200  # English rows per task, the same at every grid point
    eval_n: int = 40  # test items per task and language
    pretrain_docs: int = 120  # items per task and language read in pre-training
    pretrain_steps: int = 200
    pretrain_batch_size: int = 16
    epochs: int = 3
    micro_batch_size: int = 16
    learning_rate: float = 2e-3
    eval_batch_size: int = 64

    @classmethod
    def quick(cls, seed: int = 0, grid: tuple[int, ...] = (0, 40)) -> "DemoSettings":
        return cls(seed=seed, grid=grid, english=60, eval_n=6, pretrain_docs=40, pretrain_steps=60, epochs=1)

    def check(self) -> None:
        if not 0 <= self.seed < 2**32:  # numpy and torch take seeds in this range
            raise CLTError(f"--seed: expected 0 to {2**32 - 1}, got {self.seed}")
        if not self.grid:
            raise CLTError("--grid: no grid points given")
        if 0 not in self.grid:
            raise CLTError(f"--grid: must include 0, the English-only baseline (got {','.join(map(str, self.grid))})")


def width(grid: tuple[int, ...]) -> int:
    return len(str(max(grid)))


def point_name(k: int, grid: tuple[int, ...]) -> str:
    return f"k{k:0{width(grid)}d}"


# --------------------------------------------------------------------------- sources and spec


def train_items(task: str, lang: str, n: int, settings: DemoSettings) -> list[dict[str, Any]]:
    """The first `n` training items whose problem does not also appear in the test set.

    Templates draw from small slot lists, so a training index can render the same text as a
    test index; such items are skipped, in every language alike (items are parallel).
    """
    test = {make_item(task, "en", "test", 1_000_000 + i, settings.seed).prompt for i in range(settings.eval_n)}
    rows: list[dict[str, Any]] = []
    index = 0
    while len(rows) < n:
        if index > 50 * n + 1000:
            raise CLTError(f"{task}: cannot find {n} training items outside the test set")
        if make_item(task, "en", "train", index, settings.seed).prompt not in test:
            item = make_item(task, lang, "train", index, settings.seed)
            rows.append({"id": item.id, "prompt": item.prompt, "response": item.response})
        index += 1
    return rows


def write_sources(data_dir: Path, settings: DemoSettings) -> dict[str, int]:
    """One JSONL per task and language: English rows plus enough for the largest k."""
    sizes = {}
    for task in SYNTH_TASKS:
        for lang in ("en", *SEEN):
            n = settings.english if lang == "en" else max(settings.grid)
            n = max(n, 1)
            rows = train_items(task, lang, n, settings)
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            atomic_write_text(data_dir / f"{task}_{lang}.jsonl", text)
            sizes[f"{task}_{lang}"] = len(rows)
    return sizes


def mixture_spec(settings: DemoSettings, per_language: int = 0) -> dict[str, Any]:
    source = {"format": "jsonl", "fields": {"id": "id", "prompt": "prompt", "response": "response"}}
    return {
        "seed": settings.seed,
        "alignment": "independent",
        "mode": "augment",
        "on_shortage": "error",
        "tasks": {
            task: {
                "source": {**source, "path": f"{task}_{{lang}}.jsonl"},
                "english": settings.english,
                "per_language": per_language,
                "languages": list(SEEN),
            }
            for task in SYNTH_TASKS
        },
    }


# --------------------------------------------------------------------------- axolotl configs


def base_config(out: Path, settings: DemoSettings) -> dict[str, Any]:
    """The shipped tiny-cpu config, pointed at the demo's model, mixture and directories."""
    from clt_plugin.axolotl.config_check import load_config
    from clt_plugin.resources import configs_path

    cfg = load_config(configs_path() / "tiny-cpu" / "math.yaml")
    cfg.pop("max_steps", None)  # train by epochs: more data, more steps, as in the paper's grid
    cfg.update(
        base_model=str(out / "base-model"),
        clt_mixture="../data/mixture.yaml",
        clt_cache_dir=str(out / "cache" / "clt"),
        output_dir=str(out / "models"),
        dataset_prepared_path=str(out / "cache" / "prepared"),
        sequence_len=256,
        micro_batch_size=settings.micro_batch_size,
        gradient_accumulation_steps=1,
        num_epochs=settings.epochs,
        learning_rate=settings.learning_rate,
        lr_scheduler="cosine",
        warmup_ratio=0.05,
        weight_decay=0.0,
        seed=settings.seed,
        logging_steps=10,
        save_strategy="no",
        dataloader_num_workers=0,
    )
    return cfg


def write_configs(out: Path, settings: DemoSettings) -> dict[str, Any]:
    """base.yaml, then `clt sweep`'s library writes one config per grid point."""
    from clt_plugin.axolotl import sweep

    configs = out / "configs"
    configs.mkdir(parents=True, exist_ok=True)
    base = configs / "base.yaml"
    header = "# Written by `clt demo`; `clt sweep` made the per-k configs in sweep/ from it.\n"
    atomic_write_text(base, header + yaml.safe_dump(base_config(out, settings), sort_keys=False, allow_unicode=True))
    return sweep.sweep(base, list(settings.grid), configs / "sweep")


def prepare(out: Path, settings: DemoSettings) -> dict[str, Any]:
    """Everything before training: sources, the mixture spec, the axolotl configs (no model)."""
    write_sources(out / "data", settings)
    spec_text = (
        "# The demo's mixture: English fixed, k rows per seen language (`clt sweep` sets k per config).\n"
        + yaml.safe_dump(mixture_spec(settings), sort_keys=False, allow_unicode=True)
    )
    atomic_write_text(out / "data" / "mixture.yaml", spec_text)
    return write_configs(out, settings)


# --------------------------------------------------------------------------- running the tools


def tool_env() -> dict[str, str]:
    return {
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "AXOLOTL_DO_NOT_TRACK": "1",
        "TOKENIZERS_PARALLELISM": "false",
        "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
        "WANDB_MODE": "disabled",
        "PYTHONHASHSEED": "0",
        # A tiny model gains nothing from a second thread, and OpenMP threads spinning on a busy
        # machine cost many times the work itself in CPU time.
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
    }


def _bin(name: str) -> str:
    exe = Path(sys.executable).parent / name
    if not exe.exists():
        raise CLTError(f"`{name}` is not installed beside {sys.executable}; install clt-plugin with its train extra")
    return str(exe)


def pretrain_argv(model_dir: Path, settings: DemoSettings) -> list[str]:
    return [
        sys.executable,
        "-m",
        "clt_plugin.demo.pretrain",
        str(model_dir),
        "--seed",
        str(settings.seed),
        "--n-per-language",
        str(settings.pretrain_docs),
        "--steps",
        str(settings.pretrain_steps),
        "--batch-size",
        str(settings.pretrain_batch_size),
    ]


def train_argv(config: Path) -> list[str]:
    return [_bin("axolotl"), "train", str(config), "--launcher", "python"]


def eval_tasks() -> list[str]:
    return [f"clt_{task}_{lang}" for task in SYNTH_TASKS for lang in SYNTH_LANGUAGES]


def eval_argv(model_dir: Path, results_dir: Path, settings: DemoSettings) -> list[str]:
    return lm_eval_cli.run_argv(
        {
            "model": "hf",
            "model_args": f"pretrained={model_dir},dtype=float32",
            "tasks": ",".join(eval_tasks()),
            "apply_chat_template": True,
            "batch_size": settings.eval_batch_size,
            "device": "cpu",
            "metadata": json.dumps({"synth_n": settings.eval_n, "synth_seed": settings.seed}),
            "seed": settings.seed,
            "log_samples": True,
            "output_path": results_dir,
        }
    )


# --------------------------------------------------------------------------- the demo


@dataclass
class DemoResult:
    out: Path
    settings: DemoSettings
    tables: str
    report: Path
    seconds: float
    runs: list[str]


def matrix_args(out: Path) -> list[str]:
    """`clt matrix` arguments that compute the demo's tables from what its runs wrote (each task
    read by its primary metric in clt_plugin.families)."""
    args = [str(out / "results")]
    for task in SYNTH_TASKS:
        args += ["--task", task]
    return args


def analyse(out: Path, *, percent: bool = True) -> tuple[str, Path]:
    """The tables (as `clt matrix` renders them) and the report directory, from the results."""
    from clt_plugin.analysis.matrix import build_matrices
    from clt_plugin.analysis.render import render
    from clt_plugin.analysis.report import build_report
    from clt_plugin.analysis.results import load_runs

    runs = load_runs([out / "results"])
    matrices = build_matrices(runs, list(SYNTH_TASKS))
    tables = render(matrices, runs, "github", percent=percent)
    report = build_report(runs, out / "report", list(SYNTH_TASKS), percent=percent)
    return tables, Path(report)


def say(text: str) -> None:
    print(text, file=sys.stderr, flush=True)


def run_demo(out: str | Path, settings: DemoSettings, *, progress: bool = True) -> DemoResult:
    from clt_plugin.demo.progress import LM_EVAL_BAR, PRETRAIN_BAR, TRAINER_BAR, run_logged

    settings.check()
    out = Path(out).resolve()
    # Claim the demo folder: a previous demo's files are removed so nothing stale reaches the
    # tables, files someone else put there are kept, a foreign folder is refused.
    claim = start_in_place(out, COMMAND)
    started = time.monotonic()
    env = tool_env()
    n_steps = 2 + 2 * len(settings.grid)
    step = 0

    def stage(text: str) -> str:
        nonlocal step
        step += 1
        return f"[{step}/{n_steps}] {text}"

    run_logged(
        pretrain_argv(out / "base-model", settings),
        log=out / "logs" / "pretrain.log",
        cwd=out,
        env=env,
        desc=stage(f"pre-train a tiny Llama on 8 languages ({settings.pretrain_steps} steps, seed {settings.seed})"),
        progress=progress,
        track=PRETRAIN_BAR,
        unit="step",
    )
    say(stage(f"training sources, mixture spec and axolotl configs for k = {', '.join(map(str, settings.grid))}"))
    sweep_manifest = prepare(out, settings)
    names = []
    for point in sweep_manifest["points"]:
        k = point["per_language"]
        name = point_name(k, settings.grid)
        names.append(name)
        config = out / "configs" / "sweep" / point["config"]
        model_dir = Path(point["output_dir"])
        run_logged(
            train_argv(config),
            log=out / "logs" / f"train-{name}.log",
            cwd=config.parent,
            env=env,
            desc=stage(f"axolotl train  k={k:<{width(settings.grid)}} ({_rows(k, settings)} rows)"),
            progress=progress,
            track=TRAINER_BAR,
            unit="step",
        )
        if not (model_dir / MANIFEST_NAME).is_file():
            raise CLTError(
                f"axolotl train left no {MANIFEST_NAME} in {model_dir}; see {out / 'logs' / f'train-{name}.log'}"
            )
        run_logged(
            eval_argv(model_dir, out / "results", settings),
            log=out / "logs" / f"eval-{name}.log",
            cwd=out,
            env=env,
            progress=progress,
            track=LM_EVAL_BAR,
            unit="reply",
            desc=stage(
                f"lm_eval        k={k:<{width(settings.grid)}} ({len(eval_tasks())} tasks x {settings.eval_n} items)"
            ),
        )
    tables, report = analyse(out)
    atomic_write_text(out / "tables.md", tables)
    seconds = time.monotonic() - started
    atomic_write_json(
        out / "demo.json",
        {
            "schema": "clt-demo/1",
            "settings": asdict(settings),
            "runs": names,
            "matrix_command": ["clt", "matrix", *matrix_args(out), "--percent"],
            "seconds": round(seconds, 1),
        },
    )
    finish_in_place(claim)  # the marker now lists every file this run wrote
    return DemoResult(out, settings, tables, report, seconds, names)


def _rows(k: int, settings: DemoSettings) -> int:
    return len(SYNTH_TASKS) * (settings.english + len(SEEN) * k)
