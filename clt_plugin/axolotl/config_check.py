"""Catch axolotl configs that set clt keys but would silently train without them.

axolotl only *logs* a plugin it cannot import and ignores config keys no loaded plugin declares,
so a missing or misspelled plugin line, or a misspelled ``clt_mixture`` key, trains on
something else without a word. This check needs neither axolotl nor torch.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clt_plugin.axolotl.args import ACCEPTED_PLUGIN_PATHS, KNOWN_KEYS, PLUGIN_PATH
from clt_plugin.axolotl.resolve import PluginConfig, resolve_all
from clt_plugin.errors import CLTError


def load_config(path: str | Path) -> dict[str, Any]:
    from clt_plugin.io import kind_of, read_yaml

    path = Path(path)
    data = read_yaml(path, "config")  # every read/parse failure is one line naming the file
    if not isinstance(data, dict):
        raise CLTError(f"{path}: an axolotl config must be a mapping (got {kind_of(data)})")
    return data


def check_config_dict(
    cfg: dict[str, Any], config_dir: Path | None = None, *, grid: str | None = None, notes: list[str] | None = None
) -> list[str]:
    """Problems that would make axolotl lose the clt settings or that stop its mixture from being
    built (empty list: fine). Grid points other than the config's own that ask for more rows
    than a source holds go to `notes`: the config itself can still be trained."""
    return checked(cfg, config_dir, grid=grid, notes=notes)[1]


def checked(
    cfg: dict[str, Any], config_dir: Path | None = None, *, grid: str | None = None, notes: list[str] | None = None
) -> tuple[PluginConfig | None, list[str]]:
    """(the resolved clt settings, every problem); None when the config sets no clt key."""
    clt_keys = [k for k in cfg if isinstance(k, str) and k.lower().startswith("clt")]
    if not clt_keys:
        return None, []
    clt, resolved_problems = resolve_all(cfg, config_dir)
    problems = _plugin_problems(cfg, clt_keys) + resolved_problems
    if notes is not None:
        notes.extend(clt.notes)
    if clt.mixture is not None:
        errors, later = size_problems(clt, grid)
        problems.extend(errors)
        if notes is not None:
            from clt_plugin.mixture.decontam_report import plan_warnings

            notes.extend(later + plan_warnings(clt.mixture))
    if clt.global_batch_size is not None:
        problems.extend(_batch_problems(cfg, clt.global_batch_size))
    return clt, problems


def _plugin_problems(cfg: dict[str, Any], clt_keys: list[str]) -> list[str]:
    plugins = cfg.get("plugins") or []
    problems = []
    if not isinstance(plugins, list):
        problems.append(f"plugins: must be a list (got {plugins!r})")
        plugins = []
    if any(p in ACCEPTED_PLUGIN_PATHS for p in plugins):
        return problems
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
    return problems


def _batch_problems(cfg: dict[str, Any], global_batch: int) -> list[str]:
    """What no GPU count can fix (the world size is only known when the run starts)."""
    from clt_plugin.axolotl.batch import derive

    try:
        derive(global_batch, cfg.get("micro_batch_size") or 1, 1, gradient_accumulation_steps=None)
    except CLTError as e:
        return [str(e)]
    if cfg.get("gradient_accumulation_steps") is not None or cfg.get("batch_size") is not None:
        key = "gradient_accumulation_steps" if cfg.get("gradient_accumulation_steps") is not None else "batch_size"
        return [
            f"{key}: set beside clt_global_batch_size; remove it (the clt plugin derives the accumulation "
            "from the GPU count when the run starts)"
        ]
    return []


OWN_POINT = "this config"


def size_problems(clt: PluginConfig, grid: str | list | None = None) -> tuple[list[str], list[str]]:
    """(errors, notes) from the source sizes: an error when the config's own mixture asks for
    more rows than a source holds and `on_shortage: error` would stop the build; a note for
    each point of `grid` that would. `grid` is a grid name, "none", or (name, changes) points as
    `clt sweep` makes them; by default the grid the config asks for (`clt_grid`), else none:
    a config that is no grid's base gets no warning about one."""
    from clt_plugin.mixture.grid import grid_points
    from clt_plugin.sources.sizes import describe, grid_shortages

    spec = clt.mixture
    grid = grid or clt.grid or "none"
    try:
        points = grid if isinstance(grid, list) else ([] if grid == "none" else grid_points(grid))
        short = grid_shortages(spec, [(OWN_POINT, {}), *points], clt.sources_dir)
    except CLTError as e:
        return [f"clt_mixture: {e}"], []
    own = describe([s for s in short if s["point"] == OWN_POINT])
    others = describe([s for s in short if s["point"] != OWN_POINT])
    if spec.on_shortage == "cap":
        return [], [f"{line} (on_shortage: cap takes what there is)" for line in own + others]
    return [f"clt_mixture: {line}; on_shortage: error stops the build" for line in own], others


def grid_size_notes(clt: PluginConfig) -> list[str]:
    """For the start-up banner: every point of the grid the config asks for that its sources cannot fill."""
    try:
        errors, notes = size_problems(clt)
    except Exception as e:  # a warning must never stop a run whose mixture was built
        return [f"size check skipped ({type(e).__name__}: {e})"]
    return errors + notes


def check_config(path: str | Path, *, grid: str | None = None, notes: list[str] | None = None) -> dict[str, Any]:
    """Raise CLTError listing every problem; return the config when it is fine. Grid points
    that could not be built are appended to `notes`."""
    return checked_file(path, grid=grid, notes=notes)[0]


def checked_file(
    path: str | Path, *, grid: str | None = None, notes: list[str] | None = None
) -> tuple[dict[str, Any], PluginConfig | None]:
    """(the config, its resolved clt settings), or CLTError listing every problem."""
    path = Path(path)
    cfg = load_config(path)
    clt, problems = checked(cfg, path.resolve().parent, grid=grid, notes=notes)
    if problems:
        raise CLTError(f"{path}:\n  " + "\n  ".join(problems))
    return cfg, clt
