"""`clt sweep`: one axolotl config per grid point, a sweep manifest, and two launchers.

Every point keeps the base spec's seed and changes only `per_language` (and, for a script grid,
the seen languages), so the mixture engine's nested sampling makes the k=100 rows a subset of the
k=200 rows, and English is identical across the grid. Output is deterministic (no timestamps, no
absolute paths unless the base config had them), so a checked-in grid can be regenerated and
compared.
"""

from __future__ import annotations

import copy
import math
import os
import shlex
from dataclasses import dataclass
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
    from clt_plugin.mixture.grid import GRIDS, K_GRIDS

    if text in K_GRIDS:
        return list(K_GRIDS[text])
    if text in GRIDS:
        raise CLTError(f"--per-language: {text} varies the seen languages too; use --grid {text}")
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


@dataclass(frozen=True)
class Grid:
    """What a sweep varies: k, and optionally the seen-language set (label, languages)."""

    ks: tuple[int, ...]
    language_sets: tuple[tuple[str, tuple[str, ...]], ...] | None = None
    name: str | None = None  # a named grid of clt_plugin.mixture.grid

    def points(self) -> list[tuple[str | None, tuple[str, ...] | None, int]]:
        """(language-set label, its languages, k) per point: every k of one set, then the next set."""
        sets = self.language_sets or ((None, None),)
        return [(label, langs, k) for label, langs in sets for k in self.ks]


def named_grid(name: str) -> Grid:
    from clt_plugin.mixture.grid import grid_axes

    ks, sets = grid_axes(name)
    return Grid(tuple(ks), None if sets is None else tuple((g, tuple(l)) for g, l in sets.items()), name)


def parse_language_sets(texts: list[str]) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """['es,fr', 'non-latin'] -> (('es-fr', ('es', 'fr')), ('non-latin', ('ja', 'zh'))): each a
    comma list of languages or a script group's name (clt_plugin.languages.SCRIPT_GROUPS)."""
    from clt_plugin.languages import SCRIPT_GROUPS, UnknownLanguageError, validate

    out: list[tuple[str, tuple[str, ...]]] = []
    for text in texts:
        if text in SCRIPT_GROUPS:
            entry = (text, tuple(SCRIPT_GROUPS[text]))
        else:
            try:
                langs = tuple(validate(part.strip()) for part in text.split(",") if part.strip())
            except UnknownLanguageError as e:
                raise CLTError(f"--languages: {e}") from None
            if not langs:
                raise CLTError(f"--languages: {text!r} names no language (e.g. es,fr or {', '.join(SCRIPT_GROUPS)})")
            entry = ("-".join(langs), langs)
        if any(entry[0] == label or set(entry[1]) == set(langs) for label, langs in out):
            raise CLTError(f"--languages: {text!r} is listed twice")
        out.append(entry)
    return tuple(out)


def grid_from_options(per_language: str | None, languages: list[str] | None, name: str | None) -> Grid | None:
    """`clt sweep`'s --per-language / --languages / --grid; None: the grid the config asks for."""
    if name is not None:
        if per_language is not None or languages:
            raise CLTError("--grid: names both axes; give it alone, or --per-language (and --languages) instead")
        return named_grid(name)
    if per_language is None:
        if languages:
            raise CLTError("--languages: give the k values too (--per-language K,...)")
        return None
    return Grid(tuple(parse_grid(per_language)), parse_language_sets(languages) if languages else None)


def _point_name(stem: str, k: int, width: int, label: str | None = None) -> str:
    from clt_plugin.mixture.grid import point_name

    return f"{stem}-{point_name(k, label, width)}"


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


def plan(
    base_path: str | Path,
    grid: list[int] | Grid | None,
    out_dir: str | Path,
    seeds: list[int] | None = None,
    *,
    eval_checkpoints: bool = False,
) -> dict[str, Any]:
    """Everything the sweep will write, as {filename: text}, plus the sweep manifest and the size
    notes of its points; writes nothing. `grid`: k values, a Grid, or None for the grid the base
    config asks for (`clt_grid`).

    With `seeds`, every grid point is trained once per seed: the seed is both axolotl's `seed` and
    the mixture's sampling seed (each recorded in the run's manifest), so `clt matrix` pools them.
    With `eval_checkpoints`, every checkpoint is kept and evaluated after training (clt_eval)."""
    from clt_plugin.axolotl.config_check import size_problems
    from clt_plugin.mixture import load_spec
    from clt_plugin.mixture.grid import point_name

    base_path = Path(base_path)
    out_dir = Path(out_dir)
    base, clt = checked_file(base_path, grid="none")
    if clt is None or clt.mixture is None:
        raise CLTError(f"{base_path}: clt_mixture is not set; a sweep varies its per_language")
    grid = _the_grid(grid, clt.grid, base_path)
    if eval_checkpoints and clt.eval is None:
        raise CLTError(
            f"{base_path}: --eval-checkpoints needs clt_eval: in the config, to say what every checkpoint is "
            "evaluated on, e.g. clt_eval: {tasks: [mgsm], languages: [en, es, fr, ja, zh, ar, ko, pt]}"
        )
    raw_spec = clt.spec_data()
    sources_dir = clt.sources_dir

    stem = base_path.stem
    width = len(str(max(grid.ks)))
    out_abs = out_dir.resolve()
    files: dict[str, str] = {}
    points = []
    for (label, langs, k), seed in [(p, s) for p in grid.points() for s in (seeds or [None])]:
        spec = copy.deepcopy(raw_spec)
        for task in (spec.get("tasks") or {}).values():
            task["per_language"] = k
            if langs is not None:
                task["languages"] = list(langs)
        suffix = "" if seed is None else f"-s{seed}"
        if seed is not None:
            spec["seed"] = seed
        what = f"per_language={k}" + ("" if langs is None else f", languages={','.join(langs)}")
        try:
            normalized = load_spec(spec, base_dir=sources_dir).normalized()
        except CLTError as e:
            raise CLTError(f"{base_path}: grid point {what}{'' if seed is None else f', seed {seed}'}: {e}") from None
        cfg = {}
        for key, val in copy.deepcopy(base).items():
            if key in ("clt_base_dir", "clt_grid"):  # a point is one point: the sweep checked its grid
                continue
            cfg[key] = spec if key == "clt_mixture" else val
            if key == "clt_mixture":
                # Source paths of the spec keep meaning what they meant beside the base config.
                cfg["clt_base_dir"] = _relative_or_absolute(sources_dir, out_abs)
        if seed is not None:
            cfg["seed"] = seed  # axolotl's training seed; the plugin records it in the manifest
        tag = point_name(k, label, width) + suffix
        if cfg.get("output_dir"):
            cfg["output_dir"] = f"{str(cfg['output_dir']).rstrip('/')}/{tag}"
        if isinstance(cfg.get("wandb_name"), str):
            cfg["wandb_name"] = f"{cfg['wandb_name']}-{'' if label is None else label + '-'}k{k}{suffix}"
        if eval_checkpoints:
            cfg["save_total_limit"] = None  # keep every checkpoint: each one is evaluated
            cfg["clt_eval"] = {**cfg["clt_eval"], "checkpoints": True}
        name = _point_name(stem, k, width, label) + suffix + ".yaml"
        header = (
            f"# Generated by `clt sweep` from {_relative_or_absolute(base_path.resolve(), out_abs)} "
            f"({what}); edit the base config and regenerate instead of editing this file.\n"
        )
        files[name] = header + yaml.safe_dump(cfg, sort_keys=False, allow_unicode=True, width=100)
        points.append(
            {
                "per_language": k,
                **({} if langs is None else {"languages": list(langs)}),
                **({} if seed is None else {"seed": seed}),
                "config": name,
                "output_dir": cfg.get("output_dir"),
                "spec_sha256": sha256_bytes(canonical_json(normalized).encode()),
                **({"checkpoints": checkpoints_kept(cfg)} if eval_checkpoints else {}),
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
        **({} if grid.name is None else {"grid": grid.name}),
        "per_language": list(grid.ks),
        **({} if grid.language_sets is None else {"languages": {l: list(s) for l, s in grid.language_sets}}),
        **({"eval_checkpoints": True} if eval_checkpoints else {}),
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
    # The points the sources cannot fill, said before any of them trains.
    changes = [
        (point_name(k, label, width), {"per_language": k, **({} if langs is None else {"languages": list(langs)})})
        for label, langs, k in grid.points()
    ]
    notes = [*clt.notes, *sum(size_problems(clt, changes), [])]
    return {"files": files, "manifest": manifest, "notes": notes}


def _the_grid(grid: list[int] | Grid | None, asked: str | None, base_path: Path) -> Grid:
    if isinstance(grid, Grid):
        return grid
    if grid is not None:
        return Grid(tuple(grid))
    if asked is None:
        raise CLTError(
            f"{base_path}: no grid: give --per-language K,... (and --languages), or --grid NAME, or set "
            "clt_grid: in the config"
        )
    return named_grid(asked)


def checkpoints_kept(cfg: dict[str, Any]) -> int:
    """About how many checkpoints a point's run saves: one every save_steps optimizer steps over
    its training rows (the mixture's, validation held out; rows axolotl drops for length not
    foreseen), at clt_global_batch_size rows a step (else micro batch x accumulation on one
    process); 0 when it saves on no step schedule."""
    from clt_plugin.mixture import load_spec

    if cfg.get("save_strategy", "steps") != "steps" or not cfg.get("save_steps"):
        return 0
    spec = load_spec(cfg["clt_mixture"])
    rows = sum(spec.english_count(t) + sum(spec.tasks[t].counts().values()) for t in spec.tasks)
    batch = cfg.get("clt_global_batch_size") or (cfg.get("micro_batch_size") or 1) * (
        cfg.get("gradient_accumulation_steps") or 1
    )
    # max_steps, when set, replaces the epochs (transformers' rule).
    steps = int(cfg["max_steps"]) if cfg.get("max_steps") else math.ceil(rows / batch) * int(cfg.get("num_epochs") or 1)
    return steps // int(cfg["save_steps"])


# axolotl sends usage telemetry (posthog) unless told not to; on a node without internet every
# attempt logs a NameResolutionError (about 40 per run). A value the user set is kept.
_NO_TELEMETRY = ['export AXOLOTL_DO_NOT_TRACK="${AXOLOTL_DO_NOT_TRACK:-1}"  # no axolotl telemetry']


def _sequential_script(configs: list[str]) -> str:
    lines = [
        "#!/usr/bin/env bash",
        "# Train every grid point, one after the other (generated by `clt sweep`); runs from any",
        "# directory: relative output_dir / dataset_prepared_path resolve from this script's folder.",
        "# Extra arguments go to every `axolotl train`, e.g. run_all.sh --launcher accelerate;",
        "# AXOLOTL=echo prints the commands instead (a dry run).",
        "set -euo pipefail",
        *_NO_TELEMETRY,
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
        *_NO_TELEMETRY,
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
    base_path: str | Path, grid: list[int] | Grid | None, out_dir: str | Path, *args, **options
) -> dict[str, Any]:
    """Write the sweep `plan` makes (same arguments); returns its manifest, with the size notes of
    its points under "notes"."""
    p = plan(base_path, grid, out_dir, *args, **options)
    write(p, out_dir)
    return {**p["manifest"], "notes": p["notes"]}
