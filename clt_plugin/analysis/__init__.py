"""Results loading, transfer matrices, statistics, tables, plots and reports.

The reusable entry points (also for `clt submit` and the leaderboard):

- `results`: `load_results`, `load_runs`, `RunSpec`, `RunResults`, `TaskResult`, `Score`,
  `find_manifest`, `aggregate`, `Aggregates` (and `Manifest`, `load_manifest`: clt_plugin.manifest's);
- `matrix`: `build_matrix`, `build_matrices`, `check_comparable`, `find_baseline`;
- `stats`: `spearman`, `plateau`; `render`: `render` (github, latex, csv, json);
- `plots` and `report` (matplotlib is imported only there).
"""

from clt_plugin.analysis.matrix import Matrix, build_matrices, build_matrix
from clt_plugin.analysis.results import (
    Aggregates,
    Manifest,
    RunResults,
    RunSpec,
    Score,
    TaskResult,
    aggregate,
    find_manifest,
    load_manifest,
    load_results,
    load_runs,
)

__all__ = [
    "Aggregates",
    "Manifest",
    "Matrix",
    "RunResults",
    "RunSpec",
    "Score",
    "TaskResult",
    "aggregate",
    "build_matrices",
    "build_matrix",
    "find_manifest",
    "load_manifest",
    "load_results",
    "load_runs",
]
