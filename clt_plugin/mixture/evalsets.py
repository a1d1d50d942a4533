"""The evaluation items a mixture is checked against, read by the loaders the clt tasks use.

Never a second copy of the data: MGSM, XL-Sum and Aya Dolly come from `clt_plugin.tasks.*.load`
(hub Parquet exports, or `data_dir`), IFEval/M-IFEval from `clt_plugin.ifeval.data`. Each
(evaluation set, language) ends in one of three states:

- ``checked``: the items were read; the rule ran against them;
- ``unchecked``: the set exists for the language but could not be read here (offline hub, no
  `data_dir`, a broken file): the mixture is *not* known to be clean of it;
- ``none``: there is no such set for the language (IFEval in Chinese, MGSM in Portuguese) and no
  local file supplies one.

Synthetic families (the demo's generated suite) are not evaluation sets of the paper and are
not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from clt_plugin import families, languages
from clt_plugin.errors import CLTError
from clt_plugin.io import canonical_json, sha256_bytes
from clt_plugin.mixture.ngrams import Item

CHECKED, UNCHECKED, NONE = "checked", "unchecked", "none"


def _meta(data_dir: Path | None) -> dict:
    return {"data_dir": str(data_dir)} if data_dir is not None else {}


def _mgsm(lang: str, data_dir: Path | None) -> list[Item]:
    from clt_plugin.tasks import mgsm

    # The zero-shot family reads the same test problems without needing 8-shot exemplars.
    docs = mgsm.load(clt_language=lang, clt_family="mgsm_chat", **_meta(data_dir))["test"]
    return [Item("mgsm", str(d["id"]), "question", d["question"]) for d in docs]


def _xlsum(lang: str, data_dir: Path | None) -> list[Item]:
    from clt_plugin.tasks import xlsum

    # Every test article, not only the 250 the task samples: `xlsum_n` / `xlsum_seed` change which.
    docs = xlsum.load(clt_language=lang, xlsum_n=0, **_meta(data_dir))["test"]
    return [Item("xlsum", str(d["id"]), f, d[f]) for d in docs for f in ("text", "summary")]


def _dolly(lang: str, data_dir: Path | None) -> list[Item]:
    from clt_plugin.tasks import dolly

    # Both subsets where a language has both: `dolly_subset` picks either at evaluation time.
    subsets = ["machine_translated"] + (["human_edited"] if languages.get(lang).aya in dolly.HUMAN_EDITED else [])
    out = []
    for subset in subsets:
        docs = dolly.load(clt_language=lang, dolly_subset=subset, **_meta(data_dir))["test"]
        out += [Item("dolly", f"{subset}:{d['id']}", f, d[f]) for d in docs for f in ("inputs", "targets")]
    return out


def _ifeval(lang: str, data_dir: Path | None) -> list[Item]:
    from clt_plugin.ifeval.data import load_examples

    return [Item("ifeval", str(ex.key), "prompt", ex.prompt) for ex in load_examples(lang, data_dir)]


def _ifeval_published(lang: str) -> bool:
    from clt_plugin.ifeval.data import MIFEVAL_LANGUAGES

    return lang == languages.ENGLISH or lang in MIFEVAL_LANGUAGES


@dataclass(frozen=True)
class Reader:
    read: Callable[[str, Path | None], list[Item]]
    published: Callable[[str], bool]  # the set exists for the language without local files


READERS: dict[str, Reader] = {
    "mgsm": Reader(_mgsm, lambda l: languages.get(l).mgsm is not None),
    "xlsum": Reader(_xlsum, lambda l: languages.get(l).xlsum is not None),
    "dolly": Reader(_dolly, lambda l: languages.get(l).aya is not None),
    "ifeval": Reader(_ifeval, _ifeval_published),
}


def set_of(family: str) -> str:
    """The evaluation set a task family is scored on (mgsm_chat reads MGSM's test problems)."""
    fam = families.FAMILIES[family]
    for name in READERS:
        if families.FAMILIES[name].source == fam.source:
            return name
    raise CLTError(f"task family {family!r} has no evaluation-set reader for decontamination")


def checked_families() -> tuple[str, ...]:
    """Every task family whose items a mixture is checked against (the non-synthetic ones)."""
    return tuple(n for n, f in families.FAMILIES.items() if not f.synthetic)


@dataclass(frozen=True)
class EvalSet:
    name: str
    lang: str
    status: str  # checked | unchecked | none
    source: str
    items: tuple[Item, ...] = ()
    reason: str | None = None

    @property
    def sha256(self) -> str | None:
        if self.status != CHECKED:
            return None
        return sha256_bytes(canonical_json([[i.item_id, i.field, i.text] for i in self.items]).encode())

    def summary(self) -> dict:
        out = {"status": self.status, "source": self.source, "items": len({i.item_id for i in self.items})}
        if self.status == CHECKED:
            out["sha256"] = self.sha256
        if self.reason:
            out["reason"] = self.reason
        return out


def load(name: str, lang: str, data_dir: Path | None) -> EvalSet:
    """One evaluation set in one language, or why it is not there."""
    reader = READERS[name]
    source = (
        f"data_dir {data_dir} (else {families.FAMILIES[name].source})" if data_dir else families.FAMILIES[name].source
    )
    try:
        items = reader.read(lang, data_dir)
    except CLTError as e:
        reason = str(e).splitlines()[0]
        return EvalSet(name, lang, UNCHECKED if reader.published(lang) else NONE, source, reason=reason)
    return EvalSet(name, lang, CHECKED, source, tuple(items))
