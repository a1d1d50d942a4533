"""Which runs a matrix compares, and how: comparability checks, base models, English-only
baselines, and the pooling of one configuration's seeds into one entry (one row)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from typing import Mapping, Sequence

from clt_plugin.analysis.checkpoints import model_json
from clt_plugin.analysis.results import RunResults
from clt_plugin.errors import CLTError

_SEED_SUFFIX = re.compile(r"[-_.](seed|s)[-_]?\d+$", re.IGNORECASE)


# --------------------------------------------------------------------------- comparability


def check_comparable(runs: Sequence[RunResults], family: str) -> list[str]:
    """Differences in task version, task hash or few-shot between runs, one line per difference."""
    return comparability(runs, family)[0]


def comparability(runs: Sequence[RunResults], family: str) -> tuple[list[str], set[str]]:
    """(one line per difference, the runs that differ from the majority in any of them)."""
    problems: list[str] = []
    flagged: set[str] = set()
    by_task: dict[str, dict[str, dict[object, list[str]]]] = {}
    for run in runs:
        for t in run.tasks.values():
            if t.family != family:
                continue
            fields = by_task.setdefault(t.task, {"version": {}, "task hash": {}, "n-shot": {}})
            fields["version"].setdefault(t.version, []).append(run.name)
            fields["n-shot"].setdefault(t.n_shot, []).append(run.name)
            # Hashes exist only when samples were logged; an absent one cannot disagree.
            if t.task_hash is not None:
                fields["task hash"].setdefault(t.task_hash, []).append(run.name)
    for task in sorted(by_task):
        for name, values in by_task[task].items():
            if len(values) > 1:
                problems.append(f"{task}: {name} differs: {_shown(values, _short)}")
                flagged |= _minority(values)
    versions: dict[str | None, list[str]] = {}
    for run in runs:
        if any(t.family == family for t in run.tasks.values()):
            versions.setdefault(run.lm_eval_version, []).append(run.name)
    if len(versions) > 1:
        problems.append(f"lm_eval version differs: {_shown(versions, str)}")
        flagged |= _minority(versions)
    return problems, flagged


def _shown(values: Mapping[object, list[str]], text) -> str:
    return "; ".join(
        f"{text(v)} ({', '.join(names)})" for v, names in sorted(values.items(), key=lambda kv: str(kv[0]))
    )


def _minority(groups: Mapping[object, list[str]]) -> set[str]:
    """Runs outside the largest group (on a tie, the group met first stays unflagged)."""
    majority = max(groups.values(), key=len)
    return {name for names in groups.values() if names is not majority for name in names}


def _short(value: object) -> str:
    text = repr(value)
    return text[:14] + "…'" if isinstance(value, str) and len(value) > 16 else text


# --------------------------------------------------------------------------- base models

_BASE_CACHE: dict[str, str | None] = {}


def base_model(run: RunResults) -> str | None:
    """The checkpoint a run's model was trained from: the base of a LoRA adapter (`pretrained=`
    beside `peft=`), else the `_name_or_path` its config.json records; None when unknown."""
    args = run.model_args
    if args.get("peft") and args.get("pretrained"):
        return args["pretrained"]
    model_dir = run.model_dir()
    if not model_dir:
        return None
    if model_dir not in _BASE_CACHE:
        _BASE_CACHE[model_dir] = _recorded_base(model_dir)
    return _BASE_CACHE[model_dir]


def _recorded_base(model_dir: str) -> str | None:
    cfg = model_json(model_dir, "config.json", "model config")
    name = cfg.get("_name_or_path") if cfg is not None else None
    if isinstance(name, str) and name and os.path.normpath(name) != os.path.normpath(model_dir):
        return name
    return None


# --------------------------------------------------------------------------- seeds


def _seed_of(run: RunResults) -> tuple[object, object] | None:
    m = run.manifest
    if m is None:
        return None
    return (m.training_seed, m.seed)


def _config_key(run: RunResults, base: str | None) -> tuple | None:
    """What must be equal for two runs to be seeds of one configuration."""
    m = run.manifest
    if m is None:
        return None
    counts = tuple(sorted((t, tuple(sorted(per.items()))) for t, per in m.counts.items()))
    return (base, tuple(m.seen), m.per_language, m.english_only, counts)


@dataclass
class Entry:
    """One row's runs: a single run, or the seeds of one configuration."""

    name: str
    runs: list[RunResults]
    base: str | None

    @property
    def manifest(self):
        return self.runs[0].manifest


def seed_entries(runs: Sequence[RunResults], bases: dict[str, str | None], notes: list[str]) -> list[Entry]:
    """One entry per configuration whose runs differ only in their seeds, else one per run."""
    groups: dict[tuple, list[RunResults]] = {}
    for r in runs:
        key = _config_key(r, bases[r.name])
        groups.setdefault(("run", r.name) if key is None else key, []).append(r)
    entries = []
    for members in groups.values():
        seeds = [_seed_of(r) for r in members]
        if len(members) > 1 and len(set(seeds)) == len(members):
            members = sorted(members, key=lambda r: (str(_seed_of(r)), r.name))
            stems = {_SEED_SUFFIX.sub("", r.name) for r in members}
            name = stems.pop() if len(stems) == 1 else "+".join(r.name for r in members)
            entries.append(Entry(name, members, bases[members[0].name]))
            notes.append(f"{name}: {len(members)} seeds pooled ({', '.join(r.name for r in members)})")
        else:
            entries.extend(Entry(r.name, [r], bases[r.name]) for r in members)
    return entries


def seed_label(run: RunResults) -> str:
    training, mixture = _seed_of(run) or (None, None)
    return f"{'–' if training is None else training}/{'–' if mixture is None else mixture}"


# --------------------------------------------------------------------------- baselines


def _describe(run: RunResults) -> str:
    m = run.manifest
    if m is None:
        return f"{run.name} (no manifest)"
    k = m.examples_per_language()
    return f"{run.name} (k={k if k is not None else 'mixed'}, english_only={str(m.english_only).lower()})"


def find_baseline(runs: Sequence[RunResults], name: str | None = None, *, required: bool = False) -> RunResults | None:
    """The English-only run: named, or the one whose manifest says english_only."""
    if name is not None:
        for run in runs:
            if run.name == name:
                return run
        raise CLTError(f"--baseline {name!r}: no such run (runs: {', '.join(r.name for r in runs)})")
    found = [r for r in runs if r.manifest is not None and r.manifest.english_only]
    if len(found) == 1:
        return found[0]
    if not required:
        return None
    if not found:
        raise CLTError(
            "no English-only baseline run (a manifest with english_only: true) among the runs: "
            + ", ".join(_describe(r) for r in runs)
            + "; add one, or name it with --baseline NAME"
        )
    raise CLTError(f"several English-only runs ({', '.join(r.name for r in found)}); pick one with --baseline NAME")


def base_entries(
    entries: list[Entry], runs: Sequence[RunResults], name: str | None, *, required: bool
) -> dict[str, Entry | None]:
    """Each entry's English-only baseline: the one named, or the English-only run of its own base
    model (a grid of several base models has one baseline each), or the only one there is."""
    if name is not None:
        named = next((e for e in entries if e.name == name or name in (r.name for r in e.runs)), None)
        if named is None:
            find_baseline(runs, name)  # raises the usual "no such run"
        return {e.name: named for e in entries}
    english_only = [e for e in entries if e.manifest is not None and e.manifest.english_only]
    by_base: dict[str | None, list[Entry]] = {}
    for e in english_only:
        by_base.setdefault(e.base, []).append(e)
    out: dict[str, Entry | None] = {}
    for e in entries:
        own = by_base.get(e.base, [])
        if len(own) == 1:
            out[e.name] = own[0]
        elif not own and len(english_only) == 1:
            out[e.name] = english_only[0]
        else:
            out[e.name] = None
    if required and (not english_only or any(len(v) > 1 for v in by_base.values()) or None in out.values()):
        if len(english_only) > 1 and all(len(v) == 1 for v in by_base.values()):
            lacking = sorted(n for n, b in out.items() if b is None)
            raise CLTError(
                f"no English-only baseline run of the same base model for {', '.join(lacking)} "
                f"(baselines: {', '.join(e.name for e in english_only)}); name one with --baseline NAME"
            )
        find_baseline(runs, None, required=True)  # raises the usual message
    return out
