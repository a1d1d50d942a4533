"""Catch axolotl configs that set clt keys but would silently train without them.

axolotl only *logs* a plugin it cannot import and ignores config keys no loaded plugin declares,
so a missing or misspelled plugin line, or a misspelled ``clt_mixture`` key, trains on
something else without a word. This check needs neither axolotl nor torch.
"""

from __future__ import annotations

import difflib
from pathlib import Path
from typing import Any

import yaml

from clt_plugin.axolotl import PLUGIN_PATH
from clt_plugin.errors import CLTError

# Both resolve to the same class through axolotl's `module.Class` loader.
ACCEPTED_PLUGIN_PATHS = (PLUGIN_PATH, "clt_plugin.axolotl.plugin.CLTPlugin")
KNOWN_KEYS = ("clt_mixture", "clt_eval", "clt_cache_dir", "clt_base_dir")


def load_config(path: str | Path) -> dict[str, Any]:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CLTError(f"{path}: config not found") from None
    except OSError as e:
        raise CLTError(f"{path}: cannot read config ({e.strerror})") from None
    except yaml.YAMLError as e:
        raise CLTError(f"{path}: not valid YAML ({e})") from None
    if not isinstance(data, dict):
        raise CLTError(f"{path}: an axolotl config must be a mapping (got {type(data).__name__})")
    return data


def unknown_clt_keys(cfg: Any) -> list[str]:
    out = []
    for key in cfg:
        if isinstance(key, str) and key.lower().startswith("clt") and key not in KNOWN_KEYS:
            close = difflib.get_close_matches(key, KNOWN_KEYS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            out.append(f"{key}: unknown clt key, axolotl would ignore it{hint}")
    return out


def check_config_dict(cfg: dict[str, Any], config_dir: Path | None = None) -> list[str]:
    """Problems that would make axolotl lose the clt settings (empty list: fine)."""
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
            problems.append("datasets: cannot be combined with clt_mixture (the mixture must be the whole training set)")
        if cfg.get("pretraining_dataset"):
            problems.append("pretraining_dataset: cannot be combined with clt_mixture")
        problems.extend(_spec_problems(cfg["clt_mixture"], config_dir))
    if cfg.get("clt_eval") is not None:
        problems.extend(_eval_problems(cfg["clt_eval"]))
    return problems


def _eval_problems(value: Any) -> list[str]:
    from pydantic import ValidationError

    from clt_plugin.axolotl.args import CLTEvalArgs
    from clt_plugin.errors import format_validation_error

    try:
        CLTEvalArgs.model_validate(value)
    except ValidationError as e:
        return format_validation_error(e, root="clt_eval").split("\n")
    return []


def _spec_problems(value: Any, config_dir: Path | None) -> list[str]:
    from clt_plugin.mixture import load_spec

    if isinstance(value, str):
        spec = Path(value).expanduser()
        if not spec.is_absolute() and config_dir is not None:
            spec = config_dir / spec
        value = str(spec)
    elif not isinstance(value, dict):
        return [f"clt_mixture: expected a spec mapping or a path to a spec file (got {type(value).__name__})"]
    try:
        load_spec(value)
    except CLTError as e:
        return [str(e)]
    return []


def check_config(path: str | Path) -> dict[str, Any]:
    """Raise CLTError listing every problem; return the config when it is fine."""
    path = Path(path)
    cfg = load_config(path)
    problems = check_config_dict(cfg, path.resolve().parent)
    if problems:
        raise CLTError(f"{path}:\n  " + "\n  ".join(problems))
    return cfg
