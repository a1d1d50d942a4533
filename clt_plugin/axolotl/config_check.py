"""Catch axolotl configs that set clt keys but would silently train without them.

axolotl only *logs* a plugin it cannot import and ignores config keys no loaded plugin declares,
so a missing or misspelled plugin line, or a misspelled ``clt_mixture`` key, trains on
something else without a word. This check needs neither axolotl nor torch.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

from clt_plugin.axolotl import PLUGIN_PATH
from clt_plugin.errors import CLTError

# Both resolve to the same class through axolotl's `module.Class` loader.
ACCEPTED_PLUGIN_PATHS = (PLUGIN_PATH, "clt_plugin.axolotl.plugin.CLTPlugin")
KNOWN_KEYS = ("clt_mixture", "clt_eval", "clt_cache_dir", "clt_base_dir", "clt_global_batch_size")


def load_config(path: str | Path) -> dict[str, Any]:
    from clt_plugin.io import kind_of, read_yaml

    path = Path(path)
    data = read_yaml(path, "config")  # every read/parse failure is one line naming the file
    if not isinstance(data, dict):
        raise CLTError(f"{path}: an axolotl config must be a mapping (got {kind_of(data)})")
    return data


def unknown_clt_keys(cfg: Any) -> list[str]:
    out = []
    for key in cfg:
        if isinstance(key, str) and key.lower().startswith("clt") and key not in KNOWN_KEYS:
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            out.append(f"{key}: unknown clt key, axolotl would ignore it{hint}")
    return out


def check_config_dict(
    cfg: dict[str, Any], config_dir: Path | None = None, *, grid: str | None = None, notes: list[str] | None = None
) -> list[str]:
    """Problems that would make axolotl lose the clt settings or that stop its mixture from being
    built (empty list: fine). Grid points other than the config's own that ask for more rows
    than a source holds go to `notes`: the config itself can still be trained."""
    problems: list[str] = unknown_clt_keys(cfg)
    clt_keys = [k for k in cfg if isinstance(k, str) and k.lower().startswith("clt")]
    if not any(k in KNOWN_KEYS for k in clt_keys) and not problems:
        return problems

    plugins = cfg.get("plugins") or []
    if not isinstance(plugins, list):
        problems.append(f"plugins: must be a list (got {plugins!r})")
        plugins = []
    if not any(p in ACCEPTED_PLUGIN_PATHS for p in plugins):
        near = [p for p in plugins if isinstance(p, str) and ("clt" in p.lower())]
        what = ", ".join(k for k in clt_keys if k in KNOWN_KEYS) or "clt keys"
        if near:
            problems.append(
                f"plugins: {near[0]!r} is not {PLUGIN_PATH!r}; axolotl would only log the failed import "
                f"and train without {what}"
            )
        else:
            problems.append(
                f"plugins: {PLUGIN_PATH!r} is missing; axolotl would ignore {what} and train on "
                + ("the `datasets:` entries instead" if cfg.get("datasets") else "nothing (no `datasets:`)")
            )

    if cfg.get("clt_mixture") is not None:
        if cfg.get("datasets"):
            problems.append(
                "datasets: cannot be combined with clt_mixture (the mixture must be the whole training set)"
            )
        if cfg.get("pretraining_dataset"):
            problems.append("pretraining_dataset: cannot be combined with clt_mixture")
        spec_problems = _spec_problems(cfg["clt_mixture"], config_dir)
        problems.extend(spec_problems)
        if not spec_problems:
            errors, later = size_problems(cfg, config_dir, grid)
            problems.extend(errors)
            if notes is not None:
                notes.extend(later)
    if cfg.get("clt_eval") is not None:
        problems.extend(_eval_problems(cfg["clt_eval"]))
    if cfg.get("clt_global_batch_size") is not None:
        problems.extend(_batch_problems(cfg))
    return problems


def _batch_problems(cfg: dict[str, Any]) -> list[str]:
    """What no GPU count can fix (the world size is only known when the run starts)."""
    from clt_plugin.axolotl.batch import derive

    try:
        derive(cfg["clt_global_batch_size"], cfg.get("micro_batch_size") or 1, 1, gradient_accumulation_steps=None)
    except CLTError as e:
        return [str(e)]
    if cfg.get("gradient_accumulation_steps") is not None or cfg.get("batch_size") is not None:
        key = "gradient_accumulation_steps" if cfg.get("gradient_accumulation_steps") is not None else "batch_size"
        return [
            f"{key}: set beside clt_global_batch_size; remove it (the clt plugin derives the accumulation "
            "from the GPU count when the run starts)"
        ]
    return []


def _eval_problems(value: Any) -> list[str]:
    from pydantic import ValidationError

    from clt_plugin.axolotl.args import CLTEvalArgs
    from clt_plugin.errors import format_validation_error

    try:
        CLTEvalArgs.model_validate(value)
    except ValidationError as e:
        return format_validation_error(e, root="clt_eval").split("\n")
    return []


def _beside(value: str, config_dir: Path | None) -> Path:
    """A path from the config: relative ones mean "beside the config"."""
    path = Path(value).expanduser()
    return config_dir / path if not path.is_absolute() and config_dir is not None else path


def _spec_problems(value: Any, config_dir: Path | None) -> list[str]:
    from clt_plugin.mixture import load_spec

    if isinstance(value, str):
        value = str(_beside(value, config_dir))
    elif not isinstance(value, dict):
        return [f"clt_mixture: expected a spec mapping or a path to a spec file (got {type(value).__name__})"]
    try:
        load_spec(value)
    except CLTError as e:
        return [str(e)]
    return []


OWN_POINT = "this config"


def default_grid(tasks) -> str:
    """The paper grid a mixture of these tasks belongs to: multi-task mixtures use paper-multi, others paper-single."""
    return "paper-multi" if len(tasks) > 1 else "paper-single"


def _spec_and_base(cfg: dict[str, Any], config_dir: Path | None):
    from clt_plugin.mixture import load_spec

    value = cfg["clt_mixture"]
    spec = load_spec(str(_beside(value, config_dir)) if isinstance(value, str) else value)
    base = cfg.get("clt_base_dir")
    return spec, _beside(base, config_dir) if base else (spec.base_dir or config_dir)


def size_problems(cfg: dict[str, Any], config_dir: Path | None, grid: str | None = None) -> tuple[list[str], list[str]]:
    """(errors, notes) from the source sizes: an error when the config's own mixture asks for
    more rows than a source holds and `on_shortage: error` would stop the build; a note for
    each other point of `grid` (default: the config's paper grid; "none": no grid) that would."""
    from clt_plugin.mixture.grid import grid_points
    from clt_plugin.sources.sizes import describe, grid_shortages

    try:
        spec, base_dir = _spec_and_base(cfg, config_dir)
        grid = grid or default_grid(spec.tasks)
        points = [(OWN_POINT, {})] + ([] if grid == "none" else grid_points(grid))
        short = grid_shortages(spec, points, base_dir)
    except CLTError as e:
        return [f"clt_mixture: {e}"], []
    own = describe([s for s in short if s["point"] == OWN_POINT])
    others = describe([s for s in short if s["point"] != OWN_POINT])
    if spec.on_shortage == "cap":
        return [], [f"{line} (on_shortage: cap takes what there is)" for line in own + others]
    return [f"clt_mixture: {line}; on_shortage: error stops the build" for line in own], others


def grid_size_notes(cfg: dict[str, Any]) -> list[str]:
    """For the start-up banner: every point of the config's paper grid its sources cannot fill."""
    config_path = cfg.get("axolotl_config_path")
    try:
        errors, notes = size_problems(cfg, Path(config_path).resolve().parent if config_path else Path.cwd())
    except Exception as e:  # a warning must never stop a run whose mixture was built
        return [f"size check skipped ({type(e).__name__}: {e})"]
    return errors + notes


def check_config(path: str | Path, *, grid: str | None = None, notes: list[str] | None = None) -> dict[str, Any]:
    """Raise CLTError listing every problem; return the config when it is fine. Grid points
    that could not be built are appended to `notes`."""
    path = Path(path)
    cfg = load_config(path)
    problems = check_config_dict(cfg, path.resolve().parent, grid=grid, notes=notes)
    if problems:
        raise CLTError(f"{path}:\n  " + "\n  ".join(problems))
    return cfg
