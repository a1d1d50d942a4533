"""The paper's grids as presets: one spec, one output directory per grid point."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from clt_plugin.errors import CLTError
from clt_plugin.io import canonical_json
from clt_plugin.languages import SCRIPT_GROUPS
from clt_plugin.mixture.build import ScanMemo, build_mixture
from clt_plugin.mixture.spec import MixtureSpec, load_spec
from clt_plugin.outputs import claim_dir, output_dir

# The one definition of the paper's grids (Shimabucoro et al., 2025), read by `clt mix --grid`,
# `clt sweep`, `clt check-config`, the shipped configs and their headers. Single-task runs (and the
# script mixes, which are single-task runs on two languages) use SINGLE_KS; multi-task runs the 16
# columns of the paper's multi-task tables (Tables 8/9, 15/16, 22/23): 0, 100, then 500 to 7000 by 500.
SINGLE_KS = (0, 100, 200, 400, 800, 1000, 2000, 5000)
MULTI_KS = (0, 100, *range(500, 7001, 500))
# name -> (k values, the seen-language sets it varies; None keeps the spec's own languages).
GRID_AXES: dict[str, tuple[tuple[int, ...], dict[str, tuple[str, ...]] | None]] = {
    "paper-single": (SINGLE_KS, None),
    "paper-multi": (MULTI_KS, None),
    "paper-script": (SINGLE_KS, SCRIPT_GROUPS),  # [es, fr] (Latin) against [ja, zh] (Figs. 6-8)
}
GRIDS = tuple(GRID_AXES)
# The grids that vary k alone (`clt sweep --per-language NAME`).
K_GRIDS = {name: ks for name, (ks, sets) in GRID_AXES.items() if sets is None}
GRID_INDEX = "grid.json"
COMMAND = "clt mix --grid"  # signs grid folders (clt_plugin.outputs)


def grid_axes(name: str) -> tuple[tuple[int, ...], dict[str, tuple[str, ...]] | None]:
    if name not in GRID_AXES:
        raise CLTError(f"unknown grid {name!r} (known: {', '.join(GRIDS)})")
    return GRID_AXES[name]


def point_name(k: int, group: str | None = None, width: int = 4) -> str:
    """`k0100`, or `latin-k0100` when the point also sets the seen languages."""
    return f"{group + '-' if group else ''}k{k:0{width}d}"


def grid_points(name: str) -> list[tuple[str, dict[str, Any]]]:
    """(directory name, changes applied to every task) for each point of preset `name`."""
    ks, sets = grid_axes(name)
    if sets is None:
        return [(point_name(k), {"per_language": k}) for k in ks]
    return [
        (point_name(k, group), {"languages": list(langs), "per_language": k})
        for group, langs in sets.items()
        for k in ks
    ]


def build_grid(
    spec: MixtureSpec | dict | str | Path,
    out_root: str | Path,
    grid: str,
    *,
    cache_dir=None,
    base_dir=None,
    use_cache: bool = True,
) -> dict[str, dict]:
    """Build every point under `out_root/<point>/`; the whole grid appears at once or not at all."""
    spec = load_spec(spec)
    points = grid_points(grid)
    out_root = Path(out_root)
    claim_dir(out_root, COMMAND)  # refused before any work when it is not ours to replace
    specs = {point: spec.with_changes(**changes) for point, changes in points}
    floor = {name: max(max(s.rows_to_draw(name).values()) for s in specs.values()) for name in spec.tasks}
    memo = ScanMemo(floor)
    built: dict[str, dict] = {}
    with output_dir(out_root, COMMAND) as tmp:
        # Largest points first: their rows are a superset of the smaller points' (nesting), so
        # the smaller ones are served from memory.
        for point in sorted(specs, key=lambda p: -sum(sum(t.counts().values()) for t in specs[p].tasks.values())):
            try:
                built[point] = build_mixture(
                    specs[point], tmp / point, cache_dir=cache_dir, base_dir=base_dir, use_cache=use_cache, memo=memo
                )
            except CLTError as e:
                raise CLTError(f"grid {grid}, point {point}: {e}") from None
        manifests = {point: built[point] for point, _ in points}
        index = {
            "grid": grid,
            "points": {
                p: {"counts": m["counts"], "total_rows": m["total_rows"], "train_sha256": m["train_sha256"]}
                for p, m in manifests.items()
            },
        }
        (tmp / GRID_INDEX).write_text(canonical_json(index), encoding="utf-8")
    return manifests
