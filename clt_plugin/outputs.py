"""Claiming an output path: the one policy of every command that writes a file or a folder.

- A file output (`-o FILE`) may replace a file, never a folder and never one of the command's
  own inputs.
- A folder output may be new, an empty folder, or a folder that the same clt command wrote:
  recognised by what it wrote there, a signed marker (MARKER) listing every file it wrote — never
  by a file name a user could also have. Only the files the marker lists are replaced or
  removed; a file someone added is kept; a folder without the marker is refused (exit 2) and
  left untouched.
- Everything is written in a staging folder beside the output and moved in when complete. A
  run killed halfway leaves a staging folder named after its process; the next run that claims
  the same output removes it once that process is gone.
- Processes that write one output take turns: each moves its work in under a lock on a file
  beside the output (`.NAME.clt-lock`); a whole folder is replaced in one atomic exchange where
  the kernel offers one (Linux renameat2), so its path always names a complete run.
- Files and folders get the modes the umask asks for (tempfile alone would make them private).

What a reader may rely on is written in docs/outputs.md; `read_consistent` reads one whole run.
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import fcntl
import itertools
import json
import os
import re
import shutil
import socket
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator, TypeVar

from clt_plugin.errors import CLTError
from clt_plugin.io import atomic_write_text, dir_mode, file_mode, no_room, temp_name

MARKER = ".clt-output.json"
SIGNATURE = "clt-output/1"
LOCK_SUFFIX = ".clt-lock"
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.clt-(?P<pid>\d+)-[0-9a-f]+\.(?:tmp|old)$")
# How long a writer waits for another to finish moving its output in (a merge of a big folder
# takes seconds; a run that writes in place holds the lock for its whole run and is refused).
LOCK_WAIT = 120.0
T = TypeVar("T")


# ----------------------------------------------------------------------------- leftovers


def pid_alive(pid: int) -> bool:
    """Whether process `pid` exists on this host (run by anyone)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # EPERM: it exists, run by someone else
        pass
    return True


def _marker(folder: Path) -> dict | None:
    """The marker's content when `folder` holds a valid clt marker, else None."""
    try:
        with open(folder / MARKER, encoding="utf-8") as f:
            doc = json.load(f)
    except (OSError, ValueError, RecursionError):
        return None
    if not isinstance(doc, dict) or doc.get("signature") != SIGNATURE or not isinstance(doc.get("files"), list):
        return None
    if not all(isinstance(f, str) for f in doc["files"]):
        return None
    return doc


def remove_leftovers(path: str | os.PathLike) -> list[Path]:
    """Remove what killed runs left beside `path`: staging files and folders of dead processes.

    A folder is removed only when it is empty or carries this module's marker written on this
    host, so nothing a user made is ever touched.
    """
    path = Path(path)
    prefix = f".{path.name}.clt-"
    removed: list[Path] = []
    try:
        entries = [e for e in os.scandir(path.parent) if e.name.startswith(prefix)]
    except OSError:
        return removed
    for entry in entries:
        m = _LEFTOVER.match(entry.name)
        if not m or m["name"] != path.name or pid_alive(int(m["pid"])):
            continue
        p = Path(entry.path)
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                doc = _marker(p)
                if doc is not None and doc.get("host", socket.gethostname()) == socket.gethostname():
                    shutil.rmtree(p)
                elif not any(p.iterdir()):
                    p.rmdir()
                elif [c.name for c in p.iterdir()] == [MARKER] and (p / MARKER).is_file():
                    shutil.rmtree(p)  # killed (or out of room) while writing its first marker
                else:
                    continue
            elif entry.is_file(follow_symlinks=False):
                p.unlink()
            else:
                continue
            removed.append(p)
    return removed


# ----------------------------------------------------------------------------- file outputs


def resolve_path(path: Path, what: str) -> Path:
    """The absolute real path; a symlink loop is a CLTError naming `path`."""
    try:
        return Path(os.path.abspath(path)).resolve()
    except (OSError, RuntimeError) as e:  # a symlink loop: RuntimeError before 3.13, OSError after
        raise CLTError(f"{path}: cannot resolve the {what} ({e})") from None


def _check_parent(path: Path, what: str) -> None:
    parent = path.parent
    while not os.path.lexists(parent):
        parent = parent.parent
    if not parent.is_dir():
        raise CLTError(f"{path}: cannot write the {what}: {parent} is a file, not a folder")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CLTError(f"{path}: cannot write the {what}: {parent} is not writable")


# Files a command reads inside an input folder: an output may be written beside them, never over them.
INPUT_NAMES = ("results*.json", "samples_*.jsonl")


def _check_inputs(out: Path, inputs: Iterable[str | os.PathLike], what: str, inside: bool) -> None:
    for given in inputs:
        try:
            real = Path(os.path.abspath(given)).resolve()
        except (OSError, RuntimeError):
            continue
        over_input = (
            real == out
            or (inside and real.is_relative_to(out))
            or (
                not inside
                and real.is_dir()
                and out.is_relative_to(real)
                and out.exists()
                and any(out.match(p) for p in INPUT_NAMES)
            )
        )
        if over_input:
            raise CLTError(f"{out}: the {what} would replace the input {given}; choose another output")


def claim_file(path: str | os.PathLike, *, inputs: Iterable[str | os.PathLike] = (), what: str = "output file") -> Path:
    """Check that `path` can take a file output before any work is done; return it.

    Refused (CLTError): an existing folder, a parent that is a file or not writable, one of the
    command's inputs. Stale staging files of killed runs beside it are removed.
    """
    path = Path(path)
    if str(path) == "" or path.name in ("", ".", ".."):
        raise CLTError(f"{str(path)!r}: the {what} must name a file")
    real = resolve_path(path, what)
    if real.is_dir():
        raise CLTError(f"{path}: is a folder; the {what} must name a file (e.g. {path / 'out.json'})")
    if os.path.lexists(real) and not real.is_file():
        raise CLTError(f"{path}: exists and is not a regular file")
    _check_parent(real, what)
    _check_inputs(real, inputs, what, inside=False)
    remove_leftovers(real)
    return path


# ----------------------------------------------------------------------------- folder outputs


@dataclass
class Claim:
    path: Path  # resolved
    command: str
    exists: bool
    owned: set[str] = field(default_factory=set)  # files the previous run of `command` wrote
    foreign: list[str] = field(default_factory=list)  # files it did not write: never touched
    lock: "Lock | None" = field(default=None, repr=False)  # held by a run that writes in place


def _iter_leaves(root: Path) -> Iterator[str]:
    """Relative paths of the files (and symlinks) under `root`, not following links, as found."""
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel = Path(dirpath).relative_to(root)
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        dirnames[:] = sorted(d for d in dirnames if d not in links)
        yield from ((rel / n).as_posix() for n in sorted((*filenames, *links)))


def _leaves(root: Path) -> list[str]:
    return sorted(_iter_leaves(root))


# A folder without a marker is refused after looking at this many of its files, never all:
# `clt mix -o /` must not walk the whole disk to say no.
_LOOK = 200


def _shown(names: list[str], more: bool = False) -> str:
    shown = ", ".join(names[:5])
    if len(names) > 5 or more:
        shown += f" and {len(names) - 5} more" if not more else " and more"
    return shown


# command -> a check that a marker-less folder is that command's output from before markers
# existed, by its content (e.g. a mixture whose manifest's hash matches its rows), never its names.
_LEGACY: dict[str, Callable[[Path, list[str]], bool]] = {}


def register_legacy(command: str, recognise: Callable[[Path, list[str]], bool]) -> None:
    _LEGACY[command] = recognise


def claim_dir(path: str | os.PathLike, command: str, *, inputs: Iterable[str | os.PathLike] = ()) -> Claim:
    """Check that `command` may write the folder `path`; fail (CLTError) before any work when not."""
    given = Path(path)
    real = resolve_path(given, "output folder")
    if os.path.lexists(real) and not real.is_dir():
        raise CLTError(f"{given}: exists and is not a folder")
    _check_parent(real, "output folder")
    _check_inputs(real, inputs, "output folder", inside=True)
    remove_leftovers(real)
    if not real.exists():
        return Claim(real, command, exists=False)
    doc = _marker(real)  # decided from the marker first: a folder that is not ours is never walked
    try:
        if doc is None:
            some = [f for f in itertools.islice(_iter_leaves(real), _LOOK + 1) if f != MARKER]
            more = len(some) > _LOOK
            leaves = sorted(some[:_LOOK])
        else:
            leaves, more = [f for f in _leaves(real) if f != MARKER], False
    except OSError as e:
        raise CLTError(f"{given}: cannot read the output folder ({e.strerror or e})") from None
    if doc is None:
        legacy = _LEGACY.get(command)
        if leaves and not more and not (real / MARKER).exists() and legacy is not None and legacy(real, leaves):
            _check_writable(real, given)
            return Claim(real, command, exists=True, owned=set(leaves))  # its own, from before the marker
        if leaves or (real / MARKER).exists():
            raise CLTError(
                f"{given}: folder was not written by `{command}` (it holds {_shown(leaves or [MARKER], more)}); "
                "it is left untouched: choose a new or empty folder"
            )
        _check_writable(real, given)
        return Claim(real, command, exists=True)
    _check_writable(real, given)
    if doc.get("command") != command:
        raise CLTError(
            f"{given}: folder was written by `{doc.get('command')}`, not `{command}`; "
            "it is left untouched: choose another folder"
        )
    listed = set(doc["files"])
    if doc.get("state") == "running":  # written in place and interrupted: all but what was kept is ours
        kept = set(doc.get("kept") or [])
        listed = {f for f in leaves if f not in kept}
    return Claim(
        real,
        command,
        exists=True,
        owned={f for f in leaves if f in listed},
        foreign=[f for f in leaves if f not in listed],
    )


def _check_writable(real: Path, given: Path) -> None:
    if not os.access(real, os.W_OK | os.X_OK):
        raise CLTError(f"{given}: the output folder is not writable")


# ----------------------------------------------------------------------------- the writers' lock


def lock_path(target: Path) -> Path:
    return target.with_name(f".{target.name}{LOCK_SUFFIX}")


class Lock:
    """An exclusive lock on one output path, shared by every clt process (flock).

    The lock file beside the output is removed by the holder before it lets go, and a process
    that wins a lock on a file no longer at that path tries again: so no lock file is left
    behind, and two processes never hold locks on two different files for one output. When the
    folder's parent takes no new file, the folder itself is locked: it can then only be updated
    in place (a swap needs that parent), so every writer locks the same folder.
    """

    def __init__(self, target: Path, fd: int, beside: bool):
        self.target, self._fd, self._beside = target, fd, beside

    @classmethod
    def acquire(cls, target: Path, *, wait: float = LOCK_WAIT) -> "Lock":
        deadline = time.monotonic() + wait
        delay = 0.002
        while True:
            fd, beside = _open_lock(target)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                if time.monotonic() >= deadline:
                    raise CLTError(
                        f"{target}: another clt process is writing it (lock {lock_path(target).name}); "
                        "run again when it has finished"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.05)
                continue
            except OSError as e:
                os.close(fd)
                raise CLTError(f"{target}: cannot lock the output ({e.strerror or e})") from None
            if not beside or _same_file(fd, lock_path(target)):
                return cls(target, fd, beside)
            os.close(fd)  # its holder removed that file as it let go: lock the one there now

    def release(self) -> None:
        if self._fd < 0:
            return
        if self._beside:
            with contextlib.suppress(OSError):
                os.unlink(lock_path(self.target))
        os.close(self._fd)
        self._fd = -1

    def __del__(self) -> None:  # a run that writes in place and raised before finishing lets go
        with contextlib.suppress(Exception):
            self.release()

    def __enter__(self) -> "Lock":
        return self

    def __exit__(self, *exc) -> None:
        self.release()


def _open_lock(target: Path) -> tuple[int, bool]:
    if target.name:
        try:
            return os.open(lock_path(target), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, file_mode()), True
        except OSError as e:
            if e.errno not in (errno.EACCES, errno.EPERM, errno.EROFS) or not target.is_dir():
                raise CLTError(f"{target}: cannot create the lock file {lock_path(target)} ({e.strerror})") from None
    try:
        return os.open(target, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC), False
    except OSError as e:
        raise CLTError(f"{target}: cannot lock the output folder ({e.strerror})") from None


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    mine = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (mine.st_dev, mine.st_ino)


# ----------------------------------------------------------------------------- markers


def _marker_doc(command: str, files: Iterable[str], state: str, kept: Iterable[str] = ()) -> str:
    from clt_plugin import __version__

    doc = {
        "signature": SIGNATURE,
        "command": command,
        "tool_version": __version__,
        "state": state,
        "host": socket.gethostname(),
        "files": sorted(files),
    }
    if state == "running":
        doc["kept"] = sorted(kept)
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def _write_marker(folder: Path, command: str, files: Iterable[str], state: str, kept: Iterable[str] = ()) -> None:
    before = _stamp_of(folder)
    atomic_write_text(folder / MARKER, _marker_doc(command, files, state, kept))
    _restamp(folder / MARKER, before)


# A marker's content is the same for the same inputs (outputs stay byte-identical), so what tells
# one write from the next is its file's modification time: every marker written at one path (under
# the writers' lock) is stamped later than the one it replaces, even when the clock is coarse or
# goes back. read_consistent compares content and stamp before and after a read.
def _stamp_of(folder: Path) -> int | None:
    try:
        return os.stat(folder / MARKER).st_mtime_ns
    except OSError:
        return None


def _restamp(marker: Path, after: int | None) -> None:
    if after is None:
        return
    step = 1
    while os.stat(marker).st_mtime_ns <= after and step <= 10**10:  # a file system may round ns away
        os.utime(marker, ns=(after + step, after + step))
        step *= 1000


def _remove_owned(target: Path, owned: Iterable[str]) -> None:
    for rel in sorted(owned, reverse=True):
        with contextlib.suppress(FileNotFoundError):
            (target / rel).unlink()
        parent = (target / rel).parent
        while parent != target:
            try:
                parent.rmdir()  # only ever succeeds on an empty folder
            except OSError:
                break
            parent = parent.parent


# ----------------------------------------------------------------------------- writing in place


def start_in_place(path: str | os.PathLike, command: str) -> Claim:
    """For a command whose tools write straight into its folder (`clt demo` runs axolotl and
    lm_eval there): claim the folder, remove what this command wrote there before (only that),
    and mark it as being written; `finish_in_place` then lists what the run wrote.

    The run holds the output's lock until `finish_in_place` (or its end): a second run into the
    same folder is refused at once rather than mixing its files with the first's."""
    claim = claim_dir(path, command)
    try:
        claim.path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CLTError(f"{path}: cannot create the output folder ({e.strerror or e})") from None
    lock = Lock.acquire(claim.path, wait=0)
    try:
        claim = claim_dir(path, command)  # as it is now that no one else writes it
        _remove_owned(claim.path, claim.owned)
        _write_marker(claim.path, command, [], "running", kept=claim.foreign)
    except BaseException:
        lock.release()
        raise
    claim.lock = lock
    return claim


def finish_in_place(claim: Claim) -> None:
    kept = set(claim.foreign)
    files = [f for f in _leaves(claim.path) if f != MARKER and f not in kept]
    try:
        _write_marker(claim.path, claim.command, files, "complete")
    finally:
        if claim.lock is not None:
            claim.lock.release()


# ----------------------------------------------------------------------------- staging and replacing


def make_staging(path: Path, command: str) -> Path:
    """A private staging folder beside `path`, marked at once so a later run can recognise it.
    When even that fails (a full disk), nothing is left behind."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CLTError(f"{path}: cannot create the folder {path.parent} ({e.strerror or e})") from None
    for _ in range(100):
        staging = temp_name(path)
        try:
            staging.mkdir()
            break
        except FileExistsError:
            continue
        except OSError as e:
            raise CLTError(f"{path}: cannot write ({e.strerror or e})") from None
    else:  # pragma: no cover - 100 collisions of 32 random bits
        raise CLTError(f"{path}: cannot create a staging folder")
    try:
        (staging / MARKER).write_text(_marker_doc(command, [], "staging"), encoding="utf-8")
    except OSError as e:
        shutil.rmtree(staging, ignore_errors=True)
        raise CLTError(f"{path}: cannot write ({e.strerror or e}); nothing was changed") from None
    return staging


def _cwd_inside(path: Path) -> bool:
    with contextlib.suppress(OSError):
        return Path.cwd().resolve().is_relative_to(path)
    return False


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _renameat2():
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (AttributeError, OSError):  # not Linux, or a libc older than glibc 2.28
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    return fn


_EXCHANGE = _renameat2()
# The file systems that cannot exchange say so with one of these: fall back to two renames.
_NO_EXCHANGE = {errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP, errno.EXDEV}


def _exchange(a: Path, b: Path) -> bool:
    """Swap the two paths in one step (True), or False where the kernel or file system cannot."""
    if _EXCHANGE is None:
        return False
    if _EXCHANGE(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in _NO_EXCHANGE:
        return False
    raise OSError(err, os.strerror(err), str(a), None, str(b))


def _swap(claim: Claim, staging: Path) -> Path | None:
    """Whole-folder replace: the path names the old folder, then the new one. Returns where the
    old folder now is (to be removed once the lock is let go), or None."""
    target = claim.path
    if not claim.exists:
        os.rename(staging, target)
        return None
    os.chmod(staging, os.stat(target).st_mode & 0o7777)  # an existing folder keeps its mode
    if not any(target.iterdir()):  # rename replaces an empty directory in one step
        os.rename(staging, target)
        return None
    if _exchange(staging, target):
        return staging  # the old folder, under the staging name (removed by a later run if we die)
    # No exchange here: two renames, between which the path is missing for a moment.
    trash = temp_name(target, "old")
    os.rename(target, trash)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(trash, target)
        raise
    return trash


def _merge(claim: Claim, staging: Path, files: list[str], last: Iterable[str] = ()) -> None:
    """File-by-file replace inside a folder that also holds files clt did not write (kept).
    Files named in `last` are moved in after the others (an index that describes the rest)."""
    target, new = claim.path, set(files)
    late = [f for f in last if f in new]
    files = [f for f in files if f not in late] + late
    foreign = set(claim.foreign)
    for rel in files:
        parts = Path(rel).parts
        for i in range(1, len(parts) + 1):
            sub = "/".join(parts[:i])
            t = target / sub
            if not os.path.lexists(t):
                break
            leaf = i == len(parts)
            if sub in foreign or (not leaf and not t.is_dir()) or (leaf and t.is_dir() and not t.is_symlink()):
                raise CLTError(
                    f"{t}: in the way of a file `{claim.command}` writes, and clt did not write it; "
                    "move it away or choose another folder (nothing was changed)"
                )
    _write_marker(target, claim.command, claim.owned | new, "updating")
    for rel in files:
        t = target / rel
        t.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / rel, t)
    _remove_owned(target, claim.owned - new)
    _write_marker(target, claim.command, new, "complete")
    shutil.rmtree(staging, ignore_errors=True)


def _finish(staging: Path, command: str, after: int | None) -> list[str]:
    """Mark a staging folder complete; its marker is stamped later than `after`, the stamp of
    the marker it will replace."""
    files = [f for f in _leaves(staging) if f != MARKER]
    (staging / MARKER).write_text(_marker_doc(command, files, "complete"), encoding="utf-8")
    _restamp(staging / MARKER, after)
    os.chmod(staging / MARKER, file_mode())
    os.chmod(staging, dir_mode())
    return files


def replace_whole(path: Path, staging: Path, command: str) -> None:
    """Swap a finished staging folder in for `path`, whatever `path` holds: only for folders clt
    alone manages (cache entries), never for an output a user named."""
    if os.path.lexists(path) and not path.is_dir():
        raise CLTError(f"{path}: exists and is not a folder")
    with Lock.acquire(path):
        _finish(staging, command, _stamp_of(path))
        old = _swap(Claim(path, command, exists=path.is_dir()), staging)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def install(claim: Claim, staging: Path, *, keep_folder: bool = False, last: Iterable[str] = ()) -> None:
    """Move a finished staging folder to the claimed output (see the module docstring)."""
    old = None
    with Lock.acquire(claim.path):
        again = claim_dir(claim.path, claim.command)  # the folder may have changed while we worked
        files = _finish(staging, claim.command, _stamp_of(again.path))
        if again.exists and (keep_folder or again.foreign or _cwd_inside(again.path)):
            _merge(again, staging, files, last)
        else:
            old = _swap(again, staging)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def _no_room(e: OSError, path: Path) -> CLTError:
    return CLTError(f"{path}: cannot write the output ({e.strerror or e}); nothing was changed")


@contextlib.contextmanager
def output_dir(
    path: str | os.PathLike,
    command: str,
    *,
    inputs: Iterable[str | os.PathLike] = (),
    keep_folder: bool = False,
    last: Iterable[str] = (),
) -> Iterator[Path]:
    """Yield a staging folder to fill; on success it becomes `path` (see the module docstring).

    `command` (e.g. "clt mix") signs the folder: another command's folder is refused.
    `keep_folder`: an existing folder is updated file by file, never swapped (others may be
    writing inside it, e.g. runs started from a sweep folder); `last` are moved in last then.
    On an error the staging folder is removed and `path` is as it was; a full disk is an error
    naming `path`.
    """
    claim = claim_dir(path, command, inputs=inputs)
    staging = make_staging(claim.path, command)
    try:
        yield staging
        install(claim, staging, keep_folder=keep_folder, last=last)
    except OSError as e:
        shutil.rmtree(staging, ignore_errors=True)
        if no_room(e):
            raise _no_room(e, Path(path)) from None
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@contextlib.contextmanager
def atomic_dir(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a staging directory; on success it replaces `path` whole, on error it vanishes.

    For clt's own folders (cache entries). Outputs a user names go through `output_dir`, which
    refuses to replace a folder clt did not write.
    """
    path = Path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CLTError(f"{path.parent}: cannot create directory ({e.strerror})") from e
    remove_leftovers(path)
    staging = make_staging(path, "cache")
    try:
        yield staging
        replace_whole(path, staging, "cache")
    except OSError as e:
        shutil.rmtree(staging, ignore_errors=True)
        if no_room(e):
            raise _no_room(e, path) from None
        raise
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


# ----------------------------------------------------------------------------- readers


def _marker_bytes(folder: Path) -> tuple[bytes, int, int] | None:
    """The marker's content, its stamp and its inode, read from one open file."""
    try:
        with open(folder / MARKER, "rb") as f:
            st = os.fstat(f.fileno())
            return f.read(), st.st_mtime_ns, st.st_ino
    except (FileNotFoundError, NotADirectoryError):
        return None


def _complete(marker: bytes) -> bool:
    try:
        return json.loads(marker).get("state") == "complete"
    except (ValueError, AttributeError, RecursionError):
        return False


def read_consistent(folder: str | os.PathLike, read: Callable[[Path], T], *, attempts: int = 60) -> T:
    """`read(folder)`, made from one whole run of a clt output folder.

    The folder's marker is stamped anew by every write (its file's modification time only grows
    at one path), and a rewrite in place marks
    the folder `updating` before it touches a file: so a read that finds the same complete marker
    before and after saw one run. Otherwise (or when the folder was missing for a moment, or a
    file vanished under it) the read is made again, up to `attempts` times over about 10 s.
    A folder that carries no marker is not a clt folder: it is read once, as it is.
    """
    folder = Path(folder)
    delay = 0.005
    for _ in range(attempts):
        before = _marker_bytes(folder)
        if before is None and folder.is_dir():
            return read(folder)
        if before is not None and _complete(before[0]):
            try:
                result = read(folder)
            except (OSError, CLTError):
                if _marker_bytes(folder) == before:
                    raise  # the folder did not change: the error is the folder's own
            else:
                if _marker_bytes(folder) == before:
                    return result
        time.sleep(delay)
        delay = min(delay * 2, 0.2)
    if not folder.is_dir():
        raise CLTError(f"{folder}: folder not found")
    raise CLTError(f"{folder}: was being rewritten all the while it was read ({attempts} tries); try again later")
