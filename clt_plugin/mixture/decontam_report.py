"""Decontamination for people: the lines `clt mix`, `clt check-config` and the plugin banner print,
and the matched pairs `clt mix --report-contamination` lists."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from clt_plugin.errors import CLTError
from clt_plugin.io import read_text
from clt_plugin.mixture.ngrams import CHAR_N, THRESHOLD, WORD_N

RULE_LINE = (
    f"rows whose {WORD_N}-word ({CHAR_N}-character for ja/zh) n-grams cover more than {THRESHOLD:.0%} of an "
    "evaluation item in their own language"
)
OFF_LINE = (
    "decontamination: OFF (no `decontaminate:` in the mixture spec): the rows are not checked against "
    "the evaluation sets (add `decontaminate: true`)"
)


def _by_status(sets: dict[str, dict[str, dict]], status: str) -> list[str]:
    out = []
    for name, per in sorted(sets.items()):
        langs = [lang for lang, s in sorted(per.items()) if s["status"] == status]
        if langs:
            out.append(f"{name} ({' '.join(langs)})")
    return out


def manifest_lines(manifest: dict[str, Any]) -> list[str]:
    """What decontamination removed and what it could not check, from a manifest."""
    d = manifest.get("decontamination")
    if not d:
        return [OFF_LINE]
    total = sum(n for per in d["removed_rows"].values() for n in per.values())
    examined = sum(n for per in d["examined"].values() for n in per.values())
    lines = [f"decontamination: removed {total} of {examined} rows examined: {RULE_LINE}"]
    traced = [t for t, on in sorted(d["lineage"].items()) if on]
    if traced:
        lines.append(f"  lineage ({', '.join(traced)}): a translated row goes with its English original (same id)")
    for task, per_lang in sorted(d["removed"].items()):
        cells = []
        for lang, per_set in per_lang.items():
            parts = [
                f"{name} {rule} {n}"
                for name, rules in sorted(per_set.items())
                for rule, n in sorted(rules.items())
                if n
            ]
            cells.append(f"{lang} {d['removed_rows'][task][lang]}" + (f" ({', '.join(parts)})" if parts else ""))
        lines.append(f"  task {task}: removed " + "; ".join(cells))
    checked = _by_status(d["evaluation_sets"], "checked")
    if checked:
        lines.append("  checked against: " + ", ".join(checked))
    for name, per in sorted(d["evaluation_sets"].items()):
        for lang, s in sorted(per.items()):
            if s["status"] == "unchecked":
                lines.append(f"  UNCHECKED, not known to be clean: {name} ({lang}): {s.get('reason', '')}")
    none = _by_status(d["evaluation_sets"], "none")
    if none:
        lines.append("  no evaluation set exists for: " + ", ".join(none))
    lines.append(f"  matched pairs: {d['matches_file']} (clt mix --report-contamination lists them)")
    return lines


def plan_lines(spec) -> list[str]:
    """What a spec's `decontaminate:` will check (clt check-config: nothing is read or built)."""
    from clt_plugin.mixture.decontam import lineage_applies

    cfg = spec.decontaminate
    if cfg is None:
        return [OFF_LINE]
    where = cfg.data_from()
    origin = ("from data_dir " + where if where else "from the Hugging Face Hub") if cfg.reads_data() else "(generated)"
    lines = [f"decontamination: on: {RULE_LINE}; evaluation sets {', '.join(cfg.evaluation_sets())} {origin}"]
    traced = [name for name, task in sorted(spec.tasks.items()) if lineage_applies(cfg, task.source)]
    if traced:
        lines.append(f"  lineage for {', '.join(traced)}: a translated row goes with its English original")
    return lines


def plan_warnings(spec) -> list[str]:
    """What check-config should warn about: decontamination off, or evaluation sets it cannot read."""
    from clt_plugin.sources.sizes import hub_offline

    cfg = spec.decontaminate
    if cfg is None or not cfg.reads_data() or cfg.data_from() or not hub_offline():
        return [OFF_LINE] if cfg is None else []
    stop = " (on_unchecked: error stops the build)" if cfg.on_unchecked == "error" else ""
    return [
        "decontamination: the hub is offline here and no data_dir is set: the evaluation sets cannot be "
        f"read and would be recorded as unchecked{stop}"
    ]


def read_pairs(folder: str | Path, manifest: dict[str, Any]) -> list[dict]:
    d = manifest.get("decontamination")
    if not d:
        return []
    path = Path(folder) / d["matches_file"]
    text = read_text(path, "matched pairs file")
    try:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    except json.JSONDecodeError as e:
        raise CLTError(f"{path}: malformed JSON line ({e.msg})") from None


def format_pairs(pairs: list[dict]) -> str:
    """Each removed row beside the evaluation item it matched, for a person to judge."""
    if not pairs:
        return "no training row matched an evaluation item"
    blocks = []
    for p in pairs:
        how = "its English original matches" if p["rule"] == "lineage" else "matches"
        blocks.append(
            f"[{p['task']}/{p['lang']} row {p['source_id']}] {how} {p['family']} ({p['eval_lang']}) item "
            f"{p['item_id']} {p['field']}: {p['coverage']:.0%} of the item covered\n"
            f"  row:  {p['row_text']!r}\n  item: {p['item_text']!r}"
        )
    return "\n".join(blocks)
