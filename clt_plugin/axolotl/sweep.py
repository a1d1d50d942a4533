"""`clt sweep`: one axolotl config per grid point, a sweep manifest, and two launchers.

Every point keeps the base spec's seed and changes only `per_language`, so the mixture engine's
nested sampling makes the k=100 rows a subset of the k=200 rows, and English is identical
across the grid. Output is deterministic (no timestamps, no absolute paths unless the base
config had them), so a checked-in grid can be regenerated and compared.
"""

from __future__ import annotations

import copy
import os
import shlex
from pathlib import Path
from typing import Any

import yaml

from clt_plugin import __version__
from clt_plugin.axolotl.config_check import checked_file
from clt_plugin.errors import CLTError
from clt_plugin.io import canonical_json, sha256_bytes
from clt_plugin.mixture.spec import MAX_SEED

SWEEP_MANIFEST = "sweep.json"
COMMAND = "clt sweep"  # signs sweep folders (clt_plugin.outputs: the output policy)
SEQUENTIAL = "run_all.sh"
SLURM = "slurm_array.sbatch"


def parse_grid(text: str) -> list[int]:
    """'0,100,200' -> [0, 100, 200]; the names paper-single / paper-multi give the paper's grids
    (clt_plugin.mixture.grid.K_GRIDS, the same lists `clt mix --grid` builds)."""
    from clt_plugin.mixture.grid import K_GRIDS

    if text in K_GRIDS:
        return list(K_GRIDS[text])
    out: list[int] = []
    for part in text.split(","):
        part = part.strip()
        try:
            k = int(part)
        except ValueError:
            raise CLTError(
                f"--per-language: {part!r} is not an integer (expected e.g. 0,100,200 or one of {', '.join(K_GRIDS)})"
            ) from None
        if k < 0:
            raise CLTError(f"--per-language: {k} is negative")
        if k in out:
            raise CLTError(f"--per-language: {k} is listed twice")
        out.append(k)
    if not out:
        raise CLTError("--per-language: no grid points given")
    return out


def _point_name(stem: str, k: int, width: int) -> str:
    return f"{stem}-k{k:0{width}d}"


def _relative_or_absolute(target: Path, start: Path) -> str:
    """Relative when both lie in one tree (a checked-in grid stays portable), else absolute."""
    try:
        common = os.path.commonpath([target, start])
    except ValueError:  # different drives
        return str(target)
    if Path(common) == Path(common).anchor or Path(common) == Path(common).parent:
        return str(target)
    return os.path.relpath(target, start)


def parse_seeds(text: str | None) -> list[int] | None:
    """'1,2,3' -> [1, 2, 3] (each run trains with that seed and samples its mixture with it); None: no seeds."""
    if text is None:
        return None
    out: list[int] = []
    for part in text.split(","):
        try:
            seed = int(part.strip())
        except ValueError:
            raise CLTError(f"--seeds: {part.strip()!r} is not an integer (expected e.g. 1,2,3)") from None
        if seed < 0:
            raise CLTError(f"--seeds: {seed} is negative")
        if seed > MAX_SEED:
            raise CLTError(f"--seeds: {seed} is outside 0..{MAX_SEED} (what transformers.set_seed accepts)")
        if seed in out:
            raise CLTError(f"--seeds: {seed} is listed twice")
        out.append(seed)
    return out


def plan(base_path: str | Path, grid: list[int], out_dir: str | Path, seeds: list[int] | None = None) -> dict[str, Any]:
    """Everything the sweep will write, as {filename: text}, plus the sweep manifest; writes nothing.

    With `seeds`, every grid point is trained once per seed: the seed is both axolotl's `seed` and
    the mixture's sampling seed (each recorded in the run's manifest), so `clt matrix` pools them."""
    from clt_plugin.mixture import load_spec

    base_path = Path(base_path)
    out_dir = Path(out_dir)
    base, clt = checked_file(base_path)
    if clt is None or clt.mixture is None:
        raise CLTError(f"{base_path}: clt_mixture is not set; a sweep varies its per_language")
    raw_spec = clt.spec_data()
    sources_dir = clt.sources_dir

    stem = base_path.stem
    width = len(str(max(grid)))
    out_abs = out_dir.resolve()
    files: dict[str, str] = {}
    points = []
    for k, seed in [(k, s) for k in grid for s in (seeds or [None])]:
        spec = copy.deepcopy(raw_spec)
        for task in (spec.get("tasks") or {}).values():
            task["per_language"] = k
        suffix = "" if seed is None else f"-s{seed}"
        if seed is not None:
            spec["seed"] = seed
        try:
            normalized = load_spec(spec, base_dir=sources_dir).normalized()
        except CLTError as e:
            raise CLTError(
                f"{base_path}: grid point per_language={k}{'' if seed is None else f', seed {seed}'}: {e}"
            ) from None
        cfg = {}
        for key, val in copy.deepcopy(base).items():
            if key == "clt_base_dir":
                continue
            cfg[key] = spec if key == "clt_mixture" else val
            if key == "clt_mixture":
                # Source paths of the spec keep meaning what they meant beside the base config.
                cfg["clt_base_dir"] = _relative_or_absolute(sources_dir, out_abs)
        if seed is not None:
            cfg["seed"] = seed  # axolotl's training seed; the plugin records it in the manifest
        if cfg.get("output_dir"):
            cfg["output_dir"] = f"{str(cfg['output_dir']).rstrip('/')}/k{k:0{width}d}{suffix}"
        if isinstance(cfg.get("wandb_name"), str):
            cfg["wandb_name"] = f"{cfg['wandb_name']}-k{k}{suffix}"
        name = _point_name(stem, k, width) + suffix + ".yaml"
        header = (
            f"# Generated by `clt sweep` from {_relative_or_absolute(base_path.resolve(), out_abs)} "
            f"(per_language={k}); edit the base config and regenerate instead of editing this file.\n"
        )
        files[name] = header + yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True, width=100)
        points.append(
            {
                "per_language": k,
                **({} if seed is None else {"seed": seed}),
                "config": name,
                "output_dir": cfg.get("output_dir"),
                "spec_sha256": sha256_bytes(canonical_json(normalized).encode()),
            }
        )

    base_bytes = base_path.read_bytes()
    manifest = {
        "schema": "clt-sweep/1",
        "tool_version": __version__,
        "base_config": _relative_or_absolute(base_path.resolve(), out_abs),
        "base_config_sha256": sha256_bytes(base_bytes),
        "seed": raw_spec.get("seed", 0),
        **({} if seeds is None else {"seeds": seeds}),
        "per_language": grid,
        "points": points,
        "launchers": {"sequential": SEQUENTIAL, "slurm": SLURM},
    }
    files[SWEEP_MANIFEST] = canonical_json(manifest)
    configs = [p["config"] for p in points]
    files[SEQUENTIAL] = _sequential_script(configs)
    # Where sbatch may be run from: the -o folder as typed, when relative (deterministic, unlike
    # an absolute path, so a checked-in grid stays the same on every checkout).
    submitted_from = None if out_dir.is_absolute() else out_dir.as_posix()
    files[SLURM] = _slurm_script(stem, configs, submitted_from)
    return {"files": files, "manifest": manifest}


def _sequential_script(configs: list[str]) -> str:
    lines = [
        "#!/usr/bin/env bash",
        "# Train every grid point, one after the other (generated by `clt sweep`); runs from any",
        "# directory: relative output_dir / dataset_prepared_path resolve from this script's folder.",
        "# Extra arguments go to every `axolotl train`, e.g. run_all.sh --launcher accelerate;",
        "# AXOLOTL=echo prints the commands instead (a dry run).",
        "set -euo pipefail",
        'cd "$(dirname "${BASH_SOURCE[0]}")"',
        'AXOLOTL="${AXOLOTL:-axolotl}"',
        "for config in " + " ".join(shlex.quote(c) for c in configs) + "; do",
        '  echo "== $config" >&2',
        '  "$AXOLOTL" train "$config" "$@"',
        "done",
        "",
    ]
    return "\n".join(lines)


def _slurm_script(stem: str, configs: list[str], submitted_from: str | None) -> str:
    # sbatch runs a copy of the script from Slurm's spool folder, so its own path says nothing
    # about where the sweep is: look in every place that can say it, and check each.
    candidates = [
        '"${SWEEP_DIR:-}"',
        '"$(dirname "${BASH_SOURCE[0]}")"',
        '"$(submitted_script_dir)"',
    ]
    if submitted_from:
        candidates.append(f'"${{SLURM_SUBMIT_DIR:-$PWD}}"/{shlex.quote(submitted_from)}')
    candidates.append('"${SLURM_SUBMIT_DIR:-}"')
    lines = [
        "#!/usr/bin/env bash",
        f"#SBATCH --job-name=clt-{stem}",
        f"#SBATCH --array=0-{len(configs) - 1}",
        "#SBATCH --output=slurm-%A_%a.out",
        "# Add your cluster's --partition / --gres / --time lines here.",
        "# One array task per grid point (generated by `clt sweep`); submit from any directory:",
        "#   sbatch path/to/this/slurm_array.sbatch",
        "# The sweep folder is found from SWEEP_DIR (when set), the submitted script's path (scontrol)",
        "# or the folder given to `clt sweep -o` under the submit directory. AXOLOTL=echo: a dry run.",
        "set -euo pipefail",
        "CONFIGS=(" + " ".join(shlex.quote(c) for c in configs) + ")",
        'is_sweep_dir() { [ -n "$1" ] && [ -f "$1/sweep.json" ] && [ -f "$1/${CONFIGS[0]}" ]; }',
        "submitted_script_dir() {",
        '  if [ -n "${SLURM_JOB_ID:-}" ] && command -v scontrol >/dev/null 2>&1; then',
        "    local command",
        "    command=$(scontrol show job \"$SLURM_JOB_ID\" 2>/dev/null | sed -n 's/^ *Command=\\([^ ]*\\).*/\\1/p' | head -n 1) || true",
        '    if [ -n "$command" ]; then dirname "$command"; fi',
        "  fi",
        "}",
        'if [ -n "${SWEEP_DIR:-}" ] && ! is_sweep_dir "$SWEEP_DIR"; then',
        '  echo "slurm_array.sbatch: SWEEP_DIR=$SWEEP_DIR holds no sweep.json and ${CONFIGS[0]}" >&2',
        "  exit 2",
        "fi",
        'sweep_dir=""',
        "for candidate in " + " ".join(candidates) + "; do",
        '  if is_sweep_dir "$candidate"; then sweep_dir=$candidate; break; fi',
        "done",
        'if [ -z "$sweep_dir" ]; then',
        '  echo "slurm_array.sbatch: cannot find the sweep folder (sweep.json beside ${CONFIGS[0]});" \\',
        '       "set SWEEP_DIR=/path/to/it and submit again" >&2',
        "  exit 2",
        "fi",
        'if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then',
        '  echo "slurm_array.sbatch: SLURM_ARRAY_TASK_ID is not set: submit with sbatch, or set it to" \\',
        f'       "0..{len(configs) - 1} to run one point by hand" >&2',
        "  exit 2",
        "fi",
        'config="${CONFIGS[$SLURM_ARRAY_TASK_ID]:-}"',
        'if [ -z "$config" ]; then',
        f'  echo "slurm_array.sbatch: SLURM_ARRAY_TASK_ID=$SLURM_ARRAY_TASK_ID is outside 0..{len(configs) - 1}" >&2',
        "  exit 2",
        "fi",
        'cd "$sweep_dir"',
        'echo "== $config (in $PWD)" >&2',
        'exec "${AXOLOTL:-axolotl}" train "$config" "$@"',
        "",
    ]
    return "\n".join(lines)


def write(plan_: dict[str, Any], out_dir: str | Path) -> Path:
    """Write the planned files (clt_plugin.outputs). A new folder appears whole or not at all; an
    earlier sweep's folder is updated file by file, never replaced, because runs started through
    its launchers keep their outputs inside it: those are never touched, configs of dropped grid
    points are removed, sweep.json goes last since it describes the rest."""
    from clt_plugin.outputs import dir_mode, output_dir

    out_dir = Path(out_dir)
    files = plan_["files"]
    out_dir.parent.mkdir(parents=True, exist_ok=True)  # `-o sweeps/llama-math` on a fresh checkout
    with output_dir(out_dir, COMMAND, keep_folder=True, last=[SWEEP_MANIFEST]) as tmp:
        for name, text in files.items():
            (tmp / name).write_text(text, encoding="utf-8")
            if name.endswith((".sh", ".sbatch")):
                os.chmod(tmp / name, dir_mode())  # executable, as far as the umask allows
    return out_dir


def sweep(
    base_path: str | Path, grid: list[int], out_dir: str | Path, seeds: list[int] | None = None
) -> dict[str, Any]:
    p = plan(base_path, grid, out_dir, seeds)
    write(p, out_dir)
    return p["manifest"]
