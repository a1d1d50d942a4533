"""Physical tables: one file (JSONL, JSON, Parquet, CSV, TSV) or one hub split.

Every table offers the same three operations, which is all the sampler needs:
``scan`` (a few columns, chunk by chunk, so memory stays flat however big the file is),
``fetch`` (only the selected rows, in file order) and ``fingerprint`` (what the cache keys on).
"""

from __future__ import annotations

import abc
import csv
import json
import os
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from clt_plugin.errors import CLTError
from clt_plugin.io import sha256_file, value_error_at
from clt_plugin.sources.jsonstream import iter_json_array

CHUNK_ROWS = 65_536
FETCH_ROWS = 4_096  # small batches: fetching a few rows must not decode a whole row group at once
FORMATS = ("jsonl", "json", "parquet", "csv", "tsv")


def _missing(label: str, field: str, found: Sequence[str], where: str | None = None) -> CLTError:
    at = where or label
    shown = ", ".join(map(str, found)) or "(none)"
    return CLTError(f"{at}: missing field {field!r} (columns found: {shown})")


class Table(abc.ABC):
    """Base class; `label` names the table in every message and in the manifest."""

    label: str

    @abc.abstractmethod
    def fingerprint(self) -> str: ...

    @abc.abstractmethod
    def columns(self) -> list[str]: ...

    def require(self, fields: Sequence[str]) -> None:
        found = self.columns()
        for field in fields:
            if field not in found:
                raise _missing(self.label, field, found)

    @abc.abstractmethod
    def scan(self, fields: Sequence[str]) -> Iterator[tuple[np.ndarray, dict[str, list]]]:
        """Yield (row numbers, {field: values}) chunk by chunk, in file order."""

    @abc.abstractmethod
    def fetch(self, rows: np.ndarray, fields: Sequence[str]) -> Iterator[tuple[int, dict, str]]:
        """Yield (row, record with `fields`, location for messages) for the sorted `rows`."""


class LocalTable(Table):
    def __init__(self, path: Path, label: str | None = None, fingerprint: str | None = None):
        self.path = Path(path)
        self.label = label or str(path)
        self._fingerprint = fingerprint
        if not self.path.exists():
            raise CLTError(f"{self.label}: file not found")
        if not self.path.is_file():
            raise CLTError(f"{self.label}: not a file")
        if not os.access(self.path, os.R_OK):
            raise CLTError(f"{self.label}: cannot read (permission denied)")

    def fingerprint(self) -> str:
        if self._fingerprint is None:
            try:
                self._fingerprint = "sha256:" + sha256_file(self.path)
            except OSError as e:
                raise CLTError(f"{self.label}: cannot read ({e.strerror})") from e
        return self._fingerprint

    def _open_text(self, newline: str | None = None, encoding: str = "utf-8"):
        try:
            return open(self.path, encoding=encoding, newline=newline)
        except OSError as e:
            raise CLTError(f"{self.label}: cannot read ({e.strerror})") from e


class _RecordTable(LocalTable):
    """Tables read record by record (JSONL, JSON arrays, CSV): subclasses yield (location, dict)."""

    @abc.abstractmethod
    def _records(self) -> Iterator[tuple[str, dict]]: ...

    def _checked(self) -> Iterator[tuple[str, dict]]:
        try:
            for where, rec in self._records():
                if not isinstance(rec, dict):
                    raise CLTError(f"{where}: expected a JSON object, got {type(rec).__name__}")
                yield where, rec
        except UnicodeDecodeError as e:
            raise CLTError(f"{self.label}: not UTF-8 text ({e.reason} at byte {e.start})") from None
        except OSError as e:
            raise CLTError(f"{self.label}: cannot read ({e.strerror})") from e

    def columns(self) -> list[str]:
        for _, rec in self._checked():
            return list(rec)
        return []

    @staticmethod
    def _get(rec: dict, field: str, where: str) -> Any:
        try:
            value = rec[field]
        except KeyError:
            raise _missing("", field, list(rec), where) from None
        if value is None:
            raise CLTError(f"{where}: field {field!r} is empty")
        return value

    def scan(self, fields):
        rows: list[int] = []
        cols: dict[str, list] = {f: [] for f in fields}
        for row, (where, rec) in enumerate(self._checked()):
            rows.append(row)
            for f in fields:
                cols[f].append(self._get(rec, f, where))
            if len(rows) == CHUNK_ROWS:
                yield np.asarray(rows, dtype=np.int64), cols
                rows, cols = [], {f: [] for f in fields}
        if rows:
            yield np.asarray(rows, dtype=np.int64), cols

    def fetch(self, rows, fields):
        if len(rows) == 0:
            return
        wanted = iter(rows.tolist())
        nxt = next(wanted)
        for row, (where, rec) in enumerate(self._checked()):
            if row != nxt:
                continue
            yield row, {f: self._get(rec, f, where) for f in fields}, where
            nxt = next(wanted, None)
            if nxt is None:
                return
        raise CLTError(f"{self.label}: file changed while reading (row {nxt} is gone)")


class JsonlTable(_RecordTable):
    def _records(self):
        with self._open_text() as f:
            for lineno, line in enumerate(f, 1):
                if not line.strip():
                    continue
                try:
                    yield f"{self.label}:{lineno}", json.loads(line)
                except json.JSONDecodeError as e:
                    raise CLTError(f"{self.label}:{lineno}: malformed JSON line ({e.msg}, column {e.colno})") from None
                except RecursionError:
                    raise CLTError(f"{self.label}:{lineno}: JSON nested too deeply to read") from None
                except ValueError as e:  # an integer longer than Python converts
                    raise CLTError(
                        f"{self.label}:{lineno}: malformed JSON line ({value_error_at(line, e, lines=False)})"
                    ) from None


class JsonTable(_RecordTable):
    """A JSON array of objects (streamed), or JSON Lines saved under a .json name."""

    def _records(self):
        with self._open_text() as f:
            head = f.read(4096).lstrip()
        if head.startswith("["):
            with self._open_text() as f:
                for lineno, rec in iter_json_array(f, self.label):
                    yield f"{self.label}:{lineno}", rec
        elif head.startswith("{") or not head:
            yield from JsonlTable._records(self)  # same path/label fields
        else:
            raise CLTError(f"{self.label}:1: expected a JSON array of objects or JSON Lines")


class CsvTable(_RecordTable):
    def __init__(self, path: Path, delimiter: str, **kw):
        super().__init__(path, **kw)
        self.delimiter = delimiter

    def _records(self):
        with self._open_text(newline="", encoding="utf-8-sig") as f:  # spreadsheet exports start with a BOM
            reader = csv.reader(f, delimiter=self.delimiter)
            try:
                header = next(reader, None)
                if header is None:
                    return
                width = len(header)
                for fields in reader:
                    where = f"{self.label}:{reader.line_num}"
                    if not fields:
                        continue
                    if len(fields) != width:
                        raise CLTError(f"{where}: malformed row ({len(fields)} fields, the header has {width})")
                    yield where, dict(zip(header, fields))
            except csv.Error as e:
                raise CLTError(f"{self.label}:{reader.line_num}: malformed row ({e})") from None

    def columns(self):
        with self._open_text(newline="", encoding="utf-8-sig") as f:
            return next(csv.reader(f, delimiter=self.delimiter), [])


def _release() -> None:
    # Arrow's allocator keeps freed pages for reuse; hand them back so memory stays flat.
    import pyarrow as pa

    pa.default_memory_pool().release_unused()


class ParquetTable(LocalTable):
    """Parquet read by row group and only the needed columns: memory does not grow with the file."""

    def _file(self):
        import pyarrow.parquet as pq

        try:
            return pq.ParquetFile(self.path)
        except Exception as e:  # pyarrow raises ArrowInvalid/OSError with a useful text
            raise CLTError(f"{self.label}: not a readable Parquet file ({e})") from None

    def columns(self):
        return list(self._file().schema_arrow.names)

    def scan(self, fields):
        pf = self._file()
        self.require(fields)
        n = pf.metadata.num_rows
        if not fields:
            for start in range(0, n, CHUNK_ROWS):
                yield np.arange(start, min(n, start + CHUNK_ROWS), dtype=np.int64), {}
            return
        start = 0
        for batch in pf.iter_batches(batch_size=CHUNK_ROWS, columns=list(fields), use_threads=False):
            cols = {f: batch.column(f).to_pylist() for f in fields}
            for f, values in cols.items():
                if any(v is None for v in values):
                    bad = start + values.index(None)
                    raise CLTError(f"{self.label} row {bad}: field {f!r} is empty")
            yield np.arange(start, start + batch.num_rows, dtype=np.int64), cols
            start += batch.num_rows
            _release()

    def fetch(self, rows, fields):
        if len(rows) == 0:
            return
        pf = self._file()
        self.require(fields)
        meta = pf.metadata
        starts = np.cumsum([0] + [meta.row_group(i).num_rows for i in range(meta.num_row_groups)])
        for rg in range(meta.num_row_groups):
            lo, hi = np.searchsorted(rows, [starts[rg], starts[rg + 1]])
            if lo == hi:
                continue
            offset = int(starts[rg])
            for batch in pf.iter_batches(
                batch_size=FETCH_ROWS, row_groups=[rg], columns=list(fields), use_threads=False
            ):
                end = offset + batch.num_rows
                a, b = np.searchsorted(rows, [offset, end])
                if a < b:
                    local = rows[a:b] - offset
                    picked = batch.take(local).to_pylist()
                    for row, rec in zip(rows[a:b].tolist(), picked):
                        yield row, rec, f"{self.label} row {row}"
                offset = end
            _release()


class HubTable(Table):
    """One split of a Hugging Face dataset via `datasets.load_dataset` (downloaded once, memory-mapped).

    The same class reads local files through the generic builders (`json`, `parquet`) with
    `data_files`, which is how tests exercise this path without a network.
    """

    def __init__(
        self,
        path: str,
        name: str | None = None,
        split: str = "train",
        revision: str | None = None,
        data_files: Any = None,
        cache_dir: str | None = None,
        data_dir: str | None = None,
    ):
        self.path, self.name, self.split, self.revision = path, name, split, revision
        self.data_files, self.cache_dir, self.data_dir = data_files, cache_dir, data_dir
        where = "/".join(filter(None, (name, data_dir)))
        self.label = f"{path}" + (f" ({where})" if where else "") + f" [{split}]"
        self._ds = None

    def _dataset(self):
        if self._ds is None:
            import datasets

            try:
                self._ds = datasets.load_dataset(
                    self.path,
                    self.name,
                    split=self.split,
                    revision=self.revision,
                    data_files=self.data_files,
                    data_dir=self.data_dir,
                    cache_dir=self.cache_dir,
                )
            except Exception as e:  # offline, unknown config, gated repo, ...: all the user's to fix
                raise CLTError(
                    f"{self.label}: cannot load from the Hugging Face Hub ({type(e).__name__}: {e})"
                ) from None
        return self._ds

    def fingerprint(self) -> str:
        if self.data_files is not None:
            files = self.data_files if isinstance(self.data_files, (list, tuple)) else [self.data_files]
            return "sha256:" + ",".join(sha256_file(f) for f in files)
        local = Path(self.path)
        if local.is_dir():  # a hub repository checked out locally: its bytes, not its name
            root = local / self.data_dir if self.data_dir else local
            files = sorted(p for p in root.rglob("*") if p.is_file() and ".cache" not in p.parts)
            return "sha256:" + ",".join(f"{p.relative_to(local)}={sha256_file(p)}" for p in files)
        where = "/".join(filter(None, (self.name or "default", self.data_dir)))
        return f"hf:{self.path}@{self.revision or 'main'}/{where}/{self.split}"

    def columns(self):
        return list(self._dataset().column_names)

    def scan(self, fields):
        ds = self._dataset()
        self.require(fields)
        n = len(ds)
        sub = ds.select_columns(list(fields)) if fields else None
        for start in range(0, n, CHUNK_ROWS):
            stop = min(n, start + CHUNK_ROWS)
            cols = sub[start:stop] if sub is not None else {}
            yield np.arange(start, stop, dtype=np.int64), {f: cols[f] for f in fields}

    def fetch(self, rows, fields):
        if len(rows) == 0:
            return
        ds = self._dataset().select_columns(list(fields))
        for row, rec in zip(rows.tolist(), ds.select(rows.tolist())):
            yield row, rec, f"{self.label} row {row}"


def hub_file(repo: str, filename: str, revision: str | None) -> Path:
    """Download (or find in the local cache) one file of a hub dataset repository."""
    try:
        from huggingface_hub import hf_hub_download

        return Path(hf_hub_download(repo, filename, repo_type="dataset", revision=revision))
    except Exception as e:
        raise CLTError(
            f"{repo}/{filename}: cannot download from the Hugging Face Hub ({type(e).__name__}: {e})"
        ) from None


def open_local(path: Path, fmt: str, label: str | None = None, fingerprint: str | None = None) -> Table:
    kw = {"label": label, "fingerprint": fingerprint}
    if fmt == "jsonl":
        return JsonlTable(path, **kw)
    if fmt == "json":
        return JsonTable(path, **kw)
    if fmt == "parquet":
        return ParquetTable(path, **kw)
    if fmt in ("csv", "tsv"):
        return CsvTable(path, "," if fmt == "csv" else "\t", **kw)
    raise CLTError(f"{label or path}: unknown format {fmt!r} (known: {', '.join(FORMATS)})")


def infer_format(path: str) -> str | None:
    name = path.lower()
    for fmt, suffixes in (
        ("jsonl", (".jsonl", ".ndjson")),
        ("json", (".json",)),
        ("parquet", (".parquet", ".pq")),
        ("csv", (".csv",)),
        ("tsv", (".tsv", ".tab")),
    ):
        if name.endswith(suffixes):
            return fmt
    return None
