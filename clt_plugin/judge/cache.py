"""A SQLite cache of judge outputs: a re-run, a run killed halfway, or several runs at once
never pay twice for one prompt.

Each judgment is committed on its own as soon as it arrives. SQLite's journal makes each
commit all-or-nothing, so a process killed with SIGKILL leaves every finished judgment and no
torn one; WAL mode lets several `clt judge` processes share one cache file.

Before asking the judge, a process claims the prompt: a row naming the process (host, pid) and
when the claim lapses. Another process that finds a live claim waits for that answer instead of
paying for its own; a claim lapses when its process is gone (same host) or its time is up.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import socket
import sqlite3
import threading
import time
from pathlib import Path
from typing import NamedTuple

from clt_plugin.errors import CLTError
from clt_plugin.outputs import pid_alive
from clt_plugin.resources import user_cache_dir

_SCHEMA = """
CREATE TABLE IF NOT EXISTS judgments (
    key TEXT PRIMARY KEY,
    judge TEXT NOT NULL,
    template_version TEXT NOT NULL,
    output TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS claims (
    key TEXT PRIMARY KEY,
    host TEXT NOT NULL,
    pid INTEGER NOT NULL,
    owner TEXT NOT NULL,
    expires REAL NOT NULL
);
"""
# The most of one judge answer that is stored (and parsed): its first and last halves, with a
# note of what was cut between them, so a rating on the answer's last line survives. A judgment
# is a few hundred words; a server that ignores max_tokens must not grow the cache without end.
MAX_STORED_CHARS = 32_768


def cap_answer(text: str) -> str:
    """`text`, or its first and last MAX_STORED_CHARS/2 characters around a note of the cut."""
    if len(text) <= MAX_STORED_CHARS:
        return text
    half = MAX_STORED_CHARS // 2
    return f"{text[:half]}\n[... {len(text) - 2 * half} characters cut by clt judge ...]\n{text[-half:]}"


class Claim(NamedTuple):
    state: str  # "answered" (output is the cached answer), "mine" (ask the judge), "busy" (wait)
    output: str | None = None


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
            self._db.executescript(_SCHEMA)
        except sqlite3.DatabaseError as e:
            raise CLTError(f"{self.path}: cannot open judge cache ({e})") from e
        except OSError as e:  # a parent that is a file, no permission, ...
            raise CLTError(f"{self.path}: cannot create the judge cache ({e.strerror or e})") from e
        self._lock = threading.Lock()
        self._host, self._pid = socket.gethostname(), os.getpid()
        self._owner = f"{self._host}:{self._pid}:{secrets.token_hex(4)}"  # this cache object, this process

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
        """Store an answer (capped, see cap_answer) and drop this process's claim on it."""
        with self._write() as db:
            # The first answer wins: a concurrent process that got the same judgment keeps it.
            db.execute(
                "INSERT OR IGNORE INTO judgments (key, judge, template_version, output) VALUES (?, ?, ?, ?)",
                (key, judge, template_version, cap_answer(output)),
            )
            db.execute("DELETE FROM claims WHERE key = ? AND owner = ?", (key, self._owner))

    def claim(self, key: str, lease: float) -> Claim:
        """The cached answer, or the right to ask for it (for `lease` seconds), or `busy` when a
        live process is asking for it now."""
        now = time.time()
        with self._write() as db:
            row = db.execute("SELECT output FROM judgments WHERE key = ?", (key,)).fetchone()
            if row is not None:
                return Claim("answered", row[0])
            held = db.execute("SELECT host, pid, owner, expires FROM claims WHERE key = ?", (key,)).fetchone()
            if held is not None and held[2] != self._owner and not self._lapsed(*held, now=now):
                return Claim("busy")
            db.execute(
                "INSERT OR REPLACE INTO claims (key, host, pid, owner, expires) VALUES (?, ?, ?, ?, ?)",
                (key, self._host, self._pid, self._owner, now + lease),
            )
            return Claim("mine")

    def release(self, key: str) -> None:
        """Give up this process's claim (its request failed): another may ask."""
        with self._write() as db:
            db.execute("DELETE FROM claims WHERE key = ? AND owner = ?", (key, self._owner))

    def _lapsed(self, host: str, pid: int, owner: str, expires: float, *, now: float) -> bool:
        return expires < now or (host == self._host and not pid_alive(pid))

    def _write(self):
        return _Transaction(self)

    def __len__(self) -> int:
        with self._lock:
            return self._db.execute("SELECT COUNT(*) FROM judgments").fetchone()[0]

    def close(self) -> None:
        with self._lock:
            try:  # claims left by requests that never finished (Ctrl-C): free them for others
                self._db.execute("DELETE FROM claims WHERE owner = ?", (self._owner,))
            except sqlite3.Error:
                pass
            self._db.close()

    def __enter__(self) -> "JudgeCache":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class _Transaction:
    """One write transaction, taken at once (BEGIN IMMEDIATE) so a check and the write that
    follows it are one step for every process sharing the file; a full disk names the cache."""

    def __init__(self, cache: JudgeCache):
        self.cache = cache

    def __enter__(self) -> sqlite3.Connection:
        self.cache._lock.acquire()
        try:
            self.cache._db.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as e:
            self.cache._lock.release()
            raise _write_error(self.cache.path, e) from None
        return self.cache._db

    def __exit__(self, exc_type, exc, tb) -> None:
        db = self.cache._db
        try:
            if exc_type is None:
                db.execute("COMMIT")
                return
            db.execute("ROLLBACK")
        except sqlite3.Error as e:
            exc = exc or e
        finally:
            self.cache._lock.release()
        if isinstance(exc, sqlite3.Error):  # a full disk, a read-only file, a locked database
            raise _write_error(self.cache.path, exc) from None


def _write_error(path: Path, e: sqlite3.Error) -> CLTError:
    return CLTError(f"{path}: cannot write the judge cache ({e})")
