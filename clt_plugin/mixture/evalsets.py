"""The evaluation items a mixture is checked against, read by the loaders the clt tasks use.

Never a second copy of the data: MGSM, XL-Sum and Aya Dolly come from `clt_plugin.tasks.*.load`
(hub Parquet exports, or `data_dir`), IFEval/M-IFEval from `clt_plugin.ifeval.data`. Each
(evaluation set, language) ends in one of three states:

- ``checked``: the items were read; the rule ran against them;
- ``unchecked``: the set exists for the language but could not be read here (offline hub, no
  `data_dir`, a broken file): the mixture is *not* known to be clean of it;
- ``none``: there is no such set for the language (IFEval in Chinese, MGSM in Portuguese) and no
  local file supplies one.

The items are the ones the task evaluates when lm-eval passes it the spec's `metadata` (its
`--metadata`): XL-Sum's seeded sample of 250 test articles by default (`xlsum_n: 0`: every one),
both Dolly subsets unless `dolly_subset` picks one. The synthetic families (the demo's generated
suite) are checked only when a spec names them (`families: [synth_math]`): they are not the
paper's, but they are what the demo and the tiny-cpu config are evaluated on, and they are
generated here from `synth_n`/`synth_seed`, offline.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any, Callable

from clt_plugin import families, languages
from clt_plugin.errors import CLTError
from clt_plugin.mixture.ngrams import Item

CHECKED, UNCHECKED, NONE = "checked", "unchecked", "none"


def _meta(lang: str, data_dir: Path | None, metadata: dict[str, Any]) -> dict[str, Any]:
    """What lm-eval would pass the task: the spec's `metadata`, the language, the data_dir."""
    return {**metadata, "clt_language": lang, **({"data_dir": str(data_dir)} if data_dir is not None else {})}


def _items(name: str, docs, fields: tuple[str, ...], prefix: str = "") -> list[Item]:
    """Items of a task's test split, read as columns (row by row, a dataset is slow to iterate)."""
    cols = docs.select_columns(["id", *fields]).to_dict()
    ids = [f"{prefix}{i}" for i in cols["id"]]
    return [Item(name, i, f, t) for f in fields for i, t in zip(ids, cols[f])]


def _mgsm(lang: str, data_dir: Path | None, metadata: dict[str, Any]) -> list[Item]:
    from clt_plugin.tasks import mgsm

    # The zero-shot family reads the same test problems without needing 8-shot exemplars.
    docs = mgsm.load(**_meta(lang, data_dir, metadata), clt_family="mgsm_chat")["test"]
    return _items("mgsm", docs, ("question",))


def _xlsum(lang: str, data_dir: Path | None, metadata: dict[str, Any]) -> list[Item]:
    from clt_plugin.tasks import xlsum

    # The articles the task evaluates: its seeded sample (`xlsum_n: 0` in metadata: every one).
    docs = xlsum.load(**_meta(lang, data_dir, metadata))["test"]
    return _items("xlsum", docs, ("text", "summary"))


def _dolly(lang: str, data_dir: Path | None, metadata: dict[str, Any]) -> list[Item]:
    from clt_plugin.tasks import dolly

    # Both subsets where a language has both, unless metadata picks one (`dolly_subset`).
    both = ["machine_translated"] + (["human_edited"] if languages.get(lang).aya in dolly.HUMAN_EDITED else [])
    chosen = metadata.get("dolly_subset", "auto")
    out = []
    for subset in both if chosen == "auto" else [chosen]:
        docs = dolly.load(**_meta(lang, data_dir, metadata), dolly_subset=subset)["test"]
        out += _items("dolly", docs, ("inputs", "targets"), f"{subset}:")
    return out


def _ifeval(lang: str, data_dir: Path | None, metadata: dict[str, Any]) -> list[Item]:
    from clt_plugin.ifeval.data import load_examples

    return [Item("ifeval", str(ex.key), "prompt", ex.prompt) for ex in load_examples(lang, data_dir)]


def _ifeval_published(lang: str) -> bool:
    from clt_plugin.ifeval.data import MIFEVAL_LANGUAGES

    return lang == languages.ENGLISH or lang in MIFEVAL_LANGUAGES


def _synth(family: str) -> Callable[[str, Path | None, dict[str, Any]], list[Item]]:
    def read(lang: str, data_dir: Path | None, metadata: dict[str, Any]) -> list[Item]:
        from clt_plugin.tasks import synth

        docs = synth.load(**_meta(lang, data_dir, metadata), clt_family=family)["test"]
        # synth_math's answers are bare numbers, which any training reply may equal (as MGSM's
        # questions alone are checked); the others' answers are text.
        fields = ("prompt",) if family == "synth_math" else ("prompt", "answer")
        return _items(family, docs, fields)

    return read


@dataclass(frozen=True)
class Reader:
    read: Callable[[str, Path | None, dict[str, Any]], list[Item]]
    published: Callable[[str], bool]  # the set exists for the language without local files


READERS: dict[str, Reader] = {
    "mgsm": Reader(_mgsm, lambda l: languages.get(l).mgsm is not None),
    "xlsum": Reader(_xlsum, lambda l: languages.get(l).xlsum is not None),
    "dolly": Reader(_dolly, lambda l: languages.get(l).aya is not None),
    "ifeval": Reader(_ifeval, _ifeval_published),
    **{
        name: Reader(_synth(name), lambda l, name=name: l in families.FAMILIES[name].languages)
        for name, fam in families.FAMILIES.items()
        if fam.synthetic
    },
}


def set_of(family: str) -> str:
    """The evaluation set a task family is scored on (mgsm_chat reads MGSM's test problems)."""
    if family in READERS:  # the synthetic families share one source but are three sets
        return family
    fam = families.FAMILIES[family]
    for name in READERS:
        if families.FAMILIES[name].source == fam.source:
            return name
    raise CLTError(f"task family {family!r} has no evaluation-set reader for decontamination")


def checked_families(synthetic: bool = False) -> tuple[str, ...]:
    """The task families a mixture is checked against by default (the paper's, not the synthetic
    ones); `synthetic=True`: every family a spec may name."""
    return tuple(n for n, f in families.FAMILIES.items() if synthetic or not f.synthetic)


@dataclass(frozen=True)
class EvalSet:
    name: str
    lang: str
    status: str  # checked | unchecked | none
    source: str
    items: tuple[Item, ...] = ()
    reason: str | None = None

    @cached_property
    def sha256(self) -> str | None:
        if self.status != CHECKED:
            return None
        h = hashlib.sha256()
        for i in self.items:
            h.update(json.dumps([i.item_id, i.field, i.text], ensure_ascii=False).encode() + b"\n")
        return h.hexdigest()

    def summary(self) -> dict:
        out = {"status": self.status, "source": self.source, "items": len({i.item_id for i in self.items})}
        if self.status == CHECKED:
            out["sha256"] = self.sha256
        if self.reason:
            out["reason"] = self.reason
        return out


def load(name: str, lang: str, data_dir: Path | None, metadata: dict[str, Any] | None = None) -> EvalSet:
    """One evaluation set in one language as the task would evaluate it with lm-eval `--metadata`
    `metadata`, or why it is not there."""
    reader = READERS[name]
    source = (
        f"data_dir {data_dir} (else {families.FAMILIES[name].source})" if data_dir else families.FAMILIES[name].source
    )
    try:
        items = reader.read(lang, data_dir, metadata or {})
    except CLTError as e:
        reason = str(e).splitlines()[0]
        return EvalSet(name, lang, UNCHECKED if reader.published(lang) else NONE, source, reason=reason)
    return EvalSet(name, lang, CHECKED, source, tuple(items))
