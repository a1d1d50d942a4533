"""A board from a folder of submissions: one row per model, stale task versions flagged.

One row per model id (`model.id`; revisions of one model share its row). Which submission
stands for the model is chosen by `pick`:

- ``latest`` (default): the newest `created_at`; ties go to the file name that sorts last.
  A board of record: a model's row is what its authors submitted most recently.
- ``best``: the highest overall score; ties go to the newest. Useful to see the ceiling of
  each recipe, but it rewards resubmitting, so it is not the default.

Every number shown is recomputed from the per-task metrics of the chosen submission, with one
metric per task family for all rows (the most preferred metric any submission has).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from clt_plugin import languages
from clt_plugin.analysis.results import mean
from clt_plugin.errors import CLTError
from clt_plugin.io import read_json, sha256_file
from clt_plugin.outputs import resolve_path
from clt_plugin.leaderboard.installed import InstalledTask, normalize_version
from clt_plugin.leaderboard.schema import (
    FIDELITY_METRIC,
    Aggregates,
    Submission,
    aggregates,
    parse_submission,
    split_seen,
)
from clt_plugin.families import metric_range, score_metric

PICKS = ("latest", "best")


@dataclass(frozen=True)
class SubmissionFile:
    name: str  # file name inside the submissions folder (never a path from the submission)
    sha256: str
    submission: Submission


@dataclass(frozen=True)
class StaleTask:
    task: str
    submitted: str
    installed: str | None  # None: the task is no longer installed


@dataclass(frozen=True)
class FamilyCell:
    """One row's numbers for one task family."""

    scores: dict[str, float]
    fidelity: dict[str, float]
    seen: tuple[str, ...]
    unseen: tuple[str, ...]
    aggregates: Aggregates
    fidelity_mean: float | None


@dataclass(frozen=True)
class Row:
    rank: int
    file: SubmissionFile
    overall: float | None
    families: dict[str, FamilyCell]
    stale: tuple[StaleTask, ...]
    submissions: int  # how many submissions this model has in the folder

    @property
    def submission(self) -> Submission:
        return self.file.submission


@dataclass(frozen=True)
class Board:
    pick: str
    families: tuple[str, ...]
    metrics: dict[str, str]  # family -> the metric its columns show
    languages: dict[str, tuple[str, ...]]  # family -> languages any row has, English first
    rows: tuple[Row, ...]
    notes: tuple[str, ...] = field(default=())


# --------------------------------------------------------------------------- collecting


def collect(submissions_dir: str | Path) -> list[SubmissionFile]:
    """Read and validate every `*.json` directly inside the folder (not below it).

    A file that is a link to somewhere outside the folder is refused, so a submission folder
    cannot make the board read anything else. Every bad file is named, then nothing is built.
    """
    root = Path(submissions_dir)
    if not root.is_dir():
        raise CLTError(f"{root}: submissions folder not found")
    real_root = resolve_path(root, "submissions folder")
    problems: list[str] = []
    found: list[SubmissionFile] = []
    for path in sorted(root.iterdir(), key=lambda p: p.name):
        if path.suffix != ".json" or path.name.startswith("."):
            continue
        try:
            real = path.resolve()
        except (OSError, RuntimeError):  # a loop of symlinks: RuntimeError before Python 3.13
            problems.append(f"{path}: a loop of symbolic links; refusing to read it")
            continue
        if not real.is_relative_to(real_root):
            problems.append(f"{path}: links outside {root}; refusing to read it")
            continue
        if not real.is_file():
            problems.append(f"{path}: not a regular file")
            continue
        try:
            sub = parse_submission(read_json(path, "submission"), source=str(path))
        except CLTError as e:
            problems.append(str(e))
            continue
        found.append(SubmissionFile(path.name, sha256_file(path), sub))
    if problems:
        raise CLTError("invalid submissions:\n" + "\n".join(problems))
    if not found:
        raise CLTError(f"{root}: no *.json submissions found")
    return found


# --------------------------------------------------------------------------- building


def stale_tasks(sub: Submission, installed: dict[str, InstalledTask]) -> tuple[StaleTask, ...]:
    out = []
    for name in sorted(sub.tasks):
        submitted = normalize_version(sub.tasks[name].version)
        have = installed.get(name)
        now = normalize_version(have.version) if have else None
        if now != submitted:
            out.append(StaleTask(name, str(sub.tasks[name].version), None if have is None else str(have.version)))
    return tuple(out)


def _normalized(value: float, metric: str) -> float:
    lo, hi = metric_range(metric)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return value  # a metric of unknown range counts as it is
    return (value - lo) / (hi - lo)


def overall_score(cells: dict[str, FamilyCell], families: tuple[str, ...], metrics: dict[str, str]) -> float | None:
    """Mean over all board families of the all-language average, each scaled to 0..1.

    None when the row lacks a family: a model is not ranked on the tasks it chose to skip.
    """
    values = []
    for fam in families:
        cell = cells.get(fam)
        if cell is None or cell.aggregates.all is None:
            return None
        values.append(_normalized(cell.aggregates.all, metrics[fam]))
    return mean(values)


def _family_cell(sub: Submission, family: str, metric: str) -> FamilyCell | None:
    tasks = [t for t in sub.tasks.values() if t.family == family]
    scores = {t.language: t.metrics[metric] for t in tasks if metric in t.metrics}
    if not scores:
        return None
    fidelity = {t.language: t.metrics[FIDELITY_METRIC] for t in tasks if FIDELITY_METRIC in t.metrics}
    seen, unseen = split_seen(scores, sub.seen_languages)
    return FamilyCell(
        scores=scores,
        fidelity=fidelity,
        seen=tuple(seen),
        unseen=tuple(unseen),
        aggregates=aggregates(scores, seen, unseen),
        fidelity_mean=mean([fidelity[l] for l in sorted(fidelity)]),
    )


def _order_languages(langs: set[str]) -> tuple[str, ...]:
    paper = [l for l in languages.PAPER_LANGUAGES if l in langs]
    return tuple(paper + sorted(langs - set(paper)))


def build_board(files: list[SubmissionFile], installed: dict[str, InstalledTask], pick: str = "latest") -> Board:
    if pick not in PICKS:
        raise CLTError(f"--pick {pick!r}: choose one of {', '.join(PICKS)}")
    families = tuple(sorted({f for sf in files for f in sf.submission.families}))
    metrics: dict[str, str] = {}
    for fam in families:
        names = {m for sf in files for t in sf.submission.tasks.values() if t.family == fam for m in t.metrics}
        metrics[fam] = score_metric(fam, names) or FIDELITY_METRIC

    def cells(sf: SubmissionFile) -> dict[str, FamilyCell]:
        out = {}
        for fam in families:
            cell = _family_cell(sf.submission, fam, metrics[fam])
            if cell is not None:
                out[fam] = cell
        return out

    by_model: dict[str, list[tuple[SubmissionFile, dict[str, FamilyCell], float | None]]] = {}
    for sf in files:
        c = cells(sf)
        by_model.setdefault(sf.submission.model.id, []).append((sf, c, overall_score(c, families, metrics)))

    chosen = []
    for model_id in sorted(by_model):
        candidates = by_model[model_id]
        if pick == "latest":
            best = max(candidates, key=lambda x: (x[0].submission.created_at, x[0].name))
        else:
            best = max(
                candidates,
                key=lambda x: (x[2] is not None, x[2] or 0.0, x[0].submission.created_at, x[0].name),
            )
        chosen.append((best, len(candidates)))

    # Ranked by overall score, unranked rows last, then by model id for a stable order.
    chosen.sort(key=lambda c: (c[0][2] is None, -(c[0][2] or 0.0), c[0][0].submission.model.id))
    rows = []
    for i, ((sf, c, overall), count) in enumerate(chosen, start=1):
        rows.append(Row(i, sf, overall, c, stale_tasks(sf.submission, installed), count))

    langs = {
        fam: _order_languages({l for r in rows if fam in r.families for l in r.families[fam].scores}) for fam in families
    }
    notes = []
    if any(r.stale for r in rows):
        notes.append("Rows marked stale were scored with task versions that differ from the installed clt tasks.")
    if any(r.overall is None for r in rows):
        notes.append("Rows without an overall score lack at least one task family; they are listed last.")
    return Board(pick, families, metrics, langs, tuple(rows), tuple(notes))
