"""A SQLite cache of judge outputs: a re-run, or a run killed halfway, never pays twice.

Each judgment is committed on its own as soon as it arrives. SQLite's journal makes each
commit all-or-nothing, so a process killed with SIGKILL leaves every finished judgment and no
torn one; WAL mode lets several `clt judge` processes share one cache file.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import threading
from pathlib import Path

from clt_plugin.errors import CLTError
from clt_plugin.resources import user_cache_dir

_SCHEMA = """
CREATE TABLE IF NOT EXISTS judgments (
    key TEXT PRIMARY KEY,
    judge TEXT NOT NULL,
    template_version TEXT NOT NULL,
    output TEXT NOT NULL
)
"""


def cache_key(judge: str, template_version: str, messages: list[dict[str, str]]) -> str:
    """Hash of the judge identity, the template version and the rendered prompt.

    The rendered messages contain the instruction, the response and the language, so two
    samples share a key only when the judge would see exactly the same request.
    """
    payload = json.dumps(
        {"judge": judge, "template_version": template_version, "messages": messages},
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def default_cache_path() -> Path:
    return user_cache_dir() / "judge.sqlite"


class JudgeCache:
    """Thread-safe: one connection behind a lock (writes are tiny next to an API call)."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        if self.path.is_dir():
            raise CLTError(
                f"{self.path}: is a folder; the judge cache must be a file (e.g. {self.path / 'judge.sqlite'})"
            )
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=60, check_same_thread=False, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            # NORMAL in WAL mode survives a killed process (only an OS crash could drop the last
            # commits, and a lost judgment is merely asked for again).
            self._db.execute("PRAGMA synchronous=NORMAL")
            self._db.execute(_SCHEMA)
        except sqlite3.DatabaseError as e:
            raise CLTError(f"{self.path}: cannot open judge cache ({e})") from e
        except OSError as e:  # a parent that is a file, no permission, ...
            raise CLTError(f"{self.path}: cannot create the judge cache ({e.strerror or e})") from e
        self._lock = threading.Lock()

    def get_many(self, keys: list[str]) -> dict[str, str]:
        found: dict[str, str] = {}
        with self._lock:
            for start in range(0, len(keys), 500):
                chunk = keys[start : start + 500]
                marks = ",".join("?" * len(chunk))
                rows = self._db.execute(f"SELECT key, output FROM judgments WHERE key IN ({marks})", chunk)
                found.update(rows.fetchall())
        return found

    def put(self, key: str, judge: str, template_version: str, output: str) -> None:
        with self._lock:
            # The first answer wins: a concurrent process that got the same judgment keeps it.
            self._db.execute(
                "INSERT OR IGNORE INTO judgments (key, judge, template_version, output) VALUES (?, ?, ?, ?)",
                (key, judge, template_version, output),
            )

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM judgments").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> "JudgeCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
