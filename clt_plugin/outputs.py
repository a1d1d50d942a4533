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
- Files and folders get the modes the umask asks for (tempfile alone would make them private).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import shutil
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Iterator

from clt_plugin.errors import CLTError

MARKER = ".clt-output.json"
SIGNATURE = "clt-output/1"
_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.clt-(?P<pid>\d+)-[0-9a-f]+\.(?:tmp|old)$")
_UMASK_LOCK = threading.Lock()


# ----------------------------------------------------------------------------- modes


def current_umask() -> int:
    """The process umask, read without changing it where the OS allows (threads may be writing)."""
    with contextlib.suppress(OSError, ValueError):
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for line in f:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    with _UMASK_LOCK:
        mask = os.umask(0o022)
        os.umask(mask)
    return mask


def file_mode() -> int:
    return 0o666 & ~current_umask()


def dir_mode() -> int:
    return 0o777 & ~current_umask()


# ----------------------------------------------------------------------------- leftovers


def temp_name(path: Path, kind: str = "tmp") -> Path:
    """`.NAME.clt-PID-RANDOM.tmp` beside `path`: the PID tells a later run whether it is stale."""
    return path.with_name(f".{path.name}.clt-{os.getpid()}-{secrets.token_hex(4)}.{kind}")


def _alive(pid: int) -> bool:
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
        if not m or m["name"] != path.name or _alive(int(m["pid"])):
            continue
        p = Path(entry.path)
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False):
                doc = _marker(p)
                if doc is not None and doc.get("host", socket.gethostname()) == socket.gethostname():
                    shutil.rmtree(p)
                elif not any(p.iterdir()):
                    p.rmdir()
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


def _leaves(root: Path) -> list[str]:
    """Relative paths of every file (and symlink) under `root`, not following links."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
        rel = Path(dirpath).relative_to(root)
        links = [d for d in dirnames if os.path.islink(os.path.join(dirpath, d))]
        dirnames[:] = [d for d in dirnames if d not in links]
        out.extend((rel / n).as_posix() for n in (*filenames, *links))
    return sorted(out)


def _shown(names: list[str]) -> str:
    return ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")


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
    try:
        leaves = [f for f in _leaves(real) if f != MARKER]
    except OSError as e:
        raise CLTError(f"{given}: cannot read the output folder ({e.strerror or e})") from None
    if not os.access(real, os.W_OK | os.X_OK):
        raise CLTError(f"{given}: the output folder is not writable")
    doc = _marker(real)
    if doc is None:
        legacy = _LEGACY.get(command)
        if leaves and not (real / MARKER).exists() and legacy is not None and legacy(real, leaves):
            return Claim(real, command, exists=True, owned=set(leaves))  # its own, from before the marker
        if leaves or (real / MARKER).exists():
            raise CLTError(
                f"{given}: folder was not written by `{command}` (it holds {_shown(leaves or [MARKER])}); "
                "it is left untouched: choose a new or empty folder"
            )
        return Claim(real, command, exists=True)
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
    from clt_plugin.io import atomic_write_text

    atomic_write_text(folder / MARKER, _marker_doc(command, files, state, kept))


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


def start_in_place(path: str | os.PathLike, command: str) -> Claim:
    """For a command whose tools write straight into its folder (`clt demo` runs axolotl and
    lm_eval there): claim the folder, remove what this command wrote there before (only that),
    and mark it as being written; `finish_in_place` then lists what the run wrote."""
    claim = claim_dir(path, command)
    try:
        claim.path.mkdir(parents=True, exist_ok=True)
    except OSError as e:
        raise CLTError(f"{path}: cannot create the output folder ({e.strerror or e})") from None
    _remove_owned(claim.path, claim.owned)
    _write_marker(claim.path, command, [], "running", kept=claim.foreign)
    return claim


def finish_in_place(claim: Claim) -> None:
    kept = set(claim.foreign)
    files = [f for f in _leaves(claim.path) if f != MARKER and f not in kept]
    _write_marker(claim.path, claim.command, files, "complete")


def make_staging(path: Path, command: str) -> Path:
    """A private staging folder beside `path`, marked at once so a later run can recognise it."""
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
    (staging / MARKER).write_text(_marker_doc(command, [], "staging"), encoding="utf-8")
    return staging


def _cwd_inside(path: Path) -> bool:
    with contextlib.suppress(OSError):
        return Path.cwd().resolve().is_relative_to(path)
    return False


def _swap(claim: Claim, staging: Path) -> None:
    """Whole-folder replace: readers see the old folder or the new one, never a mix."""
    target = claim.path
    if not claim.exists:
        os.rename(staging, target)
        return
    os.chmod(staging, os.stat(target).st_mode & 0o7777)  # an existing folder keeps its mode
    if not any(target.iterdir()):  # rename replaces an empty directory in one step
        os.rename(staging, target)
        return
    trash = temp_name(target, "old")
    os.rename(target, trash)
    try:
        os.rename(staging, target)
    except OSError:
        os.rename(trash, target)
        raise
    shutil.rmtree(trash, ignore_errors=True)


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


def _finish(staging: Path, command: str) -> list[str]:
    files = [f for f in _leaves(staging) if f != MARKER]
    (staging / MARKER).write_text(_marker_doc(command, files, "complete"), encoding="utf-8")
    os.chmod(staging / MARKER, file_mode())
    os.chmod(staging, dir_mode())
    return files


def replace_whole(path: Path, staging: Path, command: str) -> None:
    """Swap a finished staging folder in for `path`, whatever `path` holds: only for folders clt
    alone manages (cache entries), never for an output a user named."""
    if os.path.lexists(path) and not path.is_dir():
        raise CLTError(f"{path}: exists and is not a folder")
    _finish(staging, command)
    _swap(Claim(path, command, exists=path.is_dir()), staging)


def install(claim: Claim, staging: Path, *, keep_folder: bool = False, last: Iterable[str] = ()) -> None:
    """Move a finished staging folder to the claimed output (see the module docstring)."""
    files = _finish(staging, claim.command)
    again = claim_dir(claim.path, claim.command)  # the folder may have changed while we worked
    if again.exists and (keep_folder or again.foreign or _cwd_inside(again.path)):
        _merge(again, staging, files, last)
    else:
        _swap(again, staging)


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
    On an error the staging folder is removed and `path` is as it was.
    """
    claim = claim_dir(path, command, inputs=inputs)
    staging = make_staging(claim.path, command)
    try:
        yield staging
        install(claim, staging, keep_folder=keep_folder, last=last)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
