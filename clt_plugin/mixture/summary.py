"""A manifest as a table for people: rows per task and language."""

from __future__ import annotations

from tabulate import tabulate

from clt_plugin.mixture.decontam_report import manifest_lines


def summary_table(manifest: dict) -> str:
    langs = [manifest["languages"]["english"], *manifest["languages"]["seen"]]
    rows = []
    totals = [0] * len(langs)
    for task, counts in sorted(manifest["counts"].items()):
        cells = [counts.get(l, 0) for l in langs]
        totals = [a + b for a, b in zip(totals, cells)]
        rows.append([task, *cells, sum(cells)])
    if len(rows) > 1:
        rows.append(["total", *totals, sum(totals)])
    return tabulate(rows, headers=["task", *langs, "rows"], tablefmt="github")


def describe(manifest: dict) -> str:
    check = manifest["language_check"]
    lines = [
        summary_table(manifest),
        "",
        f"seed {manifest['seed']}, {manifest['spec']['alignment']} alignment, {manifest['spec']['mode']} mode; "
        f"per_language: {manifest['per_language']}; english_only: {str(manifest['english_only']).lower()}",
    ]
    if check["mode"] != "off":
        flagged = sum(n for t in check["flagged"].values() for n in t.values())
        dropped = sum(n for t in check["dropped"].values() for n in t.values())
        lines.append(
            f"language check ({check['mode']}): {flagged} rows in another language, {dropped} dropped and refilled"
        )
    lines.extend(manifest_lines(manifest))
    lines.append(f"train.jsonl sha256 {manifest['train_sha256']}")
    return "\n".join(lines)


def written(out, manifest: dict) -> str:
    """The files a `clt mix` build wrote, with their rows: train.jsonl, validation.jsonl (when the
    spec holds rows out) and manifest.json."""
    files = [f"{out / manifest['train_file']} ({manifest['total_rows']} rows)"]
    held = manifest.get("validation")
    if held:
        files.append(f"{out / held['file']} ({held['total_rows']} rows held out for validation)")
    return f"wrote {', '.join(files)} and {out / 'manifest.json'}"
