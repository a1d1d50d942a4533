"""A board from a folder of submissions: one row per model, stale task versions flagged.

One row per model id (`model.id`; revisions of one model share its row). Which submission
stands for the model is chosen by `pick`:

- ``latest`` (default): the newest `created_at`; ties go to the file name that sorts last.
  A board of record: a model's row is what its authors submitted most recently.
- ``best``: the highest overall score; ties go to the newest. Useful to see the ceiling of
  each recipe, but it rewards resubmitting, so it is not the default.

Every number shown is the chosen submission's own, as `clt submit` computed it and the schema
re-checked it on reading; a family's column shows one metric (the registry's) for all rows.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path

from clt_plugin import languages
from clt_plugin.analysis.results import mean
from clt_plugin.errors import CLTError
from clt_plugin.families import metric_range
from clt_plugin.io import parse_json, sha256_bytes
from clt_plugin.leaderboard.installed import InstalledTask, normalize_version
from clt_plugin.leaderboard.schema import FamilyResult, Submission, parse_submission
from clt_plugin.outputs import resolve_path

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
class Row:
    rank: int
    file: SubmissionFile
    overall: float | None
    stale: tuple[StaleTask, ...]
    submissions: int  # how many submissions this model has in the folder

    @property
    def submission(self) -> Submission:
        return self.file.submission

    @property
    def families(self) -> dict[str, FamilyResult]:
        return self.file.submission.families  # as the submission carries them (validated on reading)


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
        try:  # read once: the hash shown on the board is of the bytes that were validated
            raw = real.read_bytes()
            sub = parse_submission(parse_json(raw, str(path), "submission"), source=str(path))
        except OSError as e:
            problems.append(f"{path}: cannot read it ({e.strerror})")
            continue
        except CLTError as e:
            problems.append(str(e))
            continue
        found.append(SubmissionFile(path.name, sha256_bytes(raw), sub))
    if problems:
        raise CLTError("invalid submissions:\n" + "\n".join(problems))
    if not found:
        raise CLTError(f"{root}: no *.json submissions found")
    return found


# --------------------------------------------------------------------------- building


def stale_tasks(sub: Submission, installed: dict[str, InstalledTask]) -> tuple[StaleTask, ...]:
    return tuple(
        StaleTask(name, str(task.version), None if have is None else str(have.version))
        for name, task in sorted(sub.tasks.items())
        for have in [installed.get(name)]
        if normalize_version(task.version) != (normalize_version(have.version) if have else None)
    )


def _normalized(value: float, metric: str) -> float:
    lo, hi = metric_range(metric)
    if not (math.isfinite(lo) and math.isfinite(hi)):
        return value  # a metric of unknown range counts as it is
    return (value - lo) / (hi - lo)


def overall_score(sub: Submission, families: tuple[str, ...]) -> float | None:
    """Mean over all board families of the all-language average, each scaled to 0..1.

    None when the row lacks a family: a model is not ranked on the tasks it chose to skip.
    """
    cells = [sub.families.get(fam) for fam in families]
    if any(c is None or c.aggregates.all is None for c in cells):
        return None
    return mean([_normalized(c.aggregates.all, c.metric) for c in cells])


def _board_metrics(files: list[SubmissionFile], families: tuple[str, ...]) -> dict[str, str]:
    """The one metric each family's columns show; submissions that score a family by different
    metrics cannot share a column."""
    metrics: dict[str, str] = {}
    for fam in families:
        used = {sf.submission.families[fam].metric: sf.name for sf in files if fam in sf.submission.families}
        if len(used) > 1:
            shown = ", ".join(f"{name}: {metric}" for metric, name in sorted(used.items()))
            raise CLTError(f"task family {fam} is scored by different metrics ({shown}); one board needs one")
        metrics[fam] = next(iter(used))
    return metrics


def _order_languages(langs: set[str]) -> tuple[str, ...]:
    paper = [l for l in languages.PAPER_LANGUAGES if l in langs]
    return tuple(paper + sorted(langs - set(paper)))


def build_board(files: list[SubmissionFile], installed: dict[str, InstalledTask], pick: str = "latest") -> Board:
    if pick not in PICKS:
        raise CLTError(f"--pick {pick!r}: choose one of {', '.join(PICKS)}")
    families = tuple(sorted({f for sf in files for f in sf.submission.families}))
    metrics = _board_metrics(files, families)
    by_model: dict[str, list[tuple[SubmissionFile, float | None]]] = {}
    for sf in files:
        by_model.setdefault(sf.submission.model.id, []).append((sf, overall_score(sf.submission, families)))

    def preference(candidate: tuple[SubmissionFile, float | None]) -> tuple:
        sf, overall = candidate
        newest = (sf.submission.created_at, sf.name)
        return newest if pick == "latest" else (overall is not None, overall or 0.0, *newest)

    chosen = [(max(candidates, key=preference), len(candidates)) for candidates in by_model.values()]
    # Ranked by overall score, unranked rows last, then by model id for a stable order.
    chosen.sort(key=lambda c: (c[0][1] is None, -(c[0][1] or 0.0), c[0][0].submission.model.id))
    rows = [
        Row(i, sf, overall, stale_tasks(sf.submission, installed), count)
        for i, ((sf, overall), count) in enumerate(chosen, start=1)
    ]
    langs = {
        fam: _order_languages({l for r in rows if fam in r.families for l in r.families[fam].scores})
        for fam in families
    }
    notes = []
    if any(r.stale for r in rows):
        notes.append("Rows marked stale were scored with task versions that differ from the installed clt tasks.")
    if any(r.overall is None for r in rows):
        notes.append("Rows without an overall score lack at least one task family; they are listed last.")
    return Board(pick, families, metrics, langs, tuple(rows), tuple(notes))
