"""Build one mixture: scan sources, select exact nested samples, check languages, write atomically."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path
from typing import Callable

import numpy as np

from clt_plugin import __version__
from clt_plugin.errors import CLTError
from clt_plugin.io import canonical_json, read_json, sha256_bytes, sha256_file
from clt_plugin.languages import ENGLISH
from clt_plugin.manifest import (
    SCHEMA,
    Decontamination,
    LanguageCheck,
    Manifest,
    ManifestLanguages,
    ValidationSet,
    count_summary,
    load_manifest,
)
from clt_plugin.mixture.decontam import LINEAGE, MATCHES_FILE, NGRAM, Decontaminator, TaskRecord, lineage_applies
from clt_plugin.mixture.decontam import pair_lines as decontam_pairs
from clt_plugin.mixture.decontam import section as decontam_section
from clt_plugin.mixture.keys import hash_ids, salt
from clt_plugin.mixture.select import (
    Candidates,
    Ordering,
    disjoint_pool,
    first_duplicate,
    has_duplicates,
    parallel_pool,
)
from clt_plugin.mixture.spec import MixtureSpec, load_spec
from clt_plugin.outputs import atomic_dir, claim_dir, output_dir, register_legacy
from clt_plugin.resources import user_cache_dir
from clt_plugin.sources import Example, Source

TRAIN_FILE = "train.jsonl"
VALIDATION_FILE = "validation.jsonl"  # written when a task holds rows out (spec `validation:`)
MANIFEST_FILE = "manifest.json"


# ----------------------------------------------------------------------------- output directory


COMMAND = "clt mix"  # signs the folders build_mixture writes (clt_plugin.outputs)


def _legacy_mixture(folder: Path, files: list[str]) -> bool:
    """A `clt mix` folder written before output markers: its manifest is a clt manifest and the
    rows hash to what it records (content only a clt build produces)."""
    if not set(files) <= {MANIFEST_FILE, TRAIN_FILE, VALIDATION_FILE, MATCHES_FILE} or MANIFEST_FILE not in files:
        return False
    try:
        manifest = read_json(folder / MANIFEST_FILE, "manifest", expect=dict)
        return (
            manifest.get("schema") == SCHEMA
            and TRAIN_FILE in files
            and sha256_file(folder / TRAIN_FILE) == manifest.get("train_sha256")
        )
    except (CLTError, OSError):
        return False


register_legacy(COMMAND, _legacy_mixture)


def default_cache_dir() -> Path:
    return user_cache_dir()


# ----------------------------------------------------------------------------- language check


def _base(code: str | None) -> str | None:
    return code.split("-")[0] if code else code


def _detector() -> Callable[[str], str | None]:
    try:
        from clt_plugin.langid import detect
    except ImportError as e:  # pragma: no cover - langid ships with the package
        raise CLTError(f"language_check needs clt_plugin.langid ({e})") from None
    return detect


def _reply_text(ex: Example) -> str:
    replies = [m["content"] for m in ex.messages if m["role"] == "assistant"]
    return replies[-1] if replies else ex.messages[-1]["content"]


# ----------------------------------------------------------------------------- one task


class _Refill(Exception):
    """Decontamination removed more rows than a language's spare candidates could replace."""


class ScanMemo:
    """Shared by the points of a grid, so each source is scanned once and each row read once
    (mCoT-MATH is one 11.6 GB file: eight passes over it would cost hours, not minutes)."""

    def __init__(self, floor: dict[str, int] | None = None):
        self.floor = floor or {}  # task -> the largest count any point asks: collect that many once
        self.orders: dict[tuple, tuple[dict[str, int | None], dict[str, Candidates], dict[str, int]]] = {}
        self.rows: dict[tuple, tuple] = {}  # see _TaskBuild._fetch
        self.decontaminators: dict[str, Decontaminator] = {}  # evaluation sets, read once per grid


class _TaskBuild:
    def __init__(
        self,
        spec: MixtureSpec,
        name: str,
        base_dir: Path | None,
        detect,
        memo: ScanMemo | None = None,
        decon: Decontaminator | None = None,
    ):
        self.spec, self.name, self.detect, self.memo, self.decon = spec, name, detect, memo, decon
        self.task = spec.tasks[name]
        self.held = self.task.validation  # the first rows of each language's sample are validation rows
        self.want = spec.rows_to_draw(name)
        # English is opened only when rows are asked of it: an English-free spec needs no English file.
        langs = ([ENGLISH] if self.want[ENGLISH] else []) + list(self.task.languages)
        self.where = f"{spec._root}.tasks.{name}.source"
        self.source = Source(self.task.source, name, langs, base_dir, where=self.where)
        self.flagged = {l: 0 for l in self.want}
        self.dropped = {l: 0 for l in self.want}
        self.lineage = None
        self.limitless = False  # set when decontamination removed more than the spare candidates
        if decon is not None:
            traced = lineage_applies(spec.decontaminate, self.task.source)
            self.record = TaskRecord(name, traced)
            if traced:
                self.lineage = decon.lineage(self.task.source, name, base_dir, self.where, self._source_key())

    def _label(self, lang: str) -> str:
        labels = [t.label for t, l in self.source.bindings if l in (lang, None)]
        return labels[0] if labels else self.where

    def _key_salt(self, lang: str) -> bytes:
        """What `lang`'s row keys are hashed with: one task-wide key order, or one per language."""
        if self.spec.alignment != "independent":
            return salt(self.spec.seed, self.name)
        return salt(self.spec.seed, self.name, lang)

    def _source_key(self) -> tuple:
        return (
            self.name,
            canonical_json(self.task.source.model_dump(mode="json")),
            tuple(sorted(self.source.fingerprints().items())),
        )

    def _keep(self, lang: str) -> int:
        """Candidates this build walks at most in `lang`: k, and for decontamination a margin of
        spare rows to refill the removed ones from (running out of it rescans: `_Refill`)."""
        return self.want[lang] + (max(1024, self.want[lang] // 4) if self.decon is not None else 0)

    def orderings(self) -> dict[str, Candidates]:
        spec = self.spec
        # Rows skipped by the language check are refilled from further down the order, so every
        # candidate is kept, not only the first k (as after a decontamination `_Refill`).
        full = spec.alignment != "independent" or spec.language_check == "drop" or self.limitless
        # Lineage looks English originals up among the English candidates: all of them.
        every = {ENGLISH} if self.lineage is not None else set()
        key = None
        if self.memo is not None:
            bound = tuple(l for _, l in self.source.bindings)
            key = (self._source_key(), spec.seed, spec.alignment, full, bool(every), bound)
            hit = self.memo.orders.get(key)
            if hit is not None:
                limits, cands, sizes = hit
                if all(limits[l] is None or limits[l] >= self.want[l] for l in self.want):
                    self.sizes = sizes
                    return {l: c if limits[l] is None else c.take(slice(0, self._keep(l))) for l, c in cands.items()}
        floor = self.memo.floor.get(self.name, 0) if self.memo is not None else 0
        orders, salts = {}, {}
        for lang in self.want:
            limit = max(self.want[lang], floor) + self._keep(lang) - self.want[lang]
            orders[lang] = Ordering(None if full or lang in every else limit)
            salts[lang] = self._key_salt(lang)
        for tab, lang, rows, ids in self.source.scan():
            o = orders[lang]
            if o.limit == 0:
                o.seen += len(rows)
                continue  # nothing to sample: skip hashing
            o.add(hash_ids(ids, salts[lang]), tab, rows)
        self.sizes = {lang: o.seen for lang, o in orders.items()}
        result = {lang: o.result() for lang, o in orders.items()}
        if key is not None:
            self.memo.orders[key] = ({l: o.limit for l, o in orders.items()}, result, self.sizes)
            result = {
                l: c.take(slice(0, self._keep(l))) if orders[l].limit is not None else c for l, c in result.items()
            }
        return result

    def _shortage(self, lang: str, have: int, why: str) -> int:
        k = self.want[lang]
        if have >= k:
            return k
        if self.spec.on_shortage == "cap":
            return have
        asked = f"{k} rows ({self.held} validation + {k - self.held} training)" if self.held else f"{k} rows"
        raise CLTError(
            f"{self.where}: {lang}: asked for {asked} but {self._label(lang)} has only {have}{why} "
            f"(set on_shortage: cap to take what there is)"
        )

    def _accept(self, cands: dict[str, Candidates], why: dict[str, str]) -> dict[str, list[tuple[str, bytes]]]:
        """Walk each language's candidates in order, keeping the first k that pass the check."""
        mode = self.spec.language_check
        decon, rec = self.decon, getattr(self, "record", None)
        need = {l: self._shortage(l, len(c), why.get(l, "")) for l, c in cands.items()}
        pos = {l: 0 for l in cands}
        got: dict[str, list[tuple[str, bytes]]] = {l: [] for l in cands}
        while True:
            batch: dict[str, Candidates] = {}
            for l, c in cands.items():
                short = need[l] - len(got[l])
                if short > 0 and pos[l] < len(c):
                    extra = max(8, short // 8) if mode == "drop" or decon is not None else 0
                    batch[l] = c.take(slice(pos[l], pos[l] + short + extra))
                    pos[l] += len(batch[l])
            if not batch:
                break
            fetched = self._fetch(batch)
            # The English originals of every language's rows at once: one pass over the English table.
            translated = [e[0] for l, examples in fetched.items() if l != ENGLISH for e in examples]
            inherited = self.lineage.check(translated) if self.lineage and translated else {}
            for l, examples in fetched.items():
                for sid, line, reply, hits, texts in examples:
                    if len(got[l]) >= need[l]:
                        break
                    if decon is not None:
                        rec.saw(l)
                        if hits:
                            rec.remove(l, sid, NGRAM, hits, texts)
                        up_hits, up_texts = inherited.get(sid, ((), ())) if l != ENGLISH else ((), ())
                        if up_hits:
                            rec.remove(l, sid, LINEAGE, up_hits, up_texts)
                        if hits or up_hits:
                            continue
                    if mode != "off":
                        found = self.detect(reply)
                        if found is not None and _base(found) != _base(l):
                            self.flagged[l] += 1
                            if mode == "drop":
                                self.dropped[l] += 1
                                continue
                    got[l].append((sid, line))
        for l in cands:
            if len(got[l]) < need[l]:  # only reachable when rows were dropped or removed
                if decon is not None and len(cands[l]) < self.sizes.get(l, 0) and not self.limitless:
                    raise _Refill  # more were removed than the spare candidates: the whole order is needed
                self._shortage(l, len(got[l]), self._skipped(l))
        for l, examples in got.items():
            dup = first_duplicate(sid for sid, _ in examples)
            if dup is not None:
                raise CLTError(f"{self._label(l)}: id {dup!r} appears more than once; ids must be unique")
        return got

    def _skipped(self, lang: str) -> str:
        parts = []
        if self.dropped[lang]:
            parts.append(f"dropping {self.dropped[lang]} rows in another language")
        removed = len(self.record.removed_ids.get(lang, ())) if self.decon is not None else 0
        if removed:
            parts.append(f"removing {removed} rows that overlap evaluation items (decontaminate)")
        return f" after {' and '.join(parts)}" if parts else ""

    def _fetch(self, batch: dict[str, Candidates]) -> dict[str, list[tuple]]:
        """Read the batch's rows with one pass per table, then put them back in sampling order.

        Rows are kept as (id, JSON line, reply text when language-checked, evaluation items they
        match when decontaminated, their message texts when they match any): a few hundred bytes
        each instead of a tree of dicts, so 30k rows cost megabytes, not a hundred of them.
        """
        by_tab: dict[int, list[tuple[int, str]]] = {}
        for l, c in batch.items():
            for t, r in zip(c.tabs.tolist(), c.rows.tolist()):
                by_tab.setdefault(t, []).append((r, l))
        found: dict[tuple[int, int], tuple] = {}
        memo = self.memo.rows if self.memo is not None else None
        skey = self._source_key() if memo is not None else None
        for t, pairs in by_tab.items():
            if memo is not None:
                for r, _ in pairs:
                    hit = memo.get((skey, t, r))
                    if (
                        hit is not None
                        and (hit[2] is not None or not self.detect)
                        and (hit[3] is not None or not self.decon)
                    ):
                        found[(t, r)] = hit
                pairs = [(r, l) for r, l in pairs if (t, r) not in found]
            pairs.sort()
            rows = np.asarray([r for r, _ in pairs], dtype=np.int64)
            fetched = list(self.source.fetch(t, rows, [l for _, l in pairs]))
            verdicts = self._check(fetched)
            for ex in fetched:
                line = (json.dumps(ex.to_row(), ensure_ascii=False) + "\n").encode("utf-8")
                hits, texts = verdicts.get(ex.meta["row"], (None, ()))
                found[(t, ex.meta["row"])] = (ex.id, line, _reply_text(ex) if self.detect else None, hits, texts)
                if memo is not None:
                    memo[(skey, t, ex.meta["row"])] = found[(t, ex.meta["row"])]
        return {l: [found[(t, r)] for t, r in zip(c.tabs.tolist(), c.rows.tolist())] for l, c in batch.items()}

    def _check(self, examples: list[Example]) -> dict[int, tuple[tuple, tuple[str, ...]]]:
        """{row: (evaluation items it matches, its texts when it matches any)}, each language's rows
        checked in one pass (empty without decontamination)."""
        if self.decon is None:
            return {}
        out = {}
        for lang in {ex.lang for ex in examples}:
            mine = [ex for ex in examples if ex.lang == lang]
            texts = [tuple(m["content"] for m in ex.messages) for ex in mine]
            for ex, t, hits in zip(mine, texts, self.decon.check(lang, texts)):
                out[ex.meta["row"]] = (hits, t if hits else ())  # texts kept only to show a person the pair
        return out

    def run(self) -> dict[str, list[tuple[str, bytes]]]:
        try:
            return self._run()
        except _Refill:  # start again from every candidate, counting afresh
            self.limitless = True
            self.flagged = {l: 0 for l in self.want}
            self.dropped = {l: 0 for l in self.want}
            self.record = TaskRecord(self.name, self.record.lineage)
            return self._run()

    def _run(self) -> dict[str, list[tuple[str, bytes]]]:
        orders = self.orderings()
        spec = self.spec
        if self.lineage is not None and ENGLISH in self.source.languages:  # originals among our own candidates
            self.lineage.attach(self.source, orders[ENGLISH], self._key_salt(ENGLISH))
        others = [l for l in self.want if l != ENGLISH]
        if spec.alignment == "independent":
            return self._accept(orders, {})
        for l, c in orders.items():
            if has_duplicates(c.keys):
                raise CLTError(f"{self._label(l)}: ids are not unique, but alignment {spec.alignment} pairs rows by id")
        english = self._accept({ENGLISH: orders[ENGLISH]}, {})
        if spec.alignment == "parallel":
            pools = parallel_pool({l: orders[l] for l in others})
            why = {l: f" ids shared by all of {', '.join(others)}" for l in others}
        else:
            taken = hash_ids([sid for sid, _ in english[ENGLISH]], salt(spec.seed, self.name))
            pools = disjoint_pool({l: orders[l] for l in others}, taken)
            why = {l: " ids left to it once ids are split between languages (disjoint)" for l in others}
        return {**english, **self._accept(pools, why)}


# ----------------------------------------------------------------------------- whole mixture


def _decontaminator(spec: MixtureSpec, base: Path | None, memo: ScanMemo | None) -> Decontaminator | None:
    """The spec's evaluation sets, shared with the other points of a grid (read once)."""
    if spec.decontaminate is None:
        return None
    key = canonical_json({"cfg": spec.decontaminate.normalized(), "base": str(base)})
    decon = memo.decontaminators.get(key) if memo is not None else None
    if decon is None:
        decon = Decontaminator(spec.decontaminate, base, where=f"{spec._root}.decontaminate")
        if memo is not None:
            memo.decontaminators[key] = decon
    return decon


def _lineage_languages(builds: dict[str, _TaskBuild]) -> set[str]:
    return {ENGLISH} if any(b.lineage is not None for b in builds.values()) else set()


def _order_key(key: bytes, task: str, lang: str, sid: str) -> bytes:
    return hashlib.blake2b(f"{task}\x1f{lang}\x1f{sid}".encode(), key=key, digest_size=16).digest()


def _manifest(spec: MixtureSpec, counts, fingerprints, flagged, dropped, train_sha: str, total: int) -> Manifest:
    per_language, english_only = count_summary(counts)
    return Manifest(
        schema=SCHEMA,
        tool_version=__version__,
        seed=spec.seed,
        spec=spec.normalized(),
        counts=counts,
        total_rows=total,
        languages=ManifestLanguages(english=ENGLISH, seen=spec.seen_languages()),
        per_language=per_language,
        english_only=english_only,
        sources=fingerprints,
        language_check=LanguageCheck(mode=spec.language_check, flagged=flagged, dropped=dropped),
        train_file=TRAIN_FILE,
        train_sha256=train_sha,
        spec_sha256=sha256_bytes(canonical_json(spec.normalized()).encode()),
    )


def _write_lines(path: Path, lines: list[tuple[bytes, bytes]]) -> str:
    """Write the JSON lines of (order key, line) pairs in their order; return the file's sha256."""
    h = hashlib.sha256()
    with open(path, "wb") as f:
        for _, line in lines:
            h.update(line)
            f.write(line)
    return h.hexdigest()


def _write_validation(out: Path, held_lines: list[tuple[bytes, bytes]], counts: dict[str, dict[str, int]]) -> dict:
    """validation.jsonl and what the manifest says of it: counts, hash, and a hash of the row ids."""
    sha = _write_lines(out / VALIDATION_FILE, held_lines)
    ids = sorted(
        f"{r['clt']['task']}\x1f{r['clt']['lang']}\x1f{r['clt']['source_id']}"
        for r in (json.loads(line) for _, line in held_lines)
    )
    return {
        "file": VALIDATION_FILE,
        "counts": counts,
        "total_rows": len(held_lines),
        "sha256": sha,
        "ids_sha256": sha256_bytes("\n".join(ids).encode("utf-8")),
    }


def _cache_key(spec: MixtureSpec, fingerprints: dict, evaluation: dict | None = None) -> str:
    key = {"tool_version": __version__, "spec": spec.normalized(), "sources": fingerprints}
    if evaluation is not None:  # a changed evaluation set changes which rows decontamination removes
        key["evaluation_sets"] = evaluation
    return sha256_bytes(canonical_json(key).encode())


def _optional_files(manifest: dict) -> list[str]:
    """The files beside train.jsonl and manifest.json that this manifest records."""
    out = [VALIDATION_FILE] if manifest.get("validation") else []
    return out + ([MATCHES_FILE] if manifest.get("decontamination") else [])


def _from_cache(entry: Path, out_dir: Path) -> dict | None:
    try:
        manifest = load_manifest(entry / MANIFEST_FILE).to_dict()
        if sha256_file(entry / TRAIN_FILE) != manifest.get("train_sha256"):
            return None  # damaged entry: rebuild rather than trust it
        held = manifest.get("validation")
        if held and sha256_file(entry / VALIDATION_FILE) != held.get("sha256"):
            return None
        decon = manifest.get("decontamination")
        if decon and sha256_file(entry / MATCHES_FILE) != decon.get("matches_sha256"):
            return None
    except (CLTError, OSError):
        return None
    with output_dir(out_dir, COMMAND) as tmp:
        for name in [TRAIN_FILE, MANIFEST_FILE, *_optional_files(manifest)]:
            shutil.copyfile(entry / name, tmp / name)
    return manifest


def _to_cache(entry: Path, out_dir: Path) -> None:
    try:
        with atomic_dir(entry) as tmp:
            for name in (TRAIN_FILE, MANIFEST_FILE, VALIDATION_FILE, MATCHES_FILE):
                if (out_dir / name).is_file():
                    shutil.copyfile(out_dir / name, tmp / name)
    except (CLTError, OSError):
        pass  # a cache that cannot be written only costs time next run


def build_mixture(
    spec: MixtureSpec | dict | str | Path,
    out_dir: str | Path,
    *,
    cache_dir: str | Path | None = None,
    base_dir: str | Path | None = None,
    use_cache: bool = True,
    memo: ScanMemo | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict:
    """Write `out_dir/train.jsonl` and `out_dir/manifest.json` atomically; return the manifest.
    `progress(done, total)` is called after each task's rows are drawn.

    The cache (default `clt_plugin.resources.user_cache_dir()`) is keyed on the normalized spec and
    the fingerprints of every source, never on paths, so an edited file is never served stale.
    """
    spec = load_spec(spec)
    out_dir = Path(out_dir)
    # Fail before any work when out_dir cannot be written or is not a folder `clt mix` wrote.
    claim_dir(out_dir, COMMAND)
    base = Path(base_dir) if base_dir is not None else spec.base_dir
    detect = _detector() if spec.language_check != "off" else None
    decon = _decontaminator(spec, base, memo)
    builds = {name: _TaskBuild(spec, name, base, detect, memo, decon) for name in sorted(spec.tasks)}
    fingerprints = {name: b.source.fingerprints() for name, b in builds.items()}
    evaluation = None
    if decon is not None:
        checked = sorted({l for b in builds.values() for l in b.want} | _lineage_languages(builds))
        decon.require(checked)  # unreadable evaluation sets: said (or refused) before any work
        evaluation = decon.fingerprint(checked)

    entry = None
    if use_cache:
        entry = Path(cache_dir) if cache_dir is not None else default_cache_dir()
        entry = entry / "mixtures" / _cache_key(spec, fingerprints, evaluation)
        if entry.is_dir():
            cached = _from_cache(entry, out_dir)
            if cached is not None:
                return cached

    order_salt = salt(spec.seed, "order")
    lines: list[tuple[bytes, bytes]] = []  # (seeded order key, JSON line): the output order is a seeded shuffle
    held_lines: list[tuple[bytes, bytes]] = []
    held_counts: dict[str, dict[str, int]] = {}
    counts: dict[str, dict[str, int]] = {}
    flagged: dict[str, dict[str, int]] = {}
    dropped: dict[str, dict[str, int]] = {}
    for done, (name, b) in enumerate(builds.items(), 1):
        got = b.run()
        if progress is not None:
            progress(done, len(builds))
        if b.held:
            held = {l: got[l][: b.held] for l in b.want}
            got = {l: got[l][b.held :] for l in b.want}
            held_counts[name] = {l: len(held[l]) for l in b.want}
            for l in b.want:
                held_lines.extend((_order_key(order_salt, name, l, sid), line) for sid, line in held[l])
        counts[name] = {l: len(got[l]) for l in b.want}
        if spec.language_check != "off":
            flagged[name], dropped[name] = b.flagged, b.dropped
        for l in b.want:
            lines.extend((_order_key(order_salt, name, l, sid), line) for sid, line in got[l])
        del got
    lines.sort()

    with output_dir(out_dir, COMMAND) as tmp:
        train_sha = _write_lines(tmp / TRAIN_FILE, lines)
        manifest = _manifest(spec, counts, fingerprints, flagged, dropped, train_sha, len(lines))
        if held_lines:
            held_lines.sort()
            manifest = manifest.model_copy(
                update={"validation": ValidationSet(**_write_validation(tmp, held_lines, held_counts))}
            )
        if decon is not None:
            records = {name: b.record for name, b in builds.items()}
            pairs_sha = _write_lines(tmp / MATCHES_FILE, [(b"", line) for line in decontam_pairs(records)])
            found = decontam_section(decon, records, {name: list(b.want) for name, b in builds.items()}, pairs_sha)
            manifest = manifest.model_copy(update={"decontamination": Decontamination(**found)})
        (tmp / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8")
    if entry is not None:
        _to_cache(entry, out_dir)
    return manifest.to_dict()
