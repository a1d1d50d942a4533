"""Readers that turn XLSum, mCoT-MATH, Bactrian-X, chat corpora, the Aya dataset and local files into
normalized examples (id, task, language, chat `messages`, source metadata)."""

from clt_plugin.sources.config import DATASETS, HUB_DEFAULTS, SourceConfig
from clt_plugin.sources.source import Example, Source, language_of
from clt_plugin.sources.tables import FORMATS, HubTable, Table, open_local


def read_examples(cfg: SourceConfig | dict, task: str, languages, base_dir=None):
    """Every example of `languages` in source order (small sources, inspection, tests)."""
    import numpy as np

    if isinstance(cfg, dict):
        cfg = SourceConfig.model_validate(cfg)
    src = Source(cfg, task, languages, base_dir)
    picked: dict[int, list] = {}
    for i, lang, rows, _ids in src.scan():
        picked.setdefault(i, []).extend((int(r), lang) for r in rows.tolist())
    for i in sorted(picked):
        pairs = sorted(picked[i])
        yield from src.fetch(i, np.asarray([r for r, _ in pairs], dtype=np.int64), [l for _, l in pairs])


__all__ = [
    "DATASETS",
    "HUB_DEFAULTS",
    "FORMATS",
    "Example",
    "HubTable",
    "Source",
    "SourceConfig",
    "Table",
    "language_of",
    "open_local",
    "read_examples",
]
