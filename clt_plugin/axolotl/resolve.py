"""The plugin's settings, resolved once from an axolotl config into one frozen `PluginConfig`.

Every `clt_*` key is validated here and every path in them made absolute: relative paths mean
"beside the config", wherever axolotl is started from. The plugin resolves the config in
`register` (before axolotl validates anything) and keeps the result; building the mixture, the
banner and `clt_eval` read that object, and so do `clt check-config` and `clt sweep`, which
resolve the same config file the same way without axolotl.
"""

from __future__ import annotations

import copy
import difflib
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping

from clt_plugin.axolotl.args import KNOWN_KEYS, CLTEvalArgs
from clt_plugin.errors import CLTError

COMBINE_ERROR = (
    "clt_mixture: cannot be combined with `{key}:` -- the mixture must be the whole training set, "
    "or the manifest would not say what the model saw; add the other data to the mixture spec as "
    "a task with a local source instead"
)


class ConfigProblems(CLTError):
    """Every problem found in one config, one line each."""

    def __init__(self, problems: list[str]):
        super().__init__("; ".join(problems))
        self.problems = problems


@dataclass(frozen=True)
class PluginConfig:
    config_dir: Path  # what relative paths of the config were resolved against
    mixture: Any = None  # the validated MixtureSpec; its base_dir is where relative sources resolve
    mixture_data: Mapping[str, Any] | None = None  # the spec as written (file or inline)
    spec_file: Path | None = None  # when `clt_mixture` names a file
    cache_dir: Path | None = None
    eval: CLTEvalArgs | None = None  # paths resolved
    global_batch_size: int | None = None
    grid: str | None = None  # the grid the config asks for (`clt_grid`), a name of mixture.grid.GRIDS
    notes: tuple[str, ...] = ()  # what could not be checked here (said, not refused)

    @property
    def sources_dir(self) -> Path | None:
        return self.mixture.base_dir if self.mixture is not None else None

    @property
    def holds_out_validation(self) -> bool:
        return self.mixture is not None and any(t.validation for t in self.mixture.tasks.values())

    def spec_data(self) -> dict[str, Any]:
        """A fresh copy of the spec as written, for a caller that changes it (`clt sweep`)."""
        return copy.deepcopy(dict(self.mixture_data or {}))


def config_dir_of(cfg: Mapping[str, Any]) -> Path:
    """The folder of the config file axolotl loaded (it records it as `axolotl_config_path`)."""
    path = cfg.get("axolotl_config_path")
    return Path(path).resolve().parent if path else Path.cwd()


def beside(value: str | Path, config_dir: Path) -> Path:
    """A path from the config, absolute: relative ones mean "beside the config"."""
    path = Path(value).expanduser()
    return (path if path.is_absolute() else config_dir / path).resolve()


def unknown_clt_keys(cfg: Mapping[str, Any]) -> list[str]:
    out = []
    for key in cfg:
        if isinstance(key, str) and key.lower().startswith("clt") and key not in KNOWN_KEYS:
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            out.append(f"{key}: unknown clt key, axolotl would ignore it{hint}")
    return out


def is_placeholder(entry: Any, placeholder: str) -> bool:
    path = entry.get("path") if hasattr(entry, "get") else getattr(entry, "path", None)
    return path == placeholder


def resolve(cfg: Mapping[str, Any], config_dir: Path | None = None, *, training: bool = False) -> PluginConfig:
    """The config's clt settings, or ConfigProblems listing everything wrong with them. With
    `training`, what only matters to a run (lm_eval installed for `clt_eval`) is required too."""
    resolved, problems = resolve_all(cfg, config_dir, training=training)
    if problems:
        raise ConfigProblems(problems)
    return resolved


def resolve_all(
    cfg: Mapping[str, Any], config_dir: Path | None = None, *, training: bool = False
) -> tuple[PluginConfig, list[str]]:
    """(what could be resolved, every problem): `clt check-config` reports all of them at once."""
    config_dir = config_dir_of(cfg) if config_dir is None else config_dir
    problems = unknown_clt_keys(cfg)
    notes: list[str] = []
    for key in ("clt_base_dir", "clt_cache_dir"):
        if (
            cfg.get(key) is not None
            and beside(cfg[key], config_dir).exists()
            and not beside(cfg[key], config_dir).is_dir()
        ):
            problems.append(f"{key}: {cfg[key]} is not a directory")
    mixture = _mixture(cfg, config_dir, problems)
    evaluation = _evaluation(cfg.get("clt_eval"), config_dir, problems, notes, training)
    batch = cfg.get("clt_global_batch_size")
    if batch is not None and (isinstance(batch, bool) or not isinstance(batch, int) or batch < 1):
        problems.append(f"clt_global_batch_size: expected a positive integer, got {batch!r}")
    problems += _seed_problems(cfg.get("seed"))
    grid = _grid(cfg.get("clt_grid"), problems)
    resolved = PluginConfig(
        config_dir=config_dir,
        cache_dir=beside(cfg["clt_cache_dir"], config_dir) if cfg.get("clt_cache_dir") else None,
        eval=evaluation,
        global_batch_size=batch if not any(p.startswith("clt_global_batch_size") for p in problems) else None,
        grid=grid,
        notes=tuple(notes),
        **mixture,
    )
    return resolved, problems


def _mixture(cfg: Mapping[str, Any], config_dir: Path, problems: list[str]) -> dict[str, Any]:
    from clt_plugin.axolotl.data import PLACEHOLDER_PATH, VALIDATION_PLACEHOLDER
    from clt_plugin.io import read_yaml
    from clt_plugin.mixture import load_spec

    value = cfg.get("clt_mixture")
    if value is None:
        return {}
    # The plugin's own placeholder entries are allowed: register may run twice on one config.
    if any(not is_placeholder(d, PLACEHOLDER_PATH) for d in cfg.get("datasets") or []):
        problems.append(COMBINE_ERROR.format(key="datasets"))
    if cfg.get("pretraining_dataset"):
        problems.append(COMBINE_ERROR.format(key="pretraining_dataset"))
    base = beside(cfg["clt_base_dir"], config_dir) if cfg.get("clt_base_dir") else None
    spec_file = None
    try:
        if isinstance(value, str):
            spec_file = beside(value, config_dir)
            data = read_yaml(spec_file, "mixture spec")
            spec = load_spec(data, source=str(spec_file), base_dir=base or spec_file.parent)
        elif isinstance(value, Mapping):
            data = copy.deepcopy(dict(value))
            spec = load_spec(data, base_dir=base or config_dir)
        else:
            raise CLTError(
                f"clt_mixture: expected a spec mapping or a path to a spec file (got {type(value).__name__})"
            )
    except CLTError as e:
        problems.append(str(e))
        return {}
    out = {"mixture": spec, "mixture_data": MappingProxyType(data), "spec_file": spec_file}
    if any(t.validation for t in spec.tasks.values()):
        for key in ("val_set_size", "test_datasets"):
            value = cfg.get(key)
            if value and not (key == "test_datasets" and all(is_placeholder(d, VALIDATION_PLACEHOLDER) for d in value)):
                problems.append(
                    f"{key}: {value!r} cannot be combined with the clt_mixture's `validation:` rows (they "
                    "are the validation set); remove it"
                )
    return out


def _evaluation(
    value: Any, config_dir: Path, problems: list[str], notes: list[str], training: bool
) -> CLTEvalArgs | None:
    from pydantic import ValidationError

    from clt_plugin.axolotl.evaluation import task_problems
    from clt_plugin.errors import format_validation_error

    if value is None:
        return None
    try:
        args = CLTEvalArgs.model_validate(dict(value) if isinstance(value, Mapping) else value)
    except ValidationError as e:
        problems += format_validation_error(e, root="clt_eval").split("\n")
        return None
    args = args.model_copy(
        update={
            "data_dir": str(beside(args.data_dir, config_dir)) if args.data_dir else None,
            "include_paths": [str(beside(p, config_dir)) for p in args.include_paths],
            "tasks": [str(beside(t, config_dir)) if t.endswith((".yaml", ".yml")) else t for t in args.tasks],
        }
    )
    # An unknown task would otherwise fail lm_eval only after training.
    wrong, unchecked = task_problems(args, require_lm_eval=training)
    problems += wrong
    notes += unchecked
    return args


def _seed_problems(seed: Any) -> list[str]:
    """axolotl's `seed`, which the plugin records and `clt sweep` shares with the mixture's."""
    from clt_plugin.mixture.spec import MAX_SEED

    if seed is None or (isinstance(seed, int) and not isinstance(seed, bool) and 0 <= seed <= MAX_SEED):
        return []
    return [f"seed: {seed!r} is not an integer from 0 to {MAX_SEED} (what transformers.set_seed accepts)"]


def _grid(value: Any, problems: list[str]) -> str | None:
    from clt_plugin.mixture.grid import GRIDS

    if value is None or value in GRIDS:
        return value
    close = difflib.get_close_matches(str(value), GRIDS, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    problems.append(f"clt_grid: {value!r} is not a grid (known: {', '.join(GRIDS)}){hint}")
    return None
