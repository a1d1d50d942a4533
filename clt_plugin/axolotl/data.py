"""Build the mixture and hand its rows to axolotl's own chat-template tokenization.

The file handed to axolotl lives at a path named by the sha256 of its bytes. axolotl keys its
prepared-dataset cache on the dataset *path* and options, never the file's contents; with a
content-named path a changed mixture can never be served from a stale tokenized cache, and an
unchanged one is found again by the next run (`axolotl preprocess` then `axolotl train`, a
resumed run, every grid point of a sweep that shares `dataset_prepared_path`).
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

from clt_plugin.errors import CLTError
from clt_plugin.io import atomic_open, canonical_json, sha256_bytes, sha256_file

DEFAULT_PREPARED = "last_run_prepared"  # axolotl.common.const.DEFAULT_DATASET_PREPARED_PATH

# The `datasets:` entry the plugin puts in the raw config at register time (see
# CLTPlugin.register for why axolotl needs one); load_datasets swaps the path for the built
# mixture file.
PLACEHOLDER_PATH = "clt_mixture"
PLACEHOLDER_DATASET: dict[str, Any] = {
    "path": PLACEHOLDER_PATH,
    "ds_type": "json",
    "type": "chat_template",
    "field_messages": "messages",
    "split": "train",
}
# The `test_datasets:` entry for the mixture's held-out validation rows (spec `validation:`).
VALIDATION_PLACEHOLDER = "clt_validation"


def placeholders(cfg: Any, holds_out_validation: bool) -> dict[str, list[dict[str, Any]]]:
    """The `datasets:` (and `test_datasets:`) entries register adds to the raw config."""
    entry = dict(PLACEHOLDER_DATASET)
    # axolotl fills a dataset's own chat_template with "tokenizer_default" before it would copy
    # the top-level one over; carry the top-level choice explicitly.
    for key in ("chat_template", "chat_template_jinja"):
        if cfg.get(key):
            entry[key] = cfg[key]
    out = {"datasets": [entry]}
    if holds_out_validation:
        out["test_datasets"] = [{**entry, "path": VALIDATION_PLACEHOLDER}]
    return out


def mixtures_root(cfg: Any) -> Path:
    return Path(cfg.get("dataset_prepared_path") or DEFAULT_PREPARED) / "clt_mixtures"


def _freeze(train_file: Path, sha: str, root: Path) -> Path:
    """A hard link (or copy) of the mixture at a path named by its content hash."""
    frozen = root / "by-sha256" / f"{sha}.jsonl"
    if frozen.exists():
        return frozen
    frozen.parent.mkdir(parents=True, exist_ok=True)
    tmp = frozen.with_name(f".{frozen.name}.{os.getpid()}.tmp")
    try:
        os.link(train_file, tmp)
    except OSError:
        shutil.copyfile(train_file, tmp)
    if sha256_file(tmp) != sha:  # the folder was rewritten (another process) after the build read it
        os.unlink(tmp)
        raise CLTError(
            f"{train_file}: does not hash to its manifest's sha256 {sha[:12]}: another process rewrote "
            f"{train_file.parent} while it was read; run again"
        )
    os.replace(tmp, frozen)
    return frozen


def build(clt: Any, cfg: Any) -> tuple[dict[str, Any], Path, Path | None]:
    """Build (or find in the engine's cache) the mixture of the resolved config `clt`; returns the
    manifest, its frozen training rows and its frozen validation rows (None when the spec holds
    none out)."""
    from filelock import FileLock

    from clt_plugin.mixture import build_mixture

    spec, base_dir = clt.mixture, clt.sources_dir
    root = mixtures_root(cfg)
    root.mkdir(parents=True, exist_ok=True)
    # One working directory per (spec, base dir): grid points sharing a prepared path never collide.
    key = sha256_bytes(canonical_json({"spec": spec.normalized(), "base_dir": str(base_dir)}).encode())[:16]
    out_dir = root / f"spec-{key}"
    # Every rank calls load_datasets; the first builds, the rest find the engine's cache.
    with FileLock(str(root / ".build.lock")):
        manifest = build_mixture(spec, out_dir, cache_dir=clt.cache_dir, base_dir=base_dir)
        train_file = Path(out_dir) / "train.jsonl"
        if not train_file.is_file():
            raise CLTError(f"{out_dir}: the mixture engine wrote no train.jsonl")
        frozen = _freeze(train_file, manifest["train_sha256"], root)
        held = manifest.get("validation")
        frozen_validation = _freeze(Path(out_dir) / held["file"], held["sha256"], root) if held else None
    return manifest, frozen, frozen_validation


def point_datasets_at(cfg: Any, train_file: Path, key: str = "datasets", placeholder: str | None = None) -> None:
    """Make the placeholder `datasets:` (or `test_datasets:`) entry name the mixture file (adding one if missing)."""
    placeholder = placeholder or PLACEHOLDER_PATH
    frozen_dir = str(train_file.parent)
    datasets = list(cfg.get(key) or [])
    # A second call in one process finds the entry it pointed before.
    entries = [d for d in datasets if d.get("path") == placeholder or str(d.get("path", "")).startswith(frozen_dir)]
    if not entries:
        datasets.append({**PLACEHOLDER_DATASET, "path": placeholder})
        entries = [datasets[-1]]
    for entry in entries:
        entry["path"] = str(train_file)
    cfg[key] = datasets


def tokenize(cfg: Any, train_file: Path, validation_file: Path | None = None) -> Any:
    """axolotl's own pipeline: chat_template tokenization, length filter, packing, val split, cache."""
    from axolotl.common.datasets import load_datasets

    point_datasets_at(cfg, train_file)
    if validation_file is not None:
        point_datasets_at(cfg, validation_file, "test_datasets", VALIDATION_PLACEHOLDER)
    return load_datasets(cfg=cfg)


def row_record(manifest: dict[str, Any], meta: Any, cfg: Any, train_file: Path) -> dict[str, Any]:
    """What axolotl kept of the mixture; rows differ from the manifest only if axolotl dropped some."""
    train_rows = len(meta.train_dataset) if meta.train_dataset is not None else 0
    eval_rows = len(meta.eval_dataset) if meta.eval_dataset is not None else 0
    eval_from_mixture = 0 if cfg.get("test_datasets") else eval_rows
    total = int(manifest.get("total_rows", 0))
    return {
        "schema": "clt-training-rows/1",
        "train_file": str(train_file),
        "train_sha256": manifest.get("train_sha256"),
        "mixture_rows": total,
        "train_rows": train_rows,
        "eval_rows_from_mixture": eval_from_mixture,
        "dropped_by_axolotl": total - train_rows - eval_from_mixture,
        "val_set_size": cfg.get("val_set_size") or 0,
        # The spec's held-out rows, as axolotl tokenized them (its `test_datasets`).
        "validation_rows": (manifest.get("validation") or {}).get("total_rows", 0),
        "eval_rows": eval_rows,
        "sequence_len": cfg.get("sequence_len"),
    }


def write_json_copy(path: Path, obj: Any) -> None:
    with atomic_open(path, "w") as f:
        f.write(canonical_json(obj))
