"""The clt_* tasks installed with this clt, read from their YAMLs the way lm-eval reads them."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

from clt_plugin import resources
from clt_plugin.errors import CLTError
from clt_plugin.names import split_task_name


@dataclass(frozen=True)
class InstalledTask:
    name: str
    family: str
    language: str
    version: int | float | str | None
    path: Path


def normalize_version(version: object) -> str | None:
    """1, 1.0 and '1.0' are one version; lm-eval stores whatever the YAML says."""
    if version is None:
        return None
    if isinstance(version, bool):
        return str(version)
    try:
        number = float(version)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return str(version).strip()
    return repr(number) if math.isfinite(number) else str(version)


def installed_tasks(tasks_dir: str | Path | None = None) -> dict[str, InstalledTask]:
    """Every clt_* task YAML under the tasks folder, with its `metadata.version`.

    `include:` chains are resolved by lm-eval's own loader (in "simple" mode, which leaves
    `!function` tags unimported), so the version seen here is the one lm-eval reports.
    """
    from lm_eval.utils import load_yaml_config

    root = Path(tasks_dir) if tasks_dir is not None else resources.tasks_path()
    found: dict[str, InstalledTask] = {}
    for path in sorted(root.rglob("*.yaml")):
        try:
            config = load_yaml_config(yaml_path=str(path), mode="simple")
        except Exception as e:  # a YAML lm-eval cannot read is a broken install: say which
            raise CLTError(f"{path}: cannot read installed task YAML ({e})") from e
        if not isinstance(config, dict) or not isinstance(config.get("task"), str):
            continue  # group definitions and include-only bases
        name = config["task"]
        parts = split_task_name(name)
        if parts is None:
            continue
        metadata = config.get("metadata") if isinstance(config.get("metadata"), dict) else {}
        family = metadata.get("clt_family", parts[0])
        language = metadata.get("clt_language", parts[1])
        if name in found:
            raise CLTError(f"{path}: task {name} is also defined in {found[name].path}")
        found[name] = InstalledTask(name, str(family), str(language), metadata.get("version"), path)
    return found
