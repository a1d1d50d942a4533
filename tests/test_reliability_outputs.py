"""The one output policy (clt_plugin.outputs): no user file is ever deleted.

A folder is replaced only when the same clt command wrote it (its signed marker), and only the
files it wrote; a folder it did not write is refused and left as it was; staging folders of
killed runs are removed by the next run; modes follow the umask.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reliability_inputs import COMMANDS, SPEC, build_workspace, snapshot
from test_reliability_cli import fresh_copy, run_clt

from clt_plugin.errors import CLTError
from clt_plugin.io import atomic_write_text
from clt_plugin.outputs import MARKER, SIGNATURE, claim_dir, claim_file, output_dir, remove_leftovers

FOLDER_COMMANDS = ["mix", "report", "leaderboard", "sweep"]


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    root = tmp_path_factory.mktemp("outputs")
    base = root / "base"
    paths = build_workspace(base)
    return root, base, {name: p.relative_to(base) for name, p in paths.items()}


def write_files(folder: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        (folder / rel).write_bytes(text.encode("utf-8"))  # bytes: no newline translation either way


@pytest.mark.parametrize("cmd", FOLDER_COMMANDS)
def test_a_folder_clt_did_not_write_is_refused_and_left_untouched(workspace, cmd):
    argv, output, _ = COMMANDS[cmd]
    root, _ = fresh_copy(workspace)
    # The case: a project folder whose manifest.json / grid.json is the user's own.
    write_files(root / output, {"manifest.json": "{}", "grid.json": "{}", "notes/spec.md": "my notes"})
    before = snapshot(root)
    rc, err = run_clt(root, argv)
    assert rc == 2, err
    assert err.strip() == (
        f"clt {cmd}: error: {output}: folder was not written by `clt {cmd}` (it holds grid.json, "
        "manifest.json, notes/spec.md); it is left untouched: choose a new or empty folder"
    )
    assert snapshot(root) == before


@pytest.mark.parametrize("cmd", FOLDER_COMMANDS)
def test_rerunning_replaces_only_the_files_it_wrote(workspace, cmd):
    argv, output, _ = COMMANDS[cmd]
    root, _ = fresh_copy(workspace)
    assert run_clt(root, argv)[0] == 0
    marker = json.loads((root / output / MARKER).read_text(encoding="utf-8"))
    assert marker["signature"] == SIGNATURE and marker["command"] == f"clt {cmd}" and marker["state"] == "complete"
    written = sorted(marker["files"])
    assert written and all((root / output / f).is_file() for f in written)
    write_files(root / output, {"added-by-me.txt": "keep", "sub/also-mine.txt": "keep too"})
    rc, err = run_clt(root, argv)
    assert rc == 0, err
    assert (root / output / "added-by-me.txt").read_text(encoding="utf-8") == "keep"
    assert (root / output / "sub" / "also-mine.txt").read_text(encoding="utf-8") == "keep too"
    assert sorted(json.loads((root / output / MARKER).read_text(encoding="utf-8"))["files"]) == written


def test_a_folder_of_another_clt_command_is_refused(workspace):
    root, _ = fresh_copy(workspace)
    assert run_clt(root, COMMANDS["report"][0])[0] == 0
    before = snapshot(root)
    rc, err = run_clt(root, ["mix", "spec.yaml", "-o", "rep", "--no-cache"])
    assert rc == 2 and err.strip() == (
        "clt mix: error: rep: folder was written by `clt report`, not `clt mix`; "
        "it is left untouched: choose another folder"
    )
    assert snapshot(root) == before


def test_mix_into_the_working_directory(workspace):
    root, _ = fresh_copy(workspace)
    empty = root / "empty"
    empty.mkdir()
    rc, err = run_clt(empty, ["mix", "../spec.yaml", "-o", ".", "--no-cache"])
    assert rc == 0, err
    assert sorted(p.name for p in empty.iterdir()) == [MARKER, "manifest.json", "train.jsonl"]
    assert run_clt(empty, ["mix", "../spec.yaml", "-o", ".", "--no-cache"])[0] == 0  # its own: rebuilt in place
    before = snapshot(root)
    rc, err = run_clt(root, ["mix", "spec.yaml", "-o", ".", "--no-cache"])  # a folder full of the user's files
    assert rc == 2 and "folder was not written by `clt mix`" in err, err
    assert snapshot(root) == before


def _dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_a_killed_runs_staging_folder_is_removed_by_the_next_run(workspace):
    """A real SIGKILL in the middle of writing a folder output; the next `clt mix` cleans up."""
    root, _ = fresh_copy(workspace)
    code = (
        "import sys, time; from clt_plugin.outputs import output_dir\n"
        "with output_dir(sys.argv[1], 'clt mix') as tmp:\n"
        "    (tmp / 'train.jsonl').write_text('x' * 100000); print('ready', flush=True); time.sleep(60)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code, str(root / "out")], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "ready"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
    left = [p.name for p in root.iterdir() if p.name.startswith(".out.clt-")]
    assert len(left) == 1 and left[0].endswith(".tmp") and not (root / "out").exists()
    # A foreign hidden folder with a similar name, and a staging folder of a live process, stay.
    (root / f".out.clt-{_dead_pid()}-00000000.tmp").mkdir()  # an empty one of a dead process: removed
    (root / ".out.clt-notes").mkdir()
    live = root / f".out.clt-{os.getppid()}-11111111.tmp"
    live.mkdir()
    rc, err = run_clt(root, COMMANDS["mix"][0])
    assert rc == 0, err
    assert {p.name for p in root.iterdir() if p.name.startswith(".out.")} == {".out.clt-notes", live.name}


def test_stale_temporary_files_of_atomic_writes_are_removed(tmp_path):
    stale = tmp_path / f".table.md.clt-{_dead_pid()}-abcdef12.tmp"
    stale.write_text("half", encoding="utf-8")
    mine = tmp_path / ".table.md.clt-draft"  # not our pattern: never touched
    mine.write_text("user", encoding="utf-8")
    claim_file(tmp_path / "table.md")
    assert not stale.exists() and mine.read_text(encoding="utf-8") == "user"


@pytest.mark.parametrize("mask", [0o022, 0o027, 0o077])
def test_outputs_follow_the_umask(tmp_path, mask):
    old = os.umask(mask)
    try:
        with output_dir(tmp_path / "folder", "clt test") as tmp:
            (tmp / "a.txt").write_text("a", encoding="utf-8")
            (tmp / "sub").mkdir()
        atomic_write_text(tmp_path / "file.txt", "x")
    finally:
        os.umask(old)
    mode = lambda p: os.stat(p).st_mode & 0o777  # noqa: E731
    assert mode(tmp_path / "folder") == 0o777 & ~mask
    assert mode(tmp_path / "folder" / "sub") == 0o777 & ~mask
    assert mode(tmp_path / "folder" / "a.txt") == mode(tmp_path / "file.txt") == 0o666 & ~mask
    assert mode(tmp_path / "folder" / MARKER) == 0o666 & ~mask


NAMES = st.text(alphabet="abcdefghij_-.", min_size=1, max_size=8).filter(
    lambda n: n not in (".", "..") and not n.startswith(".clt-output")
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    # A layout a disk can hold: no path is both a file and the folder of another.
    user=st.dictionaries(st.lists(NAMES, min_size=1, max_size=3).map("/".join), st.text(max_size=5), max_size=5).filter(
        lambda files: not any(b.startswith(a + "/") for a in files for b in files)
    ),
    ours=st.dictionaries(st.sampled_from(["a.txt", "b.txt", "d/c.txt"]), st.text(max_size=5), min_size=1),
    again=st.dictionaries(st.sampled_from(["a.txt", "b.txt", "d/e.txt"]), st.text(max_size=5), min_size=1),
)
def test_user_files_survive_any_rewrite_and_foreign_folders_are_never_claimed(tmp_path_factory, user, ours, again):
    root = tmp_path_factory.mktemp("prop")
    # Without the marker, no content makes a folder claimable.
    if user:
        write_files(root / "foreign", user)
        before = snapshot(root / "foreign")
        with pytest.raises(CLTError, match="folder was not written by `clt test`"):
            claim_dir(root / "foreign", "clt test")
        assert snapshot(root / "foreign") == before
    # Our folder, then files added by someone, then a rewrite with other files.
    with output_dir(root / "out", "clt test") as tmp:
        write_files(tmp, ours)
    clashes = [
        u
        for u in user
        if u in again
        or any(u.startswith(a + "/") or a.startswith(u + "/") for a in again)
        or any(u.startswith(o + "/") or o.startswith(u + "/") for o in ours)
        or u in ours
    ]
    added = {u: t for u, t in user.items() if u not in clashes}
    write_files(root / "out", added)
    with output_dir(root / "out", "clt test") as tmp:
        write_files(tmp, again)
    for rel, text in {**added, **again}.items():
        assert (root / "out" / rel).read_bytes().decode("utf-8") == text
    for rel in set(ours) - set(again):
        assert not (root / "out" / rel).exists()  # what it wrote before and not now is gone
    remove_leftovers(root / "out")
    assert not [p for p in root.iterdir() if p.name.startswith(".out.clt-")]


# ----------------------------------------------------------------------------- a full disk

FULL_DISK = r"""
import contextlib, io, json, os, resource, signal, subprocess, sys
from pathlib import Path
work, argv, free, how = Path(sys.argv[1]), json.loads(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
full = work / "full"
if how == "tmpfs":  # a real file system of a few pages, in this process's own mount namespace
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(full)], check=True)
    st = os.statvfs(full)
    with open(full / "filler", "wb") as f:
        f.write(b"\0" * max(0, st.f_bavail * st.f_frsize - free))
else:  # no namespace here: a file size limit gives the same failed write (EFBIG, not ENOSPC)
    (full / "filler").write_bytes(b"")
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (free, resource.getrlimit(resource.RLIMIT_FSIZE)[1]))
from clt_plugin.cli import main
os.chdir(work)
err = io.StringIO()
with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
    rc = main(argv)
left = sorted(str(p.relative_to(full)) for p in full.rglob("*"))
print(json.dumps({"rc": rc, "err": err.getvalue(), "left": left}))
"""


def _tmpfs_works() -> bool:
    probe = (
        subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "true"], capture_output=True, check=False)
        if shutil.which("unshare")
        else None
    )
    return probe is not None and probe.returncode == 0


@pytest.mark.parametrize("free", [0, 6000])
@pytest.mark.parametrize("cmd", ["mix", "report", "leaderboard", "sweep", "matrix"])
def test_a_full_disk_is_one_line_naming_the_output_and_leaves_nothing(workspace, cmd, free):
    """The issue's case: `clt leaderboard` and `clt sweep` on a full disk left their staging
    folders, and every command said only "No space left on device"."""
    argv, output, _ = COMMANDS[cmd]
    root, _ = fresh_copy(workspace)
    (root / "full").mkdir()
    i = argv.index("-o")
    argv = [*argv[: i + 1], f"full/{output}", *argv[i + 2 :]]
    how = "tmpfs" if _tmpfs_works() else "rlimit"
    wrap = ["unshare", "--user", "--map-root-user", "--mount"] if how == "tmpfs" else []
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.run(
        [*wrap, sys.executable, "-c", FULL_DISK, str(root), json.dumps(argv), str(free), how],
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    lines = got["err"].strip().splitlines()
    if free == 0:
        assert got["rc"] == 2, got
    if got["rc"] == 2:
        why = "No space left on device" if how == "tmpfs" else "File too large"
        assert len(lines) == 1 and lines[0].startswith(f"clt {cmd}: error: "), got
        assert f"full/{output}" in lines[0] and why in lines[0] and "Traceback" not in got["err"], got
        assert got["left"] == ["filler"], got  # no staging folder, no half-written output
    else:
        assert got["rc"] == 0 and output in got["left"], got
        assert not [p for p in got["left"] if ".clt-" in p], got


def test_a_foreign_folder_is_refused_from_a_look_not_a_walk_of_all_of_it(tmp_path):
    """`clt mix -o /` took 88 s to say no: it listed ~700k files first. Without a marker the
    folder is not clt's whatever else it holds, so a few of its files are enough to name."""
    big = tmp_path / "big"
    for d in range(30):
        (big / f"d{d:02}").mkdir(parents=True)
        for i in range(100):
            (big / f"d{d:02}" / f"f{i:03}").touch()
    with pytest.raises(CLTError) as err:
        claim_dir(big, "clt mix")
    assert str(err.value) == (
        f"{big}: folder was not written by `clt mix` (it holds d00/f000, d00/f001, d00/f002, d00/f003, "
        "d00/f004 and more); it is left untouched: choose a new or empty folder"
    )
    # Only a spec: its sources are never read, the output is refused first.
    (tmp_path / "spec.yaml").write_text(SPEC, encoding="utf-8")
    rc, err_text = run_clt(tmp_path, ["mix", "spec.yaml", "-o", "/", "--no-cache"])
    assert rc == 2 and err_text.startswith("clt mix: error: /: folder was not written by `clt mix` (it holds "), (
        err_text
    )
    assert err_text.strip().endswith(" and more); it is left untouched: choose a new or empty folder"), err_text


def test_a_run_writing_in_place_holds_its_folder_until_it_finishes(tmp_path):
    from clt_plugin.outputs import finish_in_place, start_in_place

    first = start_in_place(tmp_path / "demo", "clt demo")
    (tmp_path / "demo" / "a.txt").write_text("a", encoding="utf-8")
    with pytest.raises(CLTError) as err:
        start_in_place(tmp_path / "demo", "clt demo")
    assert str(err.value) == (
        f"{tmp_path / 'demo'}: another clt process is writing it (lock .demo.clt-lock); run again when it has finished"
    )
    assert (tmp_path / "demo" / "a.txt").exists()  # the refused run removed nothing
    finish_in_place(first)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]  # no lock file left beside it
    second = start_in_place(tmp_path / "demo", "clt demo")
    assert not (tmp_path / "demo" / "a.txt").exists()  # the first run's file: removed by the next
    finish_in_place(second)


def test_the_plugin_refuses_rows_that_do_not_hash_to_their_manifest(tmp_path):
    """A mixture folder rewritten between the build and the plugin's read: its train.jsonl no
    longer hashes to the manifest the build returned, and is not trained on."""
    import hashlib

    from clt_plugin.axolotl.data import _freeze

    train = tmp_path / "mix" / "train.jsonl"
    train.parent.mkdir()
    train.write_text('{"run": "B"}\n', encoding="utf-8")
    run_a = hashlib.sha256(b'{"run": "A"}\n').hexdigest()
    with pytest.raises(CLTError) as err:
        _freeze(train, run_a, tmp_path / "prepared")
    assert str(err.value) == (
        f"{train}: does not hash to its manifest's sha256 {run_a[:12]}: another process rewrote {train.parent} "
        "while it was read; run again"
    )
    assert [p.name for p in (tmp_path / "prepared" / "by-sha256").iterdir()] == []
    run_b = hashlib.sha256(train.read_bytes()).hexdigest()
    assert _freeze(train, run_b, tmp_path / "prepared").read_bytes() == train.read_bytes()


def test_a_dead_runs_staging_folder_with_a_half_written_marker_is_removed(tmp_path):
    """A run that died (or ran out of room) while writing its staging folder's first marker left
    `.board.clt-PID-....tmp` holding a truncated marker, which no later run removed."""
    left = tmp_path / f".board.clt-{_dead_pid()}-0badf00d.tmp"
    left.mkdir()
    (left / MARKER).write_text('{"signature": "clt-out', encoding="utf-8")
    kept = tmp_path / f".board.clt-{_dead_pid()}-0000beef.tmp"  # a user file inside: never touched
    kept.mkdir()
    (kept / MARKER).write_text("{", encoding="utf-8")
    (kept / "mine.txt").write_text("x", encoding="utf-8")
    assert remove_leftovers(tmp_path / "board") == [left]
    assert not left.exists() and (kept / "mine.txt").exists()


def test_a_rewrite_during_a_read_is_seen_even_when_it_writes_the_same_bytes(tmp_path):
    """Markers stay byte-identical for the same inputs (outputs are deterministic), yet a reader
    that straddles a rewrite reads again: each write stamps the marker later than the last."""
    from clt_plugin.outputs import read_consistent

    def write(text: str) -> None:
        with output_dir(tmp_path / "out", "clt test") as tmp:
            (tmp / "a.txt").write_text(text, encoding="utf-8")

    write("same")
    marker = (tmp_path / "out" / MARKER).read_bytes()
    calls: list[str] = []

    def read(folder: Path) -> str:
        calls.append((folder / "a.txt").read_text(encoding="utf-8"))
        if len(calls) == 1:
            write("same")  # another process rewrites the folder while this read is under way
        return calls[-1]

    assert read_consistent(tmp_path / "out", read) == "same"
    assert len(calls) == 2
    assert (tmp_path / "out" / MARKER).read_bytes() == marker


def test_a_run_in_place_that_raised_lets_go_of_its_folder(tmp_path):
    from clt_plugin.outputs import finish_in_place, start_in_place

    def crashing_run() -> None:
        claim = start_in_place(tmp_path / "demo", "clt demo")
        raise RuntimeError(f"axolotl failed writing {claim.path}")

    with pytest.raises(RuntimeError):
        crashing_run()
    finish_in_place(start_in_place(tmp_path / "demo", "clt demo"))  # not refused as "being written"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["demo"]
