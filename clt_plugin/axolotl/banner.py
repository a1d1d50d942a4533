"""The start-up banner: what the run is about to train on, per task and language."""

from __future__ import annotations

from typing import Any

from tabulate import tabulate

from clt_plugin.mixture.decontam_report import manifest_lines


def _language_order(manifest: dict[str, Any]) -> list[str]:
    english = (manifest.get("languages") or {}).get("english", "en")
    langs: list[str] = [english]
    for lang in (manifest.get("languages") or {}).get("seen", []):
        if lang not in langs:
            langs.append(lang)
    for per_lang in (manifest.get("counts") or {}).values():
        for lang in per_lang:
            if lang not in langs:
                langs.append(lang)
    return langs


def format_banner(manifest: dict[str, Any], train_file: str | None = None) -> str:
    counts: dict[str, dict[str, int]] = manifest.get("counts") or {}
    langs = _language_order(manifest)
    rows = []
    for task in sorted(counts):
        per = counts[task]
        rows.append([task, *[per.get(lang, 0) for lang in langs], sum(per.values())])
    rows.append(
        ["total", *[sum(counts[t].get(lang, 0) for t in counts) for lang in langs], manifest.get("total_rows", 0)]
    )
    table = tabulate(rows, headers=["task", *langs, "total"], tablefmt="simple", intfmt=",")
    k = manifest.get("per_language")
    kind = (
        "English-only baseline"
        if manifest.get("english_only")
        else (f"{k} per language" if k is not None else "mixed counts")
    )
    head = (
        f"clt: training on mixture {str(manifest.get('spec_sha256', ''))[:12]} "
        f"(seed {manifest.get('seed')}, {kind}, {manifest.get('total_rows', 0)} rows)"
    )
    lines = [head, table]
    if train_file:
        lines.append(f"clt: rows from {train_file}")
    lines += [f"clt: {line}" for line in manifest_lines(manifest)]  # what decontamination removed, or OFF
    return "\n".join(lines)


def format_size_notes(notes: list[str]) -> str:
    """The grid points (see `config_check.size_problems`) this mixture's sources cannot fill."""
    return "\n".join(f"clt: warning: {note}" for note in notes)


def format_row_check(record: dict[str, Any]) -> str:
    """One line after tokenization; a loud one when axolotl dropped mixture rows."""
    dropped = record["dropped_by_axolotl"]
    base = (
        f"clt: tokenized {record['mixture_rows']} mixture rows -> {record['train_rows']} train"
        f" + {record['eval_rows_from_mixture']} validation"
    )
    if record.get("validation_rows"):
        base += f" (+ {record['eval_rows']} held-out validation rows of the spec's {record['validation_rows']})"
    if dropped:
        return (
            f"{base}; WARNING: axolotl dropped {dropped} rows (longer than sequence_len, or duplicates): "
            "the model does not see the exact mixture in the manifest (raise sequence_len, or set "
            "excess_length_strategy: raise to stop instead)"
        )
    return base + "; none dropped"
