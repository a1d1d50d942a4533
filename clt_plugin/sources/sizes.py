"""How many rows a source holds per language, and which grid points ask for more.

Checked before GPU time is spent: `clt check-config` and the plugin's banner call
`grid_shortages`. Local files, and hub data already in the local cache when the hub is
offline, are counted from the data itself; other hub sources use the per-language sizes their
dataset cards publish (docs/data-sources.md lists them with their sources). Counts are rows
before the language check, which can only lower them.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from pydantic import ValidationError

from clt_plugin.errors import CLTError
from clt_plugin.languages import ENGLISH
from clt_plugin.sources.config import SourceConfig

# Published train-split sizes per language (lower bounds where the card rounds).
_BACTRIAN_LANGS = (
    "af ar az bn cs de en es et fa fi fr gl gu he hi hr id it ja ka kk km ko lt lv mk ml mn mr my ne nl "
    "pl ps pt ro ru si sl sv sw ta te th tl tr uk ur vi xh zh"
).split()
DOCUMENTED: dict[str, tuple[dict[str, int], str]] = {
    # 67K English instructions (alpaca-52k + dolly-15k) translated into 51 languages; the
    # viewer lists 67k rows for each of the 52 language configs.
    "MBZUAI/Bactrian-X": ({lang: 67_000 for lang in _BACTRIAN_LANGS}, "dataset card: 67k rows per language"),
    # XL-Sum paper (Hasan et al., 2021), train split.
    "csebuetnlp/xlsum": (
        {"en": 306_522, "es": 38_110, "fr": 8_697, "ja": 7_113, "zh": 37_362, "pt": 57_402, "ar": 37_519, "ko": 4_407},
        "XL-Sum paper: train split sizes",
    ),
    # About 6.3M rows over 11 languages (sw bn te th ja zh ru es fr de en).
    "laihuiyuan/mCoT-MATH": (
        {lang: 500_000 for lang in ("sw", "bn", "te", "th", "ja", "zh", "ru", "es", "fr", "de", "en")},
        "mCoT-MATH paper: about 6.3M rows over 11 languages (500k taken as the floor)",
    ),
    # Human-written and small for these languages: far below the paper's 10k English.
    "CohereForAI/aya_dataset": ({"en": 3_900, "fr": 1_400}, "Aya dataset train split: about 3.9k en, 1.4k fr"),
    # WildChat paper (Zhao et al., 2024): about 1M conversations, 53% of turns English and 13%
    # Chinese; floors of 400k and 100k conversations. No per-language count is published for es, fr,
    # ja (Japanese is under 1% of conversations: docs/data-sources.md), so those are counted from the
    # data once it is in the local cache, and otherwise not judged.
    "allenai/WildChat-1M": ({"en": 400_000, "zh": 100_000}, "WildChat paper: 53% English, 13% Chinese (floors)"),
}


@dataclass(frozen=True)
class Availability:
    label: str  # the source, as a user would name it
    counts: dict[str, int]  # language -> rows; a language absent here is unknown
    basis: str  # "counted" or where the documented figure comes from


def hub_offline() -> bool:
    return any(
        os.environ.get(v, "").strip().lower() in ("1", "true", "yes", "on")
        for v in ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE")
    )


def count_rows(cfg: SourceConfig, languages: Sequence[str], base_dir: Path | None) -> dict[str, int]:
    """Rows per language, read from the data (raises CLTError when it cannot be read)."""
    from clt_plugin.sources.source import Source

    src = Source(cfg, "size-check", languages, base_dir)
    counts = {lang: 0 for lang in languages}
    for _i, lang, rows, _ids in src.scan():
        counts[lang] += len(rows)
    return counts


def availability(cfg: SourceConfig, languages: Sequence[str], base_dir: Path | None = None) -> Availability:
    """What a source holds for `languages`: counted when the data is at hand, else documented."""
    label = cfg.path or f"{cfg.hub}" + (f"@{cfg.revision}" if cfg.revision else "")
    if cfg.path or hub_offline():
        try:
            return Availability(label, count_rows(cfg, languages, base_dir), "counted")
        except CLTError:
            if cfg.path:
                raise  # a local file that cannot be read is the user's to fix, and says why
    documented, basis = DOCUMENTED.get(cfg.hub or "", ({}, "no published per-language size"))
    return Availability(label, {l: documented[l] for l in languages if l in documented}, basis)


def grid_shortages(spec, points: Iterable[tuple[str, dict]], base_dir: Path | None = None) -> list[dict]:
    """Every (grid point, task, language) that asks for more rows than its source holds.

    `spec` is a MixtureSpec; `points` are (name, changes) as `mixture.grid.grid_points` gives
    them. Each result: point, task, lang, asked, holds, source, basis.
    """
    points = list(points)
    out = []
    for name, task in spec.tasks.items():
        langs = [ENGLISH] + sorted({l for _, ch in points for l in ch.get("languages", [])} | set(task.languages))
        avail = availability(task.source, langs, base_dir if base_dir is not None else spec.base_dir)
        for point, changes in points:
            try:
                at = spec.with_changes(**changes) if changes else spec
            except ValidationError:  # e.g. mode replace: a k above `english` is no point of this spec's grid
                continue
            asked = at.rows_to_draw(name)  # training rows plus the spec's held-out validation rows
            for lang, n in asked.items():
                have = avail.counts.get(lang)
                if have is not None and n > have:
                    out.append(
                        {
                            "point": point,
                            "task": name,
                            "lang": lang,
                            "asked": n,
                            "holds": have,
                            "source": avail.label,
                            "basis": avail.basis,
                        }
                    )
    return out


def describe(shortages: list[dict]) -> list[str]:
    """One line per task and shortfall: what the source holds and every point that asks for more
    (languages short in the same way share a line)."""
    by_lang: dict[tuple[str, str], list[dict]] = {}
    for s in shortages:
        by_lang.setdefault((s["task"], s["lang"]), []).append(s)
    grouped: dict[tuple, list[str]] = {}
    for (task, lang), items in by_lang.items():
        first = items[0]
        asks = ", ".join(f"{s['point']} ({s['asked']:,})" for s in items)
        grouped.setdefault((task, first["source"], first["holds"], first["basis"], asks), []).append(lang)
    return [
        f"task {task}: {source} holds {holds:,} rows of {', '.join(langs)} ({basis}), fewer than {asks} ask for"
        for (task, source, holds, basis, asks), langs in grouped.items()
    ]
